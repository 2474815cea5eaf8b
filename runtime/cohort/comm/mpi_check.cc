#include "cohort/comm/mpi_check.h"

#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cohort/core/error.h"
#include "cohort/core/log.h"

namespace cohort {

namespace {

std::string describe(int code, const char* call, const char* file, int line) {
  char buffer[512];
  const char* base = std::strrchr(file, '/');
  return std::string(call) + " failed (" + (base ? base + 1 : file) + ":" + std::to_string(line) +
         "): " + mpiErrorText(code, buffer);
}

}  // namespace

const char* mpiErrorText(int code, char (&buffer)[512]) {
  static_assert(sizeof buffer >= MPI_MAX_ERROR_STRING, "room for MPI's longest message");
  int length = 0;
  if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS) {
    std::snprintf(buffer, sizeof buffer, "MPI error %d", code);
  } else {
    buffer[length] = '\0';
  }
  return buffer;
}

void throwIfMpiFailed(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  throw CommError(describe(code, call, file, line),
                  "another rank has probably exited, or the MPI installation is broken; look at "
                  "the first error in the ranks' logs");
}

void warnIfMpiFailed(int code, const char* call, const char* file, int line) noexcept {
  if (code == MPI_SUCCESS) return;
  try {
    log::warn(describe(code, call, file, line));
  } catch (...) {  // a warning never ends the program
  }
}

}  // namespace cohort
