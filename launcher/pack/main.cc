// cohort-pack: turns idx files, .npy arrays or the Fashion-MNIST files into a
// cohort data set on any supported storage. See pack_options.cc for the options.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "cohort/storage/storage.h"
#include "cohort/storage/storage_url.h"
#include "dataset_writer.h"
#include "idx_file.h"
#include "npy_file.h"
#include "pack_options.h"

namespace cohort_pack {

namespace {

using cohort::data::Column;
using cohort::data::DType;

ColumnData fromIdx(const std::string& name, const std::string& path) {
  const IdxFile file = IdxFile::read(path, 0, "pass an intact idx file (unsigned bytes)");
  ColumnData c;
  c.column =
      Column{name, DType::kUInt8, std::vector<int64_t>(file.dims().begin() + 1, file.dims().end())};
  c.rows = file.count();
  c.bytes.assign(file.values().begin(), file.values().end());
  return c;
}

ColumnData fromNpy(const std::string& name, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cohort::DataError("cannot open " + path, "check the path given to --npy");
  std::ostringstream text;
  text << in.rdbuf();
  std::string bytes = text.str();
  const NpyHeader h = parseNpyHeader(bytes, path);
  if (static_cast<int64_t>(bytes.size()) != h.data_offset + h.data_bytes) {
    throw cohort::DataError(
        path + " holds " + std::to_string(bytes.size() - h.data_offset) +
            " bytes of values but its header promises " + std::to_string(h.data_bytes),
        "the file is truncated or damaged: save the array again with numpy.save");
  }
  ColumnData c;
  c.column = Column{name, h.dtype, std::vector<int64_t>(h.shape.begin() + 1, h.shape.end())};
  c.rows = h.shape[0];
  c.bytes = bytes.substr(static_cast<size_t>(h.data_offset));
  return c;
}

void printLine(const std::string& line) { std::printf("cohort-pack: %s\n", line.c_str()); }

void pack(const PackOptions& o, const cohort::storage::StorageOptions& storage_options,
          const std::string& to, const std::vector<ColumnData>& columns) {
  auto storage = cohort::storage::openStorage(to, storage_options);
  if (o.create_container) {
    storage->createLocation();
  }
  const int64_t per_shard =
      o.shard_samples > 0 ? o.shard_samples
                          : rowsPerShard(columns, static_cast<int64_t>(o.shard_mb * (1 << 20)));
  const auto manifest = writeDataset(
      *storage, columns, per_shard, o.force, printLine,
      o.sha256 ? cohort::storage::ChecksumKind::kSha256 : cohort::storage::ChecksumKind::kXxh128);
  std::printf("cohort-pack: %s holds %lld samples in %zu shards\n", to.c_str(),
              static_cast<long long>(manifest.samples), manifest.shards.size());
}

std::string fashionFile(const std::string& dir, const std::string& name) {
  std::ifstream gz(dir + "/" + name + ".gz");
  return gz ? dir + "/" + name + ".gz" : dir + "/" + name;
}

int run(const PackOptions& o) {
  const auto settings = cohort::Settings::fromEnvironment(cohort::processEnv());
  const auto storage_options = cohort::storage::StorageOptions::fromSettings(settings);
  if (!o.fashion_mnist.empty()) {
    for (const auto& [split, prefix] :
         {std::pair<std::string, std::string>{"train", "train"}, {"test", "t10k"}}) {
      const std::vector<ColumnData> columns = {
          fromIdx("image", fashionFile(o.fashion_mnist, prefix + "-images-idx3-ubyte")),
          fromIdx("label", fashionFile(o.fashion_mnist, prefix + "-labels-idx1-ubyte"))};
      std::string to = o.to;
      while (to.size() > 1 && to.back() == '/') to.pop_back();
      pack(o, storage_options, to + "/" + split, columns);
    }
    return 0;
  }
  std::vector<ColumnData> columns;
  for (const auto& [name, path] : o.idx) columns.push_back(fromIdx(name, path));
  for (const auto& [name, path] : o.npy) columns.push_back(fromNpy(name, path));
  pack(o, storage_options, o.to, columns);
  return 0;
}

}  // namespace
}  // namespace cohort_pack

int main(int argc, char** argv) {
  cohort_pack::PackOptions options;
  try {
    options = cohort_pack::PackOptions::parse(argc, argv);
  } catch (const cohort::Error& e) {
    std::fprintf(stderr, "cohort-pack: error: %s\n", e.what());
    return 2;  // a bad command line, as for cohortrun and cohort-upload
  }
  if (options.help) {  // before anything (settings, storage) is touched
    std::printf("%s", cohort_pack::PackOptions::usage().c_str());
    return 0;
  }
  try {
    return cohort_pack::run(options);
  } catch (const cohort::Error& e) {
    std::fprintf(stderr, "cohort-pack: error: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort-pack: error: %s\n", e.what());
  }
  return 1;
}
