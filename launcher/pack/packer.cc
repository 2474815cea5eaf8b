#include "pack/packer.h"

#include <filesystem>
#include <memory>

#include "cohort/core/error.h"
#include "cohort/storage/storage_url.h"
#include "pack/staged_folder.h"

namespace cohort_pack {

namespace {

namespace fs = std::filesystem;
using cohort::storage::openStorage;
using cohort::storage::Storage;
using cohort::storage::StorageUrl;

struct Target {
  const PackJob* job;
  bool local;
  std::string folder;                // local: the destination folder
  std::unique_ptr<Storage> storage;  // other storage: the destination
  int64_t rows_per_shard;
};

// Step 1: everything that can be refused, before anything is written.
Target check(const PackJob& job, const PackOptions& o,
             const cohort::storage::StorageOptions& storage_options) {
  checkColumns(job.columns);
  const StorageUrl url = cohort::storage::parseStorageUrl(job.location);
  Target t{&job, url.kind == StorageUrl::Kind::kLocal, url.path, nullptr, 0};
  if (t.local) {
    checkLocalDestination(t.folder, o.force);
  } else {
    t.storage = openStorage(job.location, storage_options);
    if (o.create_container) t.storage->createLocation();
    if (!o.force && t.storage->exists(cohort::data::Manifest::kFileName)) {
      throw cohort::ConfigError(job.location + " already holds a data set (index.json)",
                                "pass --force to replace it, or choose another location");
    }
  }
  t.rows_per_shard = o.shard_samples > 0
                         ? o.shard_samples
                         : rowsPerShard(job.columns, static_cast<int64_t>(o.shard_mb * (1 << 20)));
  return t;
}

}  // namespace

void packAll(const std::vector<PackJob>& jobs, const PackOptions& o,
             const cohort::storage::StorageOptions& storage_options,
             const std::function<void(const std::string&)>& say) {
  std::vector<Target> targets;
  for (const auto& job : jobs) targets.push_back(check(job, o, storage_options));

  // Step 2: write each; local ones aside.
  const auto checksum =
      o.sha256 ? cohort::storage::ChecksumKind::kSha256 : cohort::storage::ChecksumKind::kXxh128;
  std::vector<std::unique_ptr<StagedFolder>> staged;
  std::vector<std::string> summaries;
  for (auto& t : targets) {
    Storage* into = t.storage.get();
    std::unique_ptr<Storage> staging;
    if (t.local) {
      staged.push_back(std::make_unique<StagedFolder>(t.folder));
      staging = openStorage(staged.back()->path(), storage_options);
      into = staging.get();
    }
    const ShardProgress progress = [&](const std::string& shard, int64_t samples, int64_t bytes) {
      const std::string url = t.local ? (fs::path(t.folder) / shard).string() : into->urlOf(shard);
      say("wrote " + url + " (" + std::to_string(samples) + " samples, " + std::to_string(bytes) +
          " bytes)");
    };
    const auto manifest = writeDataset(*into, t.job->columns, t.rows_per_shard, !t.local && o.force,
                                       progress, checksum);
    summaries.push_back(t.job->location + " holds " + std::to_string(manifest.samples) +
                        " samples in " + std::to_string(manifest.shards.size()) + " shards");
  }

  // Step 3: the local ones swapped in whole.
  for (auto& s : staged) s->commit();
  for (const auto& line : summaries) say(line);
}

}  // namespace cohort_pack
