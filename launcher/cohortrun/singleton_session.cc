#include "cohortrun/singleton_session.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace cohort::launcher {

namespace {

constexpr char kVariable[] = "OMPI_MCA_orte_tmpdir_base";

}  // namespace

SingletonSessionFolder::SingletonSessionFolder() {
  if (std::getenv(kVariable) != nullptr) return;
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = std::string(tmpdir != nullptr && tmpdir[0] != '\0' ? tmpdir : "/tmp") +
                        "/cohortrun-ompi.XXXXXX";
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

SingletonSessionFolder::~SingletonSessionFolder() {
  if (path_.empty()) return;
  // The singleton's orted ends a moment after the program: try for a while.
  for (int tries = 0; tries < 20; ++tries) {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    if (!std::filesystem::exists(path_, error)) return;
    usleep(100 * 1000);
  }
}

std::vector<std::pair<std::string, std::string>> SingletonSessionFolder::variables() const {
  if (path_.empty()) return {};
  return {{kVariable, path_}};
}

}  // namespace cohort::launcher
