#include "cohort/registry/model_ref.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "cohort/core/env.h"
#include "cohort/core/error.h"

namespace cohort::registry {

namespace {

constexpr size_t kMaxName = 128;

bool nameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The text quoted for a message: printable, and cut short when long.
std::string shown(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  return "'" + out +
         (text.size() > 40 ? "...' (" + std::to_string(text.size()) + " characters)" : "'");
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
  if (name.size() > kMaxName) {
    throw ConfigError("the " + what + " " + shown(name) + " is longer than " +
                          std::to_string(kMaxName) + " characters",
                      hint);
  }
  for (char c : name) {
    if (!nameCharacter(c)) {
      const auto u = static_cast<unsigned char>(c);
      const std::string which = c == '/'                  ? "'/'"
                                : c == ' '                ? "a space"
                                : (u < 0x20 || u == 0x7f) ? "a control character"
                                                          : "'" + std::string(1, c) + "'";
      throw ConfigError("the " + what + " " + shown(name) + " holds " + which, hint);
    }
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
