// Reading a YAML document with messages that name the file, the line and the
// key, and say what to write instead. Internal to cohort/sweep (yaml-cpp
// stays out of the public headers).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cohort::sweep {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // Throws ConfigError "FILE:LINE:COLUMN: KEY: WHAT" with `hint` as what to do.
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& what,
                         const std::string& hint) const;
  [[noreturn]] void fail(const YAML::Mark& at, const std::string& key, const std::string& what,
                         const std::string& hint) const;

  // `node` (at `key`) is a mapping whose keys are all in `allowed`, none twice.
  void checkKeys(const YAML::Node& node, const std::string& key,
                 const std::vector<std::string>& allowed) const;

  // The value of `name` in the mapping `node` (at `key`); undefined when absent.
  YAML::Node find(const YAML::Node& node, const std::string& name) const;
  // The same, but absent is an error that says what to write (`example`).
  YAML::Node require(const YAML::Node& node, const std::string& key, const std::string& name,
                     const std::string& example) const;

  // Scalars. `key` is the dotted path of the node, for messages.
  std::string text(const YAML::Node& node, const std::string& key) const;
  double number(const YAML::Node& node, const std::string& key) const;  // finite
  int64_t integer(const YAML::Node& node, const std::string& key, int64_t min, int64_t max) const;
  bool boolean(const YAML::Node& node, const std::string& key) const;
  // A plain scalar as the JSON it reads as (a whole number, a number, true or
  // false, text); quoted scalars are always text.
  nlohmann::json value(const YAML::Node& node, const std::string& key) const;

 private:
  std::string file_;
};

// "a.b" from "a" and "b" ("b" when `parent` is empty).
std::string keyPath(const std::string& parent, const std::string& name);

}  // namespace cohort::sweep
