#include "cohort/registry/registry.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <future>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/host_name.h"
#include "cohort/registry/lineage.h"
#include "cohort/registry/registry_paths.h"
#include "cohort/storage/checksum.h"

namespace cohort::registry {

namespace {

namespace fs = std::filesystem;
using detail::modelPrefix;
using detail::number;
using detail::numberOf;
using nlohmann::json;

// A model file up to this size goes to Azure in one streamed Put Blob (Azure
// allows 5000 MiB); larger ones in blocks, 4 in flight. One Put moved 1 GiB to
// Azurite about twice as fast as 64 MiB blocks did (bench/run_registry.sh).
constexpr int64_t kPartBytes = int64_t{4} << 30;

// The regular files under `dir`, as sorted relative paths (no hidden ones).
std::vector<std::string> filesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), dir).generic_string());
  }
  if (error)
    throw DataError("cannot read the folder " + dir + ": " + error.message(),
                    "check its permissions");
  std::sort(out.begin(), out.end());
  return out;
}

// Each of `objects` read with `read`; one that cannot be read goes to
// `damaged` when given, else its DataError is thrown (See Note [Damaged records]).
// `folder` is the objects' folder under the location, `root` the location.
template <typename T, typename Read>
std::vector<T> readEach(storage::Storage& root, const std::string& folder,
                        const std::vector<storage::ObjectInfo>& objects, Read read,
                        std::vector<DamagedRecord>* damaged) {
  std::vector<T> out;
  for (const auto& o : objects) {
    const int64_t n = numberOf(o.name);
    if (n == 0) continue;
    const std::string object = folder + "/" + o.name;
    try {
      out.push_back(read(root.readAll(object), n, root.urlOf(object)));
    } catch (const DataError& e) {
      if (!damaged) throw;
      damaged->push_back({n, root.urlOf(object), e.detail()});
    }
  }
  return out;
}

}  // namespace

std::string currentUser() {
  std::string user;
  if (const passwd* pw = ::getpwuid(::getuid())) user = pw->pw_name;
  if (user.empty() && std::getenv("USER")) user = std::getenv("USER");
  return (user.empty() ? "unknown" : user) + "@" + hostName();
}

Registry::Registry(std::string location, storage::StorageOptions options)
    : location_(std::move(location)), options_(std::move(options)) {
  while (location_.size() > 1 && location_.back() == '/') location_.pop_back();
  COHORT_CHECK(location_.find('?') == std::string::npos, ConfigError,
               "the registry location has a query string",
               "give it without '?...'; a SAS token goes in COHORT_AZURE_SAS_TOKEN or "
               "COHORT_CREDENTIALS_FILE");
  root_ = storage::openStorage(location_, options_);
}

Registry::~Registry() = default;

std::unique_ptr<storage::Storage> Registry::under(const std::string& prefix) {
  return storage::openStorage(location_ + "/" + prefix, options_);
}

std::string Registry::urlOf(const std::string& name) const { return root_->urlOf(name); }

void Registry::requireModel(const std::string& name) {
  checkName(name, "model name");
  if (!root_->exists("names/" + name)) {
    throw ConfigError(
        "the registry " + location_ + " has no model '" + name + "'",
        "`cohort-model list` shows the models it has; register one with `cohort-model register`");
  }
}

VersionRecord Registry::registerModel(const std::string& name, const std::string& model_dir,
                                      json lineage,
                                      const std::map<std::string, std::string>& tags) {
  checkName(name, "model name");
  for (const auto& [key, value] : tags) {
    COHORT_CHECK(!key.empty() && key.size() <= 128, ConfigError, "a tag name is empty or too long",
                 "give tags as --tag KEY=VALUE with a KEY of 1 to 128 characters");
  }
  const std::vector<std::string> files = filesUnder(model_dir);
  COHORT_CHECK(!files.empty(), ConfigError, "the model folder " + model_dir + " holds no files",
               "register the outputs of a finished run (its model/ folder)");

  root_->createLocation();
  const std::string prefix = modelPrefix(name);
  VersionRecord record;
  record.name = name;
  record.created_by = currentUser();
  record.tags = tags;
  const std::string name_text =
      json{{"name", name}, {"created", unixNow()}, {"by", record.created_by}}.dump();
  const bool made_name = root_->createExclusive("names/" + name, name_text);
  // The claim: the next number not taken (See Note [Registry layout]), with
  // the files it is going to copy (See Note [Leftovers]).
  const json claim = {{"by", record.created_by},
                      {"pid", ::getpid()},
                      {"token", uniqueSuffix()},
                      {"at", unixNow()},
                      {"files", files}};
  int64_t version = 0;
  std::vector<std::string> written;  // to remove if the registration fails
  try {
    version = 1;
    for (const auto& o : under(prefix + "/claims")->list())
      version = std::max(version, numberOf(o.name) + 1);
    for (int tries = 0;
         !root_->createExclusive(prefix + "/claims/" + number(version), claim.dump()); ++tries) {
      COHORT_CHECK(tries < 10000, Error,
                   "could not claim a version of '" + name + "' in " + location_,
                   "too many registrations at once; try again");
      ++version;
    }
  } catch (...) {
    undoRegistration(name, 0, written, made_name);
    throw;
  }
  record.version = version;
  record.created = unixNow();
  const std::string stored = prefix + "/versions/" + number(version);

  try {
    // The files, each hashed while it is copied (two reads of the page cache,
    // in parallel; See Note [Two digests]).
    for (const auto& relative : files) {
      const std::string local = (fs::path(model_dir) / relative).string();
      auto digests = std::async(std::launch::async, [&local] {
        return storage::fileChecksumsHex(
            {storage::ChecksumKind::kSha256, storage::ChecksumKind::kXxh128}, local);
      });
      written.push_back(stored + "/files/" + relative);
      try {
        storage::Storage::PutFileOptions put;
        put.part_bytes = kPartBytes;
        root_->putFile(written.back(), local, put);
      } catch (...) {
        digests.wait();
        throw;
      }
      const auto hex = digests.get();
      record.files.push_back(
          {relative, static_cast<int64_t>(fs::file_size(local)), hex[0], hex[1]});
    }

    lineage["model"] = {{"name", name},
                        {"version", version},
                        {"created", record.created},
                        {"created_by", record.created_by},
                        {"tags", tags},
                        {"files", record.toJson()["files"]}};
    const std::string lineage_text = withoutSecrets(std::move(lineage), options_).dump(2) + "\n";
    written.push_back(stored + "/lineage.json");
    root_->write(written.back(), lineage_text);
    record.lineage_sha256 = storage::sha256Hex(lineage_text);
    // Still ours: `cohort-model gc` removes a claim it takes for dead (See Note [Leftovers]).
    const std::string claim_object = prefix + "/claims/" + number(version);
    COHORT_CHECK(root_->exists(claim_object) && root_->readAll(claim_object) == claim.dump(),
                 DataError,
                 "the claim " + urlOf(claim_object) + " of this registration was removed",
                 "`cohort-model gc --remove` took it for dead; register the model again");
    // The name again: a registration that failed meanwhile may have removed it
    // (See undoRegistration); a committed version always has its name.
    root_->createExclusive("names/" + name, name_text);
  } catch (...) {
    undoRegistration(name, version, written, made_name);
    throw;
  }
  // The commit: from here on the version exists, and nothing replaces it.
  COHORT_CHECK(root_->createExclusive(prefix + "/committed/" + number(version) + ".json",
                                      record.toJson().dump(2) + "\n"),
               Error,
               "version " + std::to_string(version) + " of '" + name + "' in " + location_ +
                   " was committed by someone else",
               "something other than cohort-model writes into the registry; check who");
  return record;
}

void Registry::undoRegistration(const std::string& name, int64_t version,
                                const std::vector<std::string>& written, bool made_name) noexcept {
  // In this order, each step only when the ones before it succeeded, so what
  // is left can still be found by `leftovers` (See Note [Leftovers]).
  try {
    for (auto it = written.rbegin(); it != written.rend(); ++it) root_->remove(*it);
    if (version > 0) root_->remove(modelPrefix(name) + "/claims/" + number(version));
    if (made_name && under(modelPrefix(name) + "/claims")->list().empty())
      root_->remove("names/" + name);
  } catch (const std::exception&) {
    // The registration's own error is the one to report; `cohort-model gc` finds the rest.
  }
}

void Registry::checkWritable() {
  const std::string probe = "write-probe." + uniqueSuffix();
  const std::string text = json{{"by", currentUser()}, {"at", unixNow()}}.dump();
  try {
    root_->createLocation();
    under("names")->list();
    root_->createExclusive(probe, text);
    std::string back;
    try {
      back = root_->readAll(probe);
    } catch (const DataError&) {
      try {
        root_->remove(probe);
      } catch (const DataError&) {
      }
      throw;
    }
    root_->remove(probe);
    if (back != text) {
      throw DataError("the probe " + urlOf(probe) + " read back differs from what was written",
                      "check the storage");
    }
  } catch (const DataError& e) {
    throw DataError("the model registry " + location_ + " cannot be written: " + e.detail(),
                    e.hint());
  }
}

std::vector<std::string> Registry::names() {
  std::vector<std::string> out;
  for (const auto& o : under("names")->list()) {
    try {
      checkName(o.name, "model name");
      out.push_back(o.name);
    } catch (const ConfigError&) {
      // Not written by cohort-model: not a model.
    }
  }
  return out;
}

std::vector<VersionRecord> Registry::versions(const std::string& name,
                                              std::vector<DamagedRecord>* damaged) {
  requireModel(name);
  const std::string folder = modelPrefix(name) + "/committed";
  auto listed = under(folder)->list();
  listed.erase(std::remove_if(listed.begin(), listed.end(),
                              [](const storage::ObjectInfo& o) { return o.name.size() != 13; }),
               listed.end());
  return readEach<VersionRecord>(
      *root_, folder, listed,
      [](const std::string& bytes, int64_t, const std::string& where) {
        return VersionRecord::fromJson(bytes, where);
      },
      damaged);
}

VersionRecord Registry::resolve(const ModelRef& ref) {
  requireModel(ref.name);
  int64_t version = ref.version;
  if (!ref.alias.empty()) {
    const auto now = aliases(ref.name);
    auto found = now.find(ref.alias);
    if (found == now.end()) {
      throw ConfigError(
          "the model '" + ref.name + "' in " + location_ + " has no alias '" + ref.alias + "'",
          "`cohort-model show " + ref.name + "` lists its aliases");
    }
    version = found->second;
  }
  const std::string committed = modelPrefix(ref.name) + "/committed/";
  if (version == 0) {
    for (const auto& o : under(committed)->list()) version = std::max(version, numberOf(o.name));
    COHORT_CHECK(version > 0, ConfigError,
                 "the model '" + ref.name + "' in " + location_ + " has no committed version",
                 "a registration of it may still be running, or was stopped; register it again");
  }
  const std::string object = committed + number(version) + ".json";
  if (!root_->exists(object)) {
    throw ConfigError("the model '" + ref.name + "' in " + location_ + " has no version " +
                          std::to_string(version),
                      "`cohort-model list " + ref.name + "` shows its versions");
  }
  return VersionRecord::fromJson(root_->readAll(object), urlOf(object));
}

json Registry::lineage(const VersionRecord& version) {
  const std::string object =
      modelPrefix(version.name) + "/versions/" + number(version.version) + "/lineage.json";
  const std::string bytes = root_->readAll(object);
  if (storage::sha256Hex(bytes) != version.lineage_sha256) {
    throw DataError(urlOf(object) + " does not match the sha256 its version record holds",
                    "the lineage record was changed after registration; do not trust it");
  }
  return json::parse(bytes);
}

std::vector<AliasEvent> Registry::aliasHistory(const std::string& name,
                                               std::vector<DamagedRecord>* damaged) {
  requireModel(name);
  const std::string folder = modelPrefix(name) + "/events";
  return readEach<AliasEvent>(*root_, folder, under(folder)->list(), &AliasEvent::fromJson,
                              damaged);
}

std::map<std::string, int64_t> aliasesAfter(const std::vector<AliasEvent>& history) {
  std::map<std::string, int64_t> now;
  for (const auto& e : history) {
    if (e.to == 0)
      now.erase(e.alias);
    else
      now[e.alias] = e.to;
  }
  return now;
}

std::map<std::string, int64_t> Registry::aliases(const std::string& name,
                                                 std::vector<DamagedRecord>* damaged) {
  return aliasesAfter(aliasHistory(name, damaged));
}

AliasEvent Registry::moveAlias(const std::string& name, const std::string& alias, int64_t version) {
  checkAlias(alias);
  if (version > 0)
    resolve(ModelRef{name, version, ""});  // the version must exist
  else
    requireModel(name);
  AliasEvent event;
  event.alias = alias;
  event.to = version;
  event.by = currentUser();
  // The next event number, computed again whenever another move got there first.
  for (int tries = 0;; ++tries) {
    COHORT_CHECK(tries < 1000, Error, "could not record the alias move in " + location_,
                 "try again");
    const auto history = aliasHistory(name);
    event.sequence = history.empty() ? 1 : history.back().sequence + 1;
    event.from = 0;
    for (const auto& e : history) {
      if (e.alias == alias) event.from = e.to;
    }
    if (version == 0 && event.from == 0) {
      throw ConfigError("the model '" + name + "' has no alias '" + alias + "' to remove",
                        "`cohort-model show " + name + "` lists its aliases");
    }
    event.at = unixNow();
    if (root_->createExclusive(modelPrefix(name) + "/events/" + number(event.sequence) + ".json",
                               event.toJson().dump(2) + "\n")) {
      return event;
    }
  }
}

}  // namespace cohort::registry
