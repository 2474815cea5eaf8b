// WebHDFS's answers: a LISTSTATUS listing and a boolean (MKDIRS, RENAME, DELETE).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/storage/webhdfs_json.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  const std::string url = "http://127.0.0.1:9870/webhdfs/v1/data?op=LISTSTATUS";
  cohort::fuzz::refusedOrRead([&] { cohort::storage::parseListStatus(json, url); });
  cohort::fuzz::refusedOrRead([&] { cohort::storage::parseBoolean(json, url); });
  return 0;
}
