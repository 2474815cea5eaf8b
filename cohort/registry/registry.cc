#include "cohort/registry/registry.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/registry/lineage.h"
#include "cohort/storage/checksum.h"

namespace cohort::registry {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kRecordSchema = "cohort.model-version/1";
// A model file up to this size goes to Azure in one streamed Put Blob (Azure
// allows 5000 MiB); larger ones in blocks, 4 in flight. One Put moved 1 GiB to
// Azurite about twice as fast as 64 MiB blocks did (bench/run_registry.sh).
constexpr int64_t kPartBytes = int64_t{4} << 30;

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string number(int64_t n) {
  char text[24];
  std::snprintf(text, sizeof text, "%08lld", static_cast<long long>(n));
  return text;
}

// The number a listed "0000000V" or "0000000V.json" stands for, or 0.
int64_t numberOf(const std::string& object) {
  const std::string digits =
      object.size() == 13 && object.compare(8, 5, ".json") == 0 ? object.substr(0, 8) : object;
  if (digits.size() != 8 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoll(digits);
}

std::string modelPrefix(const std::string& name) { return "models/" + name; }

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

std::string text(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

}  // namespace

json VersionRecord::toJson() const {
  json files_json = json::array();
  for (const auto& f : files) {
    json file = {{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}};
    if (!f.xxh128.empty()) file["xxh128"] = f.xxh128;
    files_json.push_back(std::move(file));
  }
  return {{"schema", kRecordSchema},  {"name", name},
          {"version", version},       {"created", created},
          {"created_by", created_by}, {"tags", tags},
          {"files", files_json},      {"lineage_sha256", lineage_sha256}};
}

VersionRecord VersionRecord::fromJson(const std::string& bytes, const std::string& where) {
  const json j = json::parse(bytes, nullptr, false);
  const auto damaged = [&](const std::string& what) {
    return DataError(
        where + " is not a version record: " + what,
        "the registry is damaged there; restore it from a backup, or register the model again");
  };
  if (j.is_discarded() || !j.is_object()) throw damaged("not a JSON object");
  if (text(j, "schema") != kRecordSchema)
    throw damaged("its schema is '" + text(j, "schema") + "'");
  VersionRecord r;
  try {
    r.name = j.at("name").get<std::string>();
    r.version = j.at("version").get<int64_t>();
    r.created = j.at("created").get<double>();
    r.created_by = j.at("created_by").get<std::string>();
    r.tags = j.at("tags").get<std::map<std::string, std::string>>();
    r.lineage_sha256 = j.at("lineage_sha256").get<std::string>();
    for (const auto& f : j.at("files")) {
      r.files.push_back({f.at("path").get<std::string>(), f.at("size").get<int64_t>(),
                         f.at("sha256").get<std::string>(),
                         f.contains("xxh128") ? f.at("xxh128").get<std::string>() : ""});
    }
  } catch (const json::exception& e) {
    throw damaged(e.what());
  }
  return r;
}

json AliasEvent::toJson() const {
  return {{"sequence", sequence},
          {"alias", alias},
          {"from", from == 0 ? json() : json(from)},
          {"to", to == 0 ? json() : json(to)},
          {"by", by},
          {"at", at}};
}

std::string currentUser() {
  std::string user;
  if (const passwd* pw = ::getpwuid(::getuid())) user = pw->pw_name;
  if (user.empty() && std::getenv("USER")) user = std::getenv("USER");
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return (user.empty() ? "unknown" : user) + "@" + host;
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
  // The claim: the next number not taken (See Note [Registry layout]).
  const json claim = {
      {"by", record.created_by}, {"pid", ::getpid()}, {"token", uniqueSuffix()}, {"at", unixNow()}};
  root_->createExclusive(
      "names/" + name,
      json{{"name", name}, {"created", unixNow()}, {"by", record.created_by}}.dump());
  int64_t version = 1;
  for (const auto& o : under(prefix + "/claims")->list())
    version = std::max(version, numberOf(o.name) + 1);
  for (int tries = 0; !root_->createExclusive(prefix + "/claims/" + number(version), claim.dump());
       ++tries) {
    COHORT_CHECK(tries < 10000, Error,
                 "could not claim a version of '" + name + "' in " + location_,
                 "too many registrations at once; try again");
    ++version;
  }
  record.version = version;
  record.created = unixNow();
  const std::string stored = prefix + "/versions/" + number(version);

  // The files, each hashed while it is copied (two reads of the page cache,
  // in parallel; See Note [Two digests]).
  for (const auto& relative : files) {
    const std::string local = (fs::path(model_dir) / relative).string();
    auto digests = std::async(std::launch::async, [&local] {
      return storage::fileChecksumsHex(
          {storage::ChecksumKind::kSha256, storage::ChecksumKind::kXxh128}, local);
    });
    try {
      storage::Storage::PutFileOptions put;
      put.part_bytes = kPartBytes;
      root_->putFile(stored + "/files/" + relative, local, put);
    } catch (...) {
      digests.wait();
      throw;
    }
    const auto hex = digests.get();
    record.files.push_back({relative, static_cast<int64_t>(fs::file_size(local)), hex[0], hex[1]});
  }

  lineage["model"] = {{"name", name},
                      {"version", version},
                      {"created", record.created},
                      {"created_by", record.created_by},
                      {"tags", tags},
                      {"files", record.toJson()["files"]}};
  const std::string lineage_text = withoutSecrets(std::move(lineage)).dump(2) + "\n";
  root_->write(stored + "/lineage.json", lineage_text);
  record.lineage_sha256 = storage::sha256Hex(lineage_text);
  // The commit: from here on the version exists, and nothing replaces it.
  COHORT_CHECK(root_->createExclusive(prefix + "/committed/" + number(version) + ".json",
                                      record.toJson().dump(2) + "\n"),
               Error,
               "version " + std::to_string(version) + " of '" + name + "' in " + location_ +
                   " was committed by someone else",
               "something other than cohort-model writes into the registry; check who");
  return record;
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

std::vector<VersionRecord> Registry::versions(const std::string& name) {
  requireModel(name);
  std::vector<VersionRecord> out;
  auto committed = under(modelPrefix(name) + "/committed");
  for (const auto& o : committed->list()) {
    if (numberOf(o.name) == 0 || o.name.size() != 13) continue;
    out.push_back(VersionRecord::fromJson(committed->readAll(o.name), committed->urlOf(o.name)));
  }
  return out;
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
      root_->getFile(stored + f.path, local.string(), f.size, &checksum);
      if (checksum.hex() != (fast ? f.xxh128 : f.sha256)) {
        throw DataError(
            "the stored file " + f.path + " of " + version.name + ":" +
                std::to_string(version.version) + " (" + urlOf(stored + f.path) +
                ") does not match its " + (fast ? "xxh128" : "sha256"),
            "the registry copy was changed or damaged after registration; do not use it, and "
            "register the model again from its outputs");
      }
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

std::vector<AliasEvent> Registry::aliasHistory(const std::string& name) {
  requireModel(name);
  std::vector<AliasEvent> out;
  auto events = under(modelPrefix(name) + "/events");
  for (const auto& o : events->list()) {
    if (numberOf(o.name) == 0) continue;
    const json j = json::parse(events->readAll(o.name), nullptr, false);
    try {
      AliasEvent e;
      e.sequence = numberOf(o.name);
      e.alias = j.at("alias").get<std::string>();
      e.from = j.at("from").is_null() ? 0 : j.at("from").get<int64_t>();
      e.to = j.at("to").is_null() ? 0 : j.at("to").get<int64_t>();
      e.by = j.at("by").get<std::string>();
      e.at = j.at("at").get<double>();
      out.push_back(e);
    } catch (const json::exception& e) {
      throw DataError(events->urlOf(o.name) + " is not an alias event: " + e.what(),
                      "the registry is damaged there; restore it from a backup");
    }
  }
  return out;
}

std::map<std::string, int64_t> Registry::aliases(const std::string& name) {
  std::map<std::string, int64_t> now;
  for (const auto& e : aliasHistory(name)) {
    if (e.to == 0)
      now.erase(e.alias);
    else
      now[e.alias] = e.to;
  }
  return now;
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
