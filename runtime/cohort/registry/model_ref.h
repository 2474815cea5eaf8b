// Names in a model registry, and references to a version:
//   NAME            the newest version
//   NAME:VERSION    version VERSION (1, 2, ...)
//   NAME@ALIAS      the version ALIAS points at ("production", "staging", ...)
// A model name or alias is 1 to 128 characters of letters, digits, '.', '_'
// and '-', starting with a letter or digit, with no "..": it becomes part of
// storage paths, so nothing else is let through. An alias is not all digits.
#pragma once

#include <cstdint>
#include <string>

namespace cohort::registry {

struct ModelRef {
  std::string name;
  int64_t version = 0;  // 0: the newest, or the alias's
  std::string alias;    // "" unless NAME@ALIAS

  std::string text() const;  // as the user would write it
};

// Throws ConfigError saying what is wrong with `name` (`what`: "model name", "alias").
void checkName(const std::string& name, const std::string& what);

// checkName, and an alias must not read as a version (all digits).
void checkAlias(const std::string& alias);

// Parses NAME, NAME:VERSION or NAME@ALIAS; a ConfigError for anything else.
ModelRef parseModelRef(const std::string& text);

}  // namespace cohort::registry
