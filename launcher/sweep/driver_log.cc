#include "sweep/driver_log.h"

#include <fcntl.h>

#include <cstdio>

#include "cohort/core/file_io.h"
#include "common/posix_io.h"

namespace cohort::sweep_tool {

void DriverLog::say(const std::string& line) const {
  if (!quiet_) std::fprintf(stderr, "cohort-sweep: %s\n", line.c_str());
  UniqueFd f{openToWrite(path_, O_WRONLY | O_CREAT | O_APPEND)};
  if (f.fd >= 0) writeAll(f.fd, launcher::isoTime(launcher::unixNow()) + " " + line + "\n");
}

}  // namespace cohort::sweep_tool
