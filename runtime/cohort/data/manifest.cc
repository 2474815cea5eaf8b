#include "cohort/data/manifest.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <set>

#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/object_name.h"

namespace cohort::data {

namespace {

using nlohmann::json;

constexpr int64_t kMaxCount = int64_t{1} << 40;
constexpr int64_t kMaxDim = int64_t{1} << 31;
constexpr int64_t kMaxSampleBytes = int64_t{1} << 30;
const char* kRepack =
    "repack the data set with cohort-pack, or fix index.json by hand (see README, Sharded data)";

struct DTypeInfo {
  DType dtype;
  const char* name;
  int64_t size;
  const char* numpy;  // kind and size in a numpy descr
};
const DTypeInfo kDTypes[] = {
    {DType::kUInt8, "uint8", 1, "u1"},     {DType::kInt8, "int8", 1, "i1"},
    {DType::kInt16, "int16", 2, "i2"},     {DType::kInt32, "int32", 4, "i4"},
    {DType::kInt64, "int64", 8, "i8"},     {DType::kFloat32, "float32", 4, "f4"},
    {DType::kFloat64, "float64", 8, "f8"},
};

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw DataError(source + ": " + what, kRepack);
}

// A shard's name, checked as storage checks every object name, with the data set's advice.
void checkShardName(const std::string& file, const std::string& context) {
  try {
    storage::checkObjectName(file, context);
  } catch (const DataError& e) {
    throw DataError(e.detail(), e.hint() + "; " + kRepack);
  }
}

bool validColumnName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  }
  return true;
}

bool validDigest(const std::string& hex, storage::ChecksumKind kind) {
  if (hex.size() != storage::checksumHexLength(kind)) return false;
  for (char c : hex) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

const json& field(const json& object, const char* name, const std::string& source,
                  const std::string& where) {
  auto it = object.find(name);
  if (it == object.end()) bad(source, where + " has no \"" + name + "\"");
  return *it;
}

int64_t integer(const json& object, const char* name, int64_t least, int64_t most,
                const std::string& source, const std::string& where) {
  const json& value = field(object, name, source, where);
  if (!value.is_number_integer()) bad(source, where + ": \"" + name + "\" is not a whole number");
  const int64_t n =
      value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(most)
          ? most + 1
          : value.get<int64_t>();
  if (n < least || n > most) {
    bad(source, where + ": \"" + name + "\" is " + value.dump() + ", outside " +
                    std::to_string(least) + ".." + std::to_string(most));
  }
  return n;
}

std::string text(const json& object, const char* name, const std::string& source,
                 const std::string& where) {
  const json& value = field(object, name, source, where);
  if (!value.is_string()) bad(source, where + ": \"" + name + "\" is not a string");
  return value.get<std::string>();
}

}  // namespace

const char* dtypeName(DType dtype) {
  for (const auto& d : kDTypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

bool parseDType(const std::string& name, DType* out) {
  for (const auto& d : kDTypes) {
    if (name == d.name) {
      *out = d.dtype;
      return true;
    }
  }
  return false;
}

int64_t dtypeSize(DType dtype) {
  for (const auto& d : kDTypes) {
    if (d.dtype == dtype) return d.size;
  }
  return 0;
}

bool dtypeFromNumpy(const std::string& descr, DType* out) {
  // Byte order: '<' little, '|' not applicable, '=' native (little here).
  if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '|' && descr[0] != '=')) return false;
  for (const auto& d : kDTypes) {
    if (descr.compare(1, 2, d.numpy) == 0) {
      if (d.size > 1 && descr[0] == '|') return false;
      *out = d.dtype;
      return true;
    }
  }
  return false;
}

int64_t Column::sampleElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int Manifest::columnIndex(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Manifest Manifest::parse(const std::string& content, const std::string& source) {
  std::string why;
  json doc = parseUntrustedJson(content, &why);  // See Note [Untrusted JSON]
  if (doc.is_discarded()) bad(source, why);
  if (!doc.is_object()) bad(source, "the top level is not a JSON object");
  const std::string format = text(doc, "format", source, "the top level");
  if (format != "cohort-dataset")
    bad(source, "\"format\" is \"" + format + "\", not \"cohort-dataset\"");
  const int64_t version = integer(doc, "version", 1, 1000000, source, "the top level");
  if (version != kVersion) {
    throw DataError(
        source + ": format version " + std::to_string(version) +
            ", but this cohort reads version " + std::to_string(kVersion),
        "use the cohort release that wrote the data set, or repack it with this one's cohort-pack");
  }

  Manifest m;
  const json& columns = field(doc, "columns", source, "the top level");
  if (!columns.is_array() || columns.empty() || columns.size() > 64) {
    bad(source, "\"columns\" must be a list of 1 to 64 columns");
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string where = "column " + std::to_string(i);
    if (!columns[i].is_object()) bad(source, where + " is not an object");
    Column c;
    c.name = text(columns[i], "name", source, where);
    if (!validColumnName(c.name))
      bad(source, where + ": the name is not 1-64 letters, digits, '_', '.' or '-'");
    const std::string dtype = text(columns[i], "dtype", source, where);
    if (!parseDType(dtype, &c.dtype)) {
      bad(source, where + " ('" + c.name + "'): unknown dtype '" + dtype.substr(0, 20) +
                      "' (uint8, int8, int16, int32, int64, float32, float64)");
    }
    const json& shape = field(columns[i], "shape", source, where);
    if (!shape.is_array() || shape.size() > 8)
      bad(source, where + ": \"shape\" must be a list of up to 8 sizes");
    for (const json& d : shape) {
      if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > kMaxDim) {
        // The offending size quoted alone, and only when it is a number or
        // a short string: a list or an object is named, not printed.
        const std::string what = d.is_primitive() && d.dump().size() <= 40
                                     ? d.dump()
                                     : std::string(d.is_array() ? "a list" : "an object");
        bad(source, where + " ('" + c.name + "'): shape has the size " + what +
                        ", not a whole number 1.." + std::to_string(kMaxDim));
      }
      c.shape.push_back(d.get<int64_t>());
      if (c.sampleElements() * dtypeSize(c.dtype) > kMaxSampleBytes)
        bad(source, where + ": one sample is over 1 GiB");
    }
    m.columns.push_back(c);
  }

  const json& shards = field(doc, "shards", source, "the top level");
  if (!shards.is_array() || shards.empty()) bad(source, "\"shards\" must be a non-empty list");
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string where = "shard " + std::to_string(i);
    if (!shards[i].is_object()) bad(source, where + " is not an object");
    ShardEntry s;
    s.file = text(shards[i], "file", source, where);
    checkShardName(s.file, source + ", " + where);
    s.samples = integer(shards[i], "samples", 1, kMaxCount, source, where + " (" + s.file + ")");
    s.bytes = integer(shards[i], "bytes", 1, kMaxCount, source, where + " (" + s.file + ")");
    const bool xxh = shards[i].contains("xxh128"), sha = shards[i].contains("sha256");
    if (xxh == sha)
      bad(source, where + " (" + s.file + ") needs exactly one checksum, \"xxh128\" or \"sha256\"");
    s.checksum_kind = xxh ? storage::ChecksumKind::kXxh128 : storage::ChecksumKind::kSha256;
    s.checksum = text(shards[i], storage::checksumName(s.checksum_kind), source,
                      where + " (" + s.file + ")");
    m.shards.push_back(s);
  }
  m.samples = integer(doc, "samples", 1, kMaxCount, source, "the top level");
  m.validate(source);
  return m;
}

void Manifest::validate(const std::string& source) const {
  if (columns.empty()) bad(source, "no columns");
  if (shards.empty()) bad(source, "no shards");
  std::set<std::string> names;
  for (const Column& c : columns) {
    if (!validColumnName(c.name)) bad(source, "the column name '" + c.name + "' is not allowed");
    if (!names.insert(c.name).second) bad(source, "the column '" + c.name + "' appears twice");
  }
  std::set<std::string> files;
  int64_t total = 0;
  for (const ShardEntry& s : shards) {
    checkShardName(s.file, source);
    if (s.file == kFileName) bad(source, "a shard is named index.json");
    if (!files.insert(s.file).second) bad(source, "the shard file '" + s.file + "' appears twice");
    if (s.samples < 1 || s.bytes < 1) bad(source, "the shard '" + s.file + "' is empty");
    if (!validDigest(s.checksum, s.checksum_kind)) {
      bad(source, "the shard '" + s.file + "' has a " + storage::checksumName(s.checksum_kind) +
                      " that is not " +
                      std::to_string(storage::checksumHexLength(s.checksum_kind)) +
                      " lowercase hex digits");
    }
    total += s.samples;
  }
  if (total != samples) {
    bad(source, "\"samples\" is " + std::to_string(samples) + " but the shards hold " +
                    std::to_string(total));
  }
}

std::string Manifest::serialize() const {
  json doc = json::object();
  doc["format"] = "cohort-dataset";
  doc["version"] = kVersion;
  doc["samples"] = samples;
  doc["columns"] = json::array();
  for (const Column& c : columns) {
    doc["columns"].push_back({{"name", c.name}, {"dtype", dtypeName(c.dtype)}, {"shape", c.shape}});
  }
  doc["shards"] = json::array();
  for (const ShardEntry& s : shards) {
    doc["shards"].push_back({{"file", s.file},
                             {"samples", s.samples},
                             {"bytes", s.bytes},
                             {storage::checksumName(s.checksum_kind), s.checksum}});
  }
  return doc.dump(1) + "\n";
}

std::string Manifest::fingerprint() const { return storage::sha256Hex(serialize()); }

}  // namespace cohort::data
