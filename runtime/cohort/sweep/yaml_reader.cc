#include "cohort/sweep/yaml_reader.h"

#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <set>

#include "cohort/core/error.h"
#include "cohort/core/number.h"

namespace cohort::sweep {

namespace {

bool quoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Whether `text` is a finite decimal number (See Note [Numbers from users]),
// and that number.
// A number too large for a double ("1e999") reads as infinity, which the
// callers refuse as not finite.
bool parseDouble(const std::string& text, double* out) {
  std::string problem;
  const auto value = readReal(text, -DBL_MAX, DBL_MAX, &problem);
  if (value) *out = *value;
  if (!value && problem.find("is out of range") != std::string::npos) {
    *out = text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  return value.has_value();
}

// YAML's and C's spellings of NaN and infinity (.nan, .Inf, -inf, ...).
bool nonFiniteSpelling(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text.find("nan") != std::string::npos || text.find("inf") != std::string::npos;
}

bool allDigits(const std::string& text) {
  size_t i = (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

}  // namespace

std::string keyPath(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

void YamlReader::fail(const YAML::Mark& at, const std::string& key, const std::string& what,
                      const std::string& hint) const {
  std::string where = file_;
  if (!at.is_null()) {
    where += ":" + std::to_string(at.line + 1) + ":" + std::to_string(at.column + 1);
  }
  throw ConfigError(where + ": " + (key.empty() ? "" : key + ": ") + what, hint);
}

void YamlReader::fail(const YAML::Node& at, const std::string& key, const std::string& what,
                      const std::string& hint) const {
  fail(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), key, what, hint);
}

void YamlReader::checkKeys(const YAML::Node& node, const std::string& key,
                           const std::vector<std::string>& allowed) const {
  if (!node.IsMap()) {
    fail(node, key, "is not a mapping of keys to values",
         "write it as `key: value` lines indented under " + (key.empty() ? "the top" : key) +
             "; allowed keys: " + listed(allowed));
  }
  std::set<std::string> seen;
  for (const auto& pair : node) {
    if (!pair.first.IsScalar()) {
      fail(pair.first, key, "has a key that is not plain text", "allowed keys: " + listed(allowed));
    }
    const std::string name = pair.first.Scalar();
    bool known = false;
    for (const auto& a : allowed) known = known || a == name;
    if (!known) {
      fail(pair.first, keyPath(key, name),
           key.empty() ? "is not a key of a sweep file" : "is not a key " + key + " takes",
           "allowed keys: " + listed(allowed));
    }
    if (!seen.insert(name).second) {
      fail(pair.first, keyPath(key, name), "is given twice", "keep one of the two");
    }
  }
}

YAML::Node YamlReader::find(const YAML::Node& node, const std::string& name) const {
  if (node.IsMap()) {
    for (const auto& pair : node) {
      if (pair.first.IsScalar() && pair.first.Scalar() == name) return pair.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node YamlReader::require(const YAML::Node& node, const std::string& key,
                               const std::string& name, const std::string& example) const {
  YAML::Node found = find(node, name);
  if (!found.IsDefined() || found.IsNull()) {
    fail(found.IsDefined() ? found : node, keyPath(key, name), "is missing",
         "add it, e.g. `" + example + "`");
  }
  return found;
}

std::string YamlReader::text(const YAML::Node& node, const std::string& key) const {
  if (!node.IsScalar()) fail(node, key, "is not a single value", "write one value on the line");
  if (node.Scalar().empty()) fail(node, key, "is empty", "write a value");
  return node.Scalar();
}

double YamlReader::number(const YAML::Node& node, const std::string& key) const {
  const std::string t = text(node, key);
  double v = 0;
  if (!quoted(node) && nonFiniteSpelling(t))
    v = std::nan("");
  else if (quoted(node) || !parseDouble(t, &v)) {
    fail(node, key, "'" + t + "' is not a number",
         "write a number without quotes, e.g. 0.01 or 1e-4");
  }
  if (!std::isfinite(v)) {
    fail(node, key, "'" + t + "' is not a finite number",
         "write a finite number; NaN and infinity are not allowed");
  }
  return v;
}

int64_t YamlReader::integer(const YAML::Node& node, const std::string& key, int64_t min,
                            int64_t max) const {
  const std::string t = text(node, key);
  const std::string range =
      "write a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  double v = 0;
  if (!quoted(node) && allDigits(t)) {
    std::string problem;
    const auto parsed = readWhole(t, min, max, &problem);
    if (!parsed) fail(node, key, problem, range);
    return *parsed;
  }
  if (quoted(node) || !parseDouble(t, &v) || !std::isfinite(v)) {
    fail(node, key, "'" + t + "' is not a whole number", range);
  }
  if (std::floor(v) != v) fail(node, key, "'" + t + "' is not a whole number", range);
  if (v < static_cast<double>(min) || v > static_cast<double>(max)) {
    fail(node, key, "'" + t + "' is out of range", range);
  }
  return static_cast<int64_t>(v);
}

bool YamlReader::boolean(const YAML::Node& node, const std::string& key) const {
  const std::string t = text(node, key);
  if (!quoted(node) && t == "true") return true;
  if (!quoted(node) && t == "false") return false;
  fail(node, key, "'" + t + "' is not true or false", "write true or false");
}

nlohmann::json YamlReader::value(const YAML::Node& node, const std::string& key) const {
  if (!node.IsScalar())
    fail(node, key, "is not a single value", "write a number, true, false or text");
  const std::string t = node.Scalar();
  if (quoted(node)) return t;
  if (t == "true") return true;
  if (t == "false") return false;
  if (!t.empty() && allDigits(t)) {
    if (const auto parsed = parseInteger(t)) return static_cast<int64_t>(*parsed);
  }
  double v = 0;
  if (nonFiniteSpelling(t) && t.size() <= 9 &&
      t.find_first_not_of("+-.infatyINFATY") == std::string::npos) {
    v = std::nan("");  // .inf, -Infinity, nan: refused below
  }
  if (!std::isfinite(v) || parseDouble(t, &v)) {
    if (!std::isfinite(v)) {
      fail(node, key, "'" + t + "' is not a finite number",
           "write a finite number, or quote it to mean the text");
    }
    return v;
  }
  return t;
}

}  // namespace cohort::sweep
