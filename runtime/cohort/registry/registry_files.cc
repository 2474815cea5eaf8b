// A version's stored files: downloading them checked, and verifying them in
// place (See Note [Two digests] in cohort/registry/registry.h).
#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/registry/registry.h"
#include "cohort/registry/registry_paths.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/object_errors.h"

namespace cohort::registry {

namespace fs = std::filesystem;
using detail::modelPrefix;
using detail::number;

void Registry::download(const VersionRecord& version, const std::string& dir) {
  std::error_code error;
  if (fs::exists(dir, error) && !(fs::is_directory(dir, error) && fs::is_empty(dir, error))) {
    throw ConfigError("cannot download into " + dir + ": it exists and is not an empty folder",
                      "name a new folder, or remove that one first");
  }
  const fs::path target = fs::absolute(dir);
  const fs::path staging =
      target.parent_path() / ("." + target.filename().string() + ".partial." + uniqueSuffix());
  fs::create_directories(staging, error);
  if (error)
    throw DataError("cannot create " + staging.string() + ": " + error.message(),
                    "choose a writable folder");
  const std::string stored =
      modelPrefix(version.name) + "/versions/" + number(version.version) + "/files/";
  try {
    for (const auto& f : version.files) {
      const fs::path local = staging / f.path;
      fs::create_directories(local.parent_path());
      // See Note [Two digests]; records made before xxh128 have only a sha256.
      const bool fast = !f.xxh128.empty();
      storage::Checksum checksum(fast ? storage::ChecksumKind::kXxh128
                                      : storage::ChecksumKind::kSha256);
      // The storage names the object; the registry says what it is and what to do.
      const std::string file = "the stored file " + f.path + " of " + version.name + ":" +
                               std::to_string(version.version) + " (" + urlOf(stored + f.path) +
                               ")";
      const char* advice =
          "the registry copy was changed or damaged after registration; do not use it, and "
          "register the model again from its outputs";
      try {
        root_->getFile(stored + f.path, local.string(), f.size, &checksum);
      } catch (const storage::ObjectSizeError& e) {
        throw DataError(
            file + " is " +
                (e.actual() < 0 ? "longer than" : std::to_string(e.actual()) + " bytes, not") +
                " the " + std::to_string(f.size) + " bytes its version record says",
            advice);
      } catch (const storage::ObjectMissingError& e) {
        throw DataError(file + " is missing: " + e.detail(), advice);
      }
      if (checksum.hex() != (fast ? f.xxh128 : f.sha256))
        throw DataError(file + " does not match its " + (fast ? "xxh128" : "sha256"), advice);
    }
    fs::remove(target, error);  // an empty folder, if it was there
    fs::rename(staging, target);
  } catch (...) {
    fs::remove_all(staging, error);
    throw;
  }
}

std::vector<FileProblem> Registry::verifyFiles(const VersionRecord& version) {
  std::vector<FileProblem> problems;
  const std::string stored =
      modelPrefix(version.name) + "/versions/" + number(version.version) + "/files/";
  const fs::path scratch = fs::temp_directory_path() / ("cohort-verify." + uniqueSuffix());
  for (const auto& f : version.files) {
    try {
      if (!root_->exists(stored + f.path)) {
        problems.push_back({f.path, "is missing"});
        continue;
      }
      const int64_t size = root_->size(stored + f.path);
      if (size != f.size) {
        problems.push_back(
            {f.path, "is " + std::to_string(size) + " bytes, not " + std::to_string(f.size)});
        continue;
      }
      storage::Checksum checksum(storage::ChecksumKind::kSha256);
      root_->getFile(stored + f.path, scratch.string(), f.size, &checksum);
      if (checksum.hex() != f.sha256) {
        problems.push_back({f.path, "does not match its sha256"});
      } else if (!f.xxh128.empty() && storage::fileChecksumHex(storage::ChecksumKind::kXxh128,
                                                               scratch.string()) != f.xxh128) {
        problems.push_back({f.path, "does not match its xxh128 (its sha256 does)"});
      }
    } catch (const DataError& e) {
      problems.push_back({f.path, e.detail()});
    }
  }
  std::error_code error;
  fs::remove(scratch, error);
  return problems;
}

void Registry::exportVersion(const VersionRecord& version, const std::string& dir) {
  std::error_code error;
  if (fs::exists(dir, error) && !(fs::is_directory(dir, error) && fs::is_empty(dir, error))) {
    throw ConfigError("cannot export into " + dir + ": it exists and is not an empty folder",
                      "name a new folder, or remove that one first");
  }
  const std::string stored = modelPrefix(version.name) + "/versions/" + number(version.version);
  const std::string lineage_object = stored + "/lineage.json";
  const std::string lineage_bytes = root_->readAll(lineage_object);
  if (storage::sha256Hex(lineage_bytes) != version.lineage_sha256) {
    throw DataError(urlOf(lineage_object) + " does not match the sha256 its version record holds",
                    "the lineage record was changed after registration; do not trust it");
  }
  const std::string record =
      modelPrefix(version.name) + "/committed/" + number(version.version) + ".json";
  const std::string record_bytes = root_->readAll(record);
  try {
    download(version, (fs::path(dir) / stored / "files").string());
    for (const auto& [object, bytes] :
         {std::pair{lineage_object, lineage_bytes}, std::pair{record, record_bytes},
          std::pair{"names/" + version.name, root_->readAll("names/" + version.name)}}) {
      const fs::path local = fs::path(dir) / object;
      fs::create_directories(local.parent_path());
      std::string problem;
      if (!writeFileAtomically(local.string(), bytes, &problem))
        throw DataError(problem, "check that " + dir + " is writable and has room");
    }
  } catch (...) {
    fs::remove_all(dir, error);
    throw;
  }
}

}  // namespace cohort::registry
