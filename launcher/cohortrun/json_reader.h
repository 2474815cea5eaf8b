// Reading the JSON records that ranks and agents leave in the logs folder.
// A small, strict parser (RFC 8259 values; \u escapes decoded to UTF-8).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cohort::launcher {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  // The member `key` of an object, or nullptr (also when this is not an object).
  const JsonValue* get(const std::string& key) const;
  // Typed lookups with a fallback for a missing member or another type.
  std::string getString(const std::string& key, const std::string& fallback = "") const;
  double getNumber(const std::string& key, double fallback) const;
  bool getBool(const std::string& key, bool fallback) const;
};

// The value `text` holds, or nullopt (with *error saying where it went wrong)
// when it is not one JSON value.
std::optional<JsonValue> parseJson(const std::string& text, std::string* error = nullptr);

}  // namespace cohort::launcher
