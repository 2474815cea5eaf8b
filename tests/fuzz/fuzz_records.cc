// The launcher's records as cohortrun reads them back: error records
// (error-rank-N.json), exit records (exit-rank-N.json) and run.json.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/core/error_record.h"
#include "cohort/core/run_record.h"
#include "cohortrun/rank_records.h"
#include "fuzz_util.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (const auto record = ErrorRecord::fromJson(text)) record->toJson();
  if (const auto exit = launcher::parseExitRecord(text)) launcher::exitRecordJson(*exit);
  fuzz::refusedOrRead([&] {
    const auto run = RunRecord::fromJson(text, "run.json");
    // What it reads, it writes as a record it reads again.
    RunRecord::fromJson(run.toJson(), "run.json, written");
  });
  return 0;
}
