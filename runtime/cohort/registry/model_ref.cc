#include "cohort/registry/model_ref.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "cohort/core/utf8.h"

namespace cohort::registry {

namespace {

constexpr size_t kMaxName = 128;

bool nameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The character at `text[at]` as a message shows it: itself when printable
// (a whole UTF-8 sequence, never part of one), else its bytes as \xNN.
std::string characterAt(const std::string& text, size_t at, size_t* length) {
  const auto u = static_cast<unsigned char>(text[at]);
  *length = utf8SequenceLength(text, at);
  if (*length == 0 || u < 0x20 || u == 0x7f) {
    *length = 1;
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", u);
    return hex;
  }
  return text.substr(at, *length);
}

// The text quoted for a message: printable, and cut short (between
// characters) when long.
std::string shown(const std::string& text) {
  constexpr size_t kShown = 40;
  std::string out;
  size_t characters = 0, at = 0;
  while (at < text.size()) {
    size_t length = 0;
    const std::string c = characterAt(text, at, &length);
    if (characters < kShown) out += c;
    ++characters;
    at += length;
  }
  return "'" + out +
         (characters > kShown ? "...' (" + std::to_string(characters) + " characters)" : "'");
}

}  // namespace

std::string ModelRef::text() const {
  if (!alias.empty()) return name + "@" + alias;
  if (version > 0) return name + ":" + std::to_string(version);
  return name;
}

void checkName(const std::string& name, const std::string& what) {
  const std::string hint =
      "use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit";
  if (name.empty()) throw ConfigError("the " + what + " is empty", hint);
  for (size_t at = 0; at < name.size(); ++at) {
    const char c = name[at];
    if (!nameCharacter(c)) {
      const auto u = static_cast<unsigned char>(c);
      size_t length = 0;
      const std::string which = c == '/'   ? "'/'"
                                : c == ' ' ? "a space"
                                : (u < 0x20 || u == 0x7f)
                                    ? "a control character"
                                    : "'" + characterAt(name, at, &length) + "'";
      throw ConfigError("the " + what + " " + shown(name) + " holds " + which, hint);
    }
  }
  // Only ASCII from here on: a byte is a character.
  if (name.size() > kMaxName) {
    throw ConfigError("the " + what + " " + shown(name) + " is longer than " +
                          std::to_string(kMaxName) + " characters",
                      hint);
  }
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) {
    throw ConfigError("the " + what + " " + shown(name) + " does not start with a letter or digit",
                      hint);
  }
  if (name.find("..") != std::string::npos)
    throw ConfigError("the " + what + " " + shown(name) + " holds \"..\"", hint);
}

void checkAlias(const std::string& alias) {
  checkName(alias, "alias");
  if (alias.find_first_not_of("0123456789") == std::string::npos) {
    throw ConfigError("the alias " + shown(alias) + " is all digits, which reads as a version",
                      "write NAME:VERSION for a version, or give the alias a letter");
  }
}

ModelRef parseModelRef(const std::string& text) {
  ModelRef ref;
  const auto at = text.find('@');
  const auto colon = text.find(':');
  if (at != std::string::npos && colon != std::string::npos) {
    throw ConfigError("the model " + shown(text) + " names both a version and an alias",
                      "write NAME, NAME:VERSION or NAME@ALIAS");
  }
  ref.name = text.substr(0, std::min(at, colon));
  checkName(ref.name, "model name");
  if (colon != std::string::npos) {
    const auto version = parseInteger(text.substr(colon + 1));
    if (!version || *version < 1 || *version > 99999999) {
      throw ConfigError(
          "the version in " + shown(text) + " is not a whole number from 1 to 99999999",
          "write NAME:VERSION with VERSION as `cohort-model list NAME` shows it");
    }
    ref.version = *version;
  } else if (at != std::string::npos) {
    ref.alias = text.substr(at + 1);
    checkAlias(ref.alias);
  }
  return ref;
}

}  // namespace cohort::registry
