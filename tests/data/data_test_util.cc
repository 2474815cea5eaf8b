#include "data_test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "pack/dataset_writer.h"

namespace cohort::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/cohort_data_test.XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

data::Manifest packSynthetic(storage::Storage& storage, int64_t samples, int64_t per_shard) {
  cohort_pack::ColumnData x, label;
  x.column = {"x", data::DType::kFloat32, {3}};
  label.column = {"label", data::DType::kInt64, {}};
  x.rows = label.rows = samples;
  std::vector<float> xs;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < samples; ++i) {
    xs.insert(xs.end(), {float(i), float(2 * i), float(3 * i)});
    labels.push_back(i);
  }
  x.bytes.assign(reinterpret_cast<const char*>(xs.data()), xs.size() * sizeof(float));
  label.bytes.assign(reinterpret_cast<const char*>(labels.data()), labels.size() * sizeof(int64_t));
  return cohort_pack::writeDataset(storage, {x, label}, per_shard, true, nullptr);
}

data::Manifest packSynthetic(const std::string& location, int64_t samples, int64_t per_shard,
                             const storage::StorageOptions& options) {
  auto storage = storage::openStorage(location, options);
  return packSynthetic(*storage, samples, per_shard);
}

data::LoaderOptions syntheticOptions(const std::string& location, int64_t global_batch, int rank,
                                     int world) {
  data::LoaderOptions o;
  o.location = location;
  o.global_batch = global_batch;
  o.rank = rank;
  o.world = world;
  o.seed = 7;
  o.window_shards = 3;
  o.threads = 1;
  o.prefetch_bytes = 4096;
  o.storage.first_backoff_s = 0.05;
  o.storage.max_backoff_s = 1;
  return o;
}

std::vector<int64_t> drain(data::ShardedLoader& loader, int64_t batches) {
  std::vector<int64_t> ids;
  for (int64_t b = 0; batches < 0 || b < batches; ++b) {
    auto batch = loader.next();
    if (!batch) break;
    const auto x = (*batch)["x"];
    const auto label = (*batch)["label"];
    for (int64_t i = 0; i < batch->size(); ++i) {
      const int64_t id = batch->ids[i].item<int64_t>();
      ids.push_back(id);
      if (label[i].item<int64_t>() != id || x[i][2].item<float>() != float(3 * id)) {
        ADD_FAILURE() << "sample " << id << " holds label " << label[i].item<int64_t>()
                      << " and x[2] " << x[i][2].item<float>();
      }
    }
  }
  return ids;
}

}  // namespace cohort::test
