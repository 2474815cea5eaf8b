// Writing and reading JSON: nlohmann's json everywhere (See Note [JSON text]).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

namespace cohort {

// Note [JSON text]: every JSON document cohort writes (records, run.json,
// metrics.jsonl, timelines) is built as an nlohmann::ordered_json, so its keys
// stay in the order they were set and a record reads top-down, and is turned
// into text here, with bytes that are not UTF-8 (a log line cut
// mid-character) replaced by U+FFFD instead of an exception: the document is
// always valid JSON, whatever a message holds.
using OrderedJson = nlohmann::ordered_json;

// `value` as text: one line when `indent` < 0, else indented by `indent` spaces.
inline std::string jsonText(const OrderedJson& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Note [Untrusted JSON]: a document cohort reads from outside (index.json,
// a checkpoint's files) can nest arrays a million levels deep in a few MB.
// nlohmann parses that without recursion, but dump(), comparisons and
// copies recurse and overflow the stack. kMaxJsonDepth is far deeper than any
// file cohort writes, and a deeper document is refused while it is parsed.
constexpr int kMaxJsonDepth = 64;

// `text` parsed, or a discarded value when it is not JSON or nests deeper
// than kMaxJsonDepth; then `why` (if given) says which, with the position.
nlohmann::json parseUntrustedJson(const std::string& text, std::string* why = nullptr);
// The same, keeping the keys in their order (a sweep's parameters).
OrderedJson parseUntrustedOrderedJson(const std::string& text, std::string* why = nullptr);

// The member `key` of `object` as a T, or `fallback` when `object` is not an
// object, lacks the member or holds another type there (records written by
// an older or a newer cohort still read).
template <typename T>
T jsonField(const nlohmann::json& object, const char* key, T fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->template get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->template get<bool>() : fallback;
  } else if constexpr (std::is_integral_v<T>) {
    // A whole number T can hold; 2.5, 1e300 or -1 for an unsigned T is the
    // fallback (converting it would be undefined).
    if (!it->is_number_integer()) return fallback;  // unsigned ones too
    if (it->is_number_unsigned() || it->template get<int64_t>() >= 0) {
      const auto v = it->template get<uint64_t>();
      return v <= static_cast<uint64_t>(std::numeric_limits<T>::max()) ? static_cast<T>(v)
                                                                       : fallback;
    }
    const auto v = it->template get<int64_t>();  // negative
    if constexpr (std::is_signed_v<T>) {
      if (v >= static_cast<int64_t>(std::numeric_limits<T>::min())) return static_cast<T>(v);
    }
    return fallback;
  } else {
    return it->is_number() ? it->template get<T>() : fallback;
  }
}

}  // namespace cohort
