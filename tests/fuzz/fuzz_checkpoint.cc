// A checkpoints folder as the resume and the retention read it: latest,
// and two committed steps whose checksums.json, checkpoint.json and model.h5
// are the input's (four parts).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/latest_pointer.h"
#include "cohort/checkpoint/retention.h"
#include "cohort/checkpoint/tensor_file.h"
#include "cohort/core/json.h"
#include "cohort/data/loader_state.h"
#include "fuzz_util.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto in = fuzz::parts(data, size, 4);
  auto& scratch = fuzz::Scratch::get();
  scratch.clear();
  const auto dir = scratch.path() / "checkpoints";
  scratch.write("checkpoints/latest", in[0]);
  for (const char* step : {"step-00000010", "step-00000020"}) {
    const std::string folder = std::string("checkpoints/") + step + "/";
    scratch.write(folder + "checksums.json", in[1]);
    scratch.write(folder + "checkpoint.json", in[2]);
    scratch.write(folder + "model.h5", in[3]);
  }
  fuzz::refusedOrRead([&] { checkpoint::refuseLatestFolder(dir); });
  std::vector<std::string> unreadable;
  for (const auto& c : checkpoint::listCheckpoints(dir, &unreadable)) {
    checkpoint::verifyCheckpoint(c.folder);
  }
  checkpoint::latestProblem(dir, "step-00000020");
  fuzz::refusedOrRead(
      [&] { checkpoint::readTensorFile((dir / "step-00000020" / "model.h5").string()); });
  const auto meta = parseUntrustedJson(in[2]);
  if (meta.is_object() && meta.contains("loader")) {
    fuzz::refusedOrRead(
        [&] { data::LoaderState::fromJson(meta["loader"].dump(), "checkpoint.json"); });
  }
  checkpoint::Retention rule;
  rule.keep_last = 1;
  rule.best_metric = "val_loss";
  rule.higher_is_better = false;
  checkpoint::pruneCheckpoints(dir, rule);
  fuzz::refusedOrRead([&] { checkpoint::repairLatest(dir, "step-00000020"); });
  return 0;
}
