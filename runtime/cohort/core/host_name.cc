#include "cohort/core/host_name.h"

#include <unistd.h>

namespace cohort {

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

}  // namespace cohort
