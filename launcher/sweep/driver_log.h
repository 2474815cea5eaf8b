// What the driver says: each line to stderr as "cohort-sweep: LINE" (unless
// --quiet) and, with its time, to the sweep folder's driver.log.
#pragma once

#include <string>

#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {

class DriverLog {
 public:
  DriverLog(const SweepFolder& folder, bool quiet) : path_(folder.log()), quiet_(quiet) {}

  void say(const std::string& line) const;
  bool quiet() const { return quiet_; }

 private:
  std::string path_;
  bool quiet_;
};

}  // namespace cohort::sweep_tool
