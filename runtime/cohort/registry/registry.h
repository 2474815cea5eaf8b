// A model registry: named models, each a list of immutable, numbered
// versions with the files of a trained model and its lineage record, plus
// aliases that point at versions. It lives in any storage location (a
// folder on local disk or NFS, azure://..., hdfs://...), needs no server,
// and is safe for any number of writers at once.
//
// Note [Registry layout]
// Under the location:
//   names/NAME                                 the model exists (first registration)
//   models/NAME/claims/0000000V                version V is taken (exclusive create),
//                                              by whom, when, and the files it copies
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
// last event's. A registration that fails (rather than being killed)
// removes what it wrote: its files, its claim, and the name when it made the
// name and no other registration has claimed a version since.
//
// Note [Damaged records]
// A version record or alias event that is not what cohort-model wrote (not
// JSON, a field missing or of the wrong type, a symbolic link in a local
// registry) is damage in one object, not in the registry: listings go on
// with what is readable and name the damaged object (DamagedRecord), while
// whatever reads that object itself (show, download, an alias) fails with a
// DataError naming it.
//
// Note [Leftovers]
// A registration killed halfway leaves its claim and some of its files.
// The claim lists the files it was going to copy, so `leftovers` finds what
// is there without listing folders (no backend lists recursively), and
// `removeLeftover` removes them, the claim last. A claim younger than the
// grace period given may belong to a registration still copying and is left
// alone; a name whose every registration failed is a leftover too.
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
  // A DataError naming `where` when the event is malformed.
  static AliasEvent fromJson(const std::string& text, int64_t sequence, const std::string& where);
};

// A stored record that cannot be read (See Note [Damaged records]).
struct DamagedRecord {
  int64_t number = 0;   // the version, or the alias event's sequence
  std::string where;    // the object's URL (a path for a local registry)
  std::string problem;  // "not a JSON object", "'to' is missing or not a number"
};

// What a registration that never committed left (See Note [Leftovers]).
struct Leftover {
  std::string name;
  int64_t version = 0;               // 0: only the name is left (no claim, no version)
  double claimed_at = 0;             // Unix seconds; 0 when the claim cannot be read
  std::string claimed_by;            // user@host
  std::vector<std::string> objects;  // what is there, relative to the location
  int64_t bytes = 0;                 // their size
  bool files_unknown = false;        // a claim without a file list (made before gc existed)
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

  // Creates the location if needed, then creates and removes a small probe
  // object the way a registration creates its claim (an exclusive create),
  // so a location that cannot be reached, or read but not written, fails
  // here with a DataError naming it, before any work that would register.
  void checkWritable();

  // Registers the files under `model_dir` (recursively) as the next version
  // of `name`. `lineage` is completed with the model's name, version and
  // files and stored beside them.
  VersionRecord registerModel(const std::string& name, const std::string& model_dir,
                              nlohmann::json lineage,
                              const std::map<std::string, std::string>& tags);

  std::vector<std::string> names();
  // Committed versions, oldest first; a ConfigError for an unknown name.
  // With `damaged`, a record that cannot be read is put there and the others
  // are returned; without, it is a DataError (See Note [Damaged records]).
  std::vector<VersionRecord> versions(const std::string& name,
                                      std::vector<DamagedRecord>* damaged = nullptr);
  // The version `ref` means; a ConfigError naming what is not there.
  VersionRecord resolve(const ModelRef& ref);
  nlohmann::json lineage(const VersionRecord& version);

  // Copies the version's files into the new folder `dir` (which must not
  // exist, or be empty), checking each against its xxh128 (its sha256 in
  // records without one); on any mismatch nothing is left at `dir` and a
  // DataError names the file. See Note [Two digests].
  void download(const VersionRecord& version, const std::string& dir);
  // Writes a registry holding only `version` into the new local folder
  // `dir` (which must not exist, or be empty): its files, checked as
  // download() checks them, its lineage (checked against the record's
  // sha256), its record and its name, each as stored. An image carries one
  // (cohort-model containerize), so that the server in it checks the files
  // against the record as it would against this registry; a site with no
  // path to this registry can be given one. On failure nothing is left.
  void exportVersion(const VersionRecord& version, const std::string& dir);
  // Re-reads every stored file and checks its size, sha256 and xxh128.
  std::vector<FileProblem> verifyFiles(const VersionRecord& version);

  // Points `alias` of `name` at `version` (0: removes it), as the next event.
  AliasEvent moveAlias(const std::string& name, const std::string& alias, int64_t version);
  // The alias moves, oldest first; `damaged` as for versions().
  std::vector<AliasEvent> aliasHistory(const std::string& name,
                                       std::vector<DamagedRecord>* damaged = nullptr);
  // Each alias's version now, from the readable events when `damaged` is given.
  std::map<std::string, int64_t> aliases(const std::string& name,
                                         std::vector<DamagedRecord>* damaged = nullptr);

  // What killed or failed registrations of `name` (every model when empty)
  // left; claims made less than `grace_s` seconds ago are not leftovers (See
  // Note [Leftovers]).
  std::vector<Leftover> leftovers(const std::string& name, double grace_s);
  // Removes what `leftover` found, the claim last.
  void removeLeftover(const Leftover& leftover);

 private:
  // The storage under `prefix` of the location ("models/NAME/claims").
  std::unique_ptr<storage::Storage> under(const std::string& prefix);
  void requireModel(const std::string& name);
  std::string urlOf(const std::string& name) const;
  // After a registration failed: removes `written` (objects), the claim of
  // `version` and, when `made_name`, the name if no version is claimed.
  void undoRegistration(const std::string& name, int64_t version,
                        const std::vector<std::string>& written, bool made_name) noexcept;
  std::vector<Leftover> leftoversOf(const std::string& name, double grace_s);

  std::string location_;
  storage::StorageOptions options_;
  std::unique_ptr<storage::Storage> root_;
};

// The digest of a model's files: the sha256 of their "PATH SHA256" lines
// in path order. cohort-serve names the version it serves by it (in every
// response) and an image built from the version carries it in its labels.
std::string filesDigest(std::vector<std::pair<std::string, std::string>> path_and_sha256);
std::string filesDigest(const VersionRecord& version);

// Each alias's version after `history` (oldest first).
std::map<std::string, int64_t> aliasesAfter(const std::vector<AliasEvent>& history);

// "user@host" of this process.
std::string currentUser();

}  // namespace cohort::registry
