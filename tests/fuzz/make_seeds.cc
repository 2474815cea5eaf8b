// fuzz_make_seeds CORPUS: writes the seeds of the targets whose input is
// binary or in several parts (a shard, a tensor file, a checkpoints folder,
// a sweep store, a run's lineage sources), as cohort itself writes them,
// into CORPUS/TARGET/seed-*. The text seeds are written by hand. Run once
// when a format changes; the seeds are kept in the repository
// (tests/fuzz/corpus).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/ops/arange.h>
#include <ATen/ops/ones.h>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/tensor_file.h"
#include "cohort/data/shard_file.h"
#include "cohort/storage/storage.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_file.h"

namespace fs = std::filesystem;
using namespace cohort;

namespace {

void writeSeed(const fs::path& corpus, const std::string& target, const std::string& name,
               const std::string& bytes) {
  fs::create_directories(corpus / target);
  std::ofstream out(corpus / target / ("seed-" + name), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The parts as fuzz::parts() reads them back (FuzzedDataProvider's random-
// length strings: a backslash doubled, each part but the last ended by "\ ").
std::string joinParts(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 == parts.size()) return out + parts[i];
    for (char c : parts[i]) out += c == '\\' ? std::string("\\\\") : std::string(1, c);
    out += "\\ ";
  }
  return out;
}

void shards(const fs::path& corpus) {
  // The manifest fuzz_shard reads with: image uint8 4x4, label int64, 9 samples.
  std::vector<uint8_t> images(9 * 16);
  std::vector<int64_t> labels(9);
  for (size_t i = 0; i < images.size(); ++i) images[i] = static_cast<uint8_t>(i * 7);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int64_t>(100 + i);
  const std::vector<data::Column> columns = {{"image", data::DType::kUInt8, {4, 4}},
                                             {"label", data::DType::kInt64, {}}};
  writeSeed(corpus, "fuzz_shard", "cohort-pack",
            data::writeShard(columns, 9,
                             {reinterpret_cast<const char*>(images.data()),
                              reinterpret_cast<const char*>(labels.data())}));
}

std::string tensorFile(const fs::path& scratch) {
  const fs::path file = scratch / "model.h5";
  checkpoint::writeTensorFile(file.string(),
                              {{"fc.bias", at::ones({3})},
                               {"fc.weight", at::arange(6, at::kFloat).view({2, 3})},
                               {"bn.num_batches_tracked", at::ones({}, at::kLong)}},
                              {{"step", "20"}, {"format", "cohort"}});
  return storage::readLocalFile(file.string());
}

void checkpoints(const fs::path& corpus, const fs::path& scratch) {
  const fs::path dir = scratch / "checkpoints";
  fs::path committed;
  {
    checkpoint::PendingCheckpoint pending(dir, 20);
    const std::string model = tensorFile(scratch);
    std::ofstream(pending.path("model.h5"), std::ios::binary) << model;
    pending.seal("model.h5");
    std::ofstream(pending.path("checkpoint.json"))
        << R"({"step": 20, "metrics": {"val_loss": 0.25},)"
        << R"( "loader": {"dataset": "ab12", "seed": 7, "shuffle": true, "window_shards": 2,)"
        << R"( "epoch": 1, "position": 64, "first_sample": 0, "end_sample": 600},)"
        << R"( "rank_state": ["rank-0"]})";
    pending.seal("checkpoint.json");
    committed = pending.commit();
  }
  writeSeed(corpus, "fuzz_checkpoint", "committed",
            joinParts({committed.filename().string(),
                       storage::readLocalFile((committed / "checksums.json").string()),
                       storage::readLocalFile((committed / "checkpoint.json").string()),
                       storage::readLocalFile((committed / "model.h5").string())}));
  writeSeed(corpus, "fuzz_tensor_file", "model",
            storage::readLocalFile((committed / "model.h5").string()));
}

void sweepStore(const fs::path& corpus, const fs::path& scratch) {
  const std::string path = (scratch / "sweep.db").string();
  {
    auto store = sweep::Store::open(
        path, sweep::parseSweep("program: ./train\nmetric: {name: val_accuracy, goal: maximize}\n"
                                "space:\n  lr: {type: loguniform, low: 0.001, high: 0.1}\n"
                                "limits: {max_trials: 3}\n",
                                "sweep.yaml"));
    for (int i = 0; i < 3; ++i) {
      const int64_t id = store.addTrial(sweep::Params{{"lr", 0.01 * (i + 1)}});
      store.start(id, "job-" + std::to_string(id));
      store.addMetrics(id, {{0, 0.5 + 0.1 * i}, {1, 0.6 + 0.1 * i}});
      store.finish(id, sweep::TrialState::kCompleted, 0, "");
    }
  }
  writeSeed(corpus, "fuzz_sweep_store", "three-trials", storage::readLocalFile(path));
}

void lineage(const fs::path& corpus) {
  const std::string run = R"({"schema": "cohort.run/1", "run_id": "r-1", "engine": "mpirun",)"
                          R"( "world_size": 2, "command": ["./train", "--epochs", "2"],)"
                          R"( "hosts": ["a", "b"], "attempts": [], "exit_status": 0})";
  const std::string model = R"({"architecture": "conv_net", "metrics": {"test_accuracy": 0.9},)"
                            R"( "dataset": "ab12", "config": {"lr": 0.01}})";
  const std::string metrics = "{\"step\": 0, \"loss\": 1.5}\n{\"step\": 1, \"loss\": 0.7}\n";
  const std::string trial = R"({"sweep": "s-1", "trial": 3, "params": {"lr": 0.01}})";
  const std::string inputs = R"({"location": "data/set", "manifest_sha256": "ab12"})";
  writeSeed(corpus, "fuzz_lineage", "run", joinParts({run, model, metrics, trial, inputs}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds CORPUS (tests/fuzz/corpus)\n";
    return 2;
  }
  const fs::path corpus = argv[1];
  const fs::path scratch = fs::temp_directory_path() / "cohort-fuzz-seeds";
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  shards(corpus);
  checkpoints(corpus, scratch);
  sweepStore(corpus, scratch);
  lineage(corpus);
  fs::remove_all(scratch);
  std::cout << "seeds written under " << corpus << "\n";
  return 0;
}
