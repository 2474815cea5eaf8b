#include "cohort/core/compression.h"

#include <array>
#include <utility>

#include "cohort/core/error.h"

namespace cohort {

namespace {

constexpr std::array<std::pair<Compression, const char*>, 3> kNames{{
    {Compression::kNone, "none"},
    {Compression::kBf16, "bf16"},
    {Compression::kFp16, "fp16"},
}};

}  // namespace

const char* compressionName(Compression c) {
  for (const auto& [value, name] : kNames) {
    if (value == c) return name;
  }
  return "?";
}

std::optional<Compression> findCompression(const std::string& text) {
  for (const auto& [value, name] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Compression parseCompression(const std::string& text, const std::string& where) {
  if (auto c = findCompression(text)) return *c;
  throw ConfigError(where + ": '" + text + "' is not a gradient compression",
                    "use none (float32), bf16 or fp16");
}

}  // namespace cohort
