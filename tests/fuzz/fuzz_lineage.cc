// What the lineage of a registered model is gathered from, as a run left it
// (five parts): LOGS/run.json, OUTPUTS/model/model.json, LOGS/metrics.jsonl,
// LOGS/trial.json and one of LOGS/inputs/*.json.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/registry/lineage.h"
#include "fuzz_util.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto in = fuzz::parts(data, size, 5);
  auto& scratch = fuzz::Scratch::get();
  scratch.clear();
  scratch.write("logs/run.json", in[0]);
  scratch.write("outputs/model/model.json", in[1]);
  scratch.write("logs/metrics.jsonl", in[2]);
  scratch.write("logs/trial.json", in[3]);
  scratch.write("logs/inputs/loader-0.json", in[4]);
  fuzz::refusedOrRead([&] {
    registry::LineageSources sources;
    sources.outputs_dir = (scratch.path() / "outputs").string();
    sources.logs_dir = (scratch.path() / "logs").string();
    std::vector<std::string> notes;
    const auto lineage = registry::gatherLineage(sources, &notes);
    registry::withoutSecrets(lineage, storage::StorageOptions{}).dump();
  });
  return 0;
}
