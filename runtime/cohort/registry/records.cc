// The registry's stored records as JSON: the version record, the alias event,
// and the names of Note [Registry layout].
#include <algorithm>
#include <cstdio>

#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/core/number.h"
#include "cohort/registry/registry.h"
#include "cohort/registry/registry_paths.h"
#include "cohort/storage/checksum.h"

namespace cohort::registry {

namespace detail {

std::string number(int64_t n) {
  char text[24];
  std::snprintf(text, sizeof text, "%08lld", static_cast<long long>(n));
  return text;
}

int64_t numberOf(const std::string& object) {
  const std::string digits =
      object.size() == 13 && object.compare(8, 5, ".json") == 0 ? object.substr(0, 8) : object;
  if (digits.size() != 8) return 0;
  return readWhole(digits, 0, 99999999).value_or(0);
}

std::string modelPrefix(const std::string& name) { return "models/" + name; }

}  // namespace detail

namespace {

using nlohmann::json;

constexpr const char* kRecordSchema = "cohort.model-version/1";

// `why` without nlohmann's "[json.exception.parse_error.101] ", which means
// nothing to whoever reads the message.
std::string withoutLibraryTag(std::string why) {
  const auto open = why.find("[json.exception.");
  const auto close = why.find("] ", open);
  if (open != std::string::npos && close != std::string::npos) why.erase(open, close + 2 - open);
  return why;
}

// Reads the fields of one stored record; what is missing or of the wrong
// type is a DataError naming the record and the field, never nlohmann's own
// message (See Note [Damaged records]).
class RecordReader {
 public:
  RecordReader(const std::string& bytes, std::string where, std::string kind, std::string hint)
      : where_(std::move(where)), kind_(std::move(kind)), hint_(std::move(hint)) {
    std::string why;
    root_ = parseUntrustedJson(bytes, &why);
    if (root_.is_discarded()) throw damaged(withoutLibraryTag(why));
    if (!root_.is_object()) throw damaged("it is not a JSON object");
  }

  const json& root() const { return root_; }

  DataError damaged(const std::string& problem) const {
    return DataError(where_ + " is not " + kind_ + ": " + problem, hint_);
  }

  const json& member(const json& object, const char* key, bool (json::*is)() const,
                     const char* type) const {
    const auto it = object.find(key);
    if (it == object.end() || !((*it).*is)())
      throw damaged("'" + std::string(key) + "' is missing or not " + type);
    return *it;
  }
  std::string text(const json& object, const char* key) const {
    return member(object, key, &json::is_string, "a string").get<std::string>();
  }
  int64_t integer(const json& object, const char* key) const {
    return member(object, key, &json::is_number_integer, "a whole number").get<int64_t>();
  }
  double real(const json& object, const char* key) const {
    return member(object, key, &json::is_number, "a number").get<double>();
  }
  // A whole number, or 0 for null.
  int64_t integerOrNull(const json& object, const char* key) const {
    const auto it = object.find(key);
    if (it != object.end() && it->is_null()) return 0;
    return member(object, key, &json::is_number_integer, "a whole number or null").get<int64_t>();
  }

 private:
  std::string where_, kind_, hint_;
  json root_;
};

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
  const RecordReader in(
      bytes, where, "a version record",
      "the registry is damaged there; restore it from a backup, or register the model again");
  const json& j = in.root();
  const auto schema = j.find("schema");
  if (schema == j.end() || *schema != kRecordSchema) {
    throw in.damaged("its schema is " +
                     (schema == j.end() ? std::string("missing") : schema->dump()) + ", not '" +
                     kRecordSchema + "'");
  }
  VersionRecord r;
  r.name = in.text(j, "name");
  r.version = in.integer(j, "version");
  r.created = in.real(j, "created");
  r.created_by = in.text(j, "created_by");
  for (const auto& [key, value] : in.member(j, "tags", &json::is_object, "an object").items()) {
    if (!value.is_string()) throw in.damaged("the tag '" + key + "' is not a string");
    r.tags[key] = value.get<std::string>();
  }
  r.lineage_sha256 = in.text(j, "lineage_sha256");
  for (const auto& f : in.member(j, "files", &json::is_array, "an array")) {
    if (!f.is_object()) throw in.damaged("an entry of 'files' is not an object");
    r.files.push_back({in.text(f, "path"), in.integer(f, "size"), in.text(f, "sha256"),
                       f.contains("xxh128") ? in.text(f, "xxh128") : ""});
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

AliasEvent AliasEvent::fromJson(const std::string& bytes, int64_t sequence,
                                const std::string& where) {
  const RecordReader in(bytes, where, "an alias event",
                        "the registry is damaged there; restore it from a backup, then move the "
                        "aliases again with `cohort-model alias`");
  const json& j = in.root();
  AliasEvent e;
  e.sequence = sequence;
  e.alias = in.text(j, "alias");
  e.from = in.integerOrNull(j, "from");
  e.to = in.integerOrNull(j, "to");
  e.by = in.text(j, "by");
  e.at = in.real(j, "at");
  return e;
}

std::string filesDigest(std::vector<std::pair<std::string, std::string>> files) {
  std::sort(files.begin(), files.end());
  std::string lines;
  for (const auto& [path, sha256] : files) lines += path + " " + sha256 + "\n";
  return storage::sha256Hex(lines);
}

std::string filesDigest(const VersionRecord& version) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : version.files) files.emplace_back(f.path, f.sha256);
  return filesDigest(std::move(files));
}

}  // namespace cohort::registry
