// A model registry: named models, each a list of immutable, numbered
// versions with the files of a trained model and its lineage record, plus
// aliases that point at versions. It lives in any storage location (a
// folder on local disk or NFS, azure://..., hdfs://...), needs no server,
// and is safe for any number of writers at once.
//
// Note [Registry layout]
// Under the location:
//   names/NAME                                 the model exists (first registration)
//   models/NAME/claims/0000000V                version V is taken (exclusive create)
//   models/NAME/versions/0000000V/files/PATH   the model's files
//   models/NAME/versions/0000000V/lineage.json the lineage record (docs/registry.md)
//   models/NAME/committed/0000000V.json        the version record: files, sizes,
//                                              sha256s and xxh128s, tags; written last
//   models/NAME/events/0000000N.json           alias move N (who, when, from, to)
// A version exists once its record under committed/ does. Registering takes
// the next free number by an exclusive create of its claim (See Note
// [Exclusive create] in cohort/storage/storage.h; a taken number moves on to
// the next), copies the files, writes the lineage and, last, the record, also
// by exclusive create, so a version is never replaced. A registration killed
// halfway leaves a claim and some files that nothing lists, and the next one
// takes the next number. Alias moves are numbered events made the same way,
// so concurrent moves are ordered and none is lost; an alias's version is the
// last event's.
//
// Note [Two digests]
// Every file is recorded with two digests, both computed in one read while
// the file is copied in. Its sha256 is the content's identity: the lineage
// names it, and `verify` re-hashes it. Its xxh128 (as data shards use) is
// what `download` checks: it catches any byte changed in storage or on the
// way at memory speed, where SHA-256 (about 1.4 GB/s a core) would make a
// download of a local registry twice as slow as `cp`. XXH3 is no defence
// against a forger, but neither would SHA-256 be in `download`: whoever can
// rewrite a stored file can rewrite the record beside it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cohort/registry/model_ref.h"
#include "cohort/storage/storage.h"

namespace cohort::registry {

struct FileRecord {
  std::string path;  // relative to the model folder
  int64_t size = 0;
  std::string sha256;  // the content's identity, as the lineage names it
  std::string xxh128;  // the fast check download makes; empty in records made before it
};

struct VersionRecord {
  std::string name;
  int64_t version = 0;
  double created = 0;      // Unix seconds
  std::string created_by;  // user@host
  std::map<std::string, std::string> tags;
  std::vector<FileRecord> files;
  std::string lineage_sha256;

  nlohmann::json toJson() const;
  // A DataError naming `where` when the record is malformed.
  static VersionRecord fromJson(const std::string& text, const std::string& where);
};

struct AliasEvent {
  int64_t sequence = 0;
  std::string alias;
  int64_t from = 0;  // 0: the alias was new
  int64_t to = 0;    // 0: the alias was removed
  std::string by;    // user@host
  double at = 0;     // Unix seconds

  nlohmann::json toJson() const;
};

struct FileProblem {
  std::string path;
  std::string problem;  // "sha256 differs", "missing", "is 12 bytes, not 40"
};

class Registry {
 public:
  // Opens the registry at `location` (nothing is created until a registration).
  Registry(std::string location, storage::StorageOptions options);
  ~Registry();

  const std::string& location() const { return location_; }

  // Registers the files under `model_dir` (recursively) as the next version
  // of `name`. `lineage` is completed with the model's name, version and
  // files and stored beside them.
  VersionRecord registerModel(const std::string& name, const std::string& model_dir,
                              nlohmann::json lineage,
                              const std::map<std::string, std::string>& tags);

  std::vector<std::string> names();
  // Committed versions, oldest first; a ConfigError for an unknown name.
  std::vector<VersionRecord> versions(const std::string& name);
  // The version `ref` means; a ConfigError naming what is not there.
  VersionRecord resolve(const ModelRef& ref);
  nlohmann::json lineage(const VersionRecord& version);

  // Copies the version's files into the new folder `dir` (which must not
  // exist, or be empty), checking each against its xxh128 (its sha256 in
  // records without one); on any mismatch nothing is left at `dir` and a
  // DataError names the file. See Note [Two digests].
  void download(const VersionRecord& version, const std::string& dir);
  // Re-reads every stored file and checks its size, sha256 and xxh128.
  std::vector<FileProblem> verifyFiles(const VersionRecord& version);

  // Points `alias` of `name` at `version` (0: removes it), as the next event.
  AliasEvent moveAlias(const std::string& name, const std::string& alias, int64_t version);
  std::vector<AliasEvent> aliasHistory(const std::string& name);
  // Each alias's version now.
  std::map<std::string, int64_t> aliases(const std::string& name);

 private:
  // The storage under `prefix` of the location ("models/NAME/claims").
  std::unique_ptr<storage::Storage> under(const std::string& prefix);
  void requireModel(const std::string& name);
  std::string urlOf(const std::string& name) const;

  std::string location_;
  storage::StorageOptions options_;
  std::unique_ptr<storage::Storage> root_;
};

// "user@host" of this process.
std::string currentUser();

}  // namespace cohort::registry
