#include "cohort/sweep/args_template.h"

#include <cmath>

#include "cohort/core/error.h"

namespace cohort::sweep {

namespace {

// Walks `arg`, handing each literal piece and each placeholder name to the
// callbacks; "" when well formed, else why not.
template <typename Literal, typename Name>
std::string walk(const std::string& arg, Literal literal, Name name) {
  size_t i = 0;
  while (i < arg.size()) {
    if (arg[i] == '$' && i + 1 < arg.size() && arg[i + 1] == '$') {
      literal("$");
      i += 2;
    } else if (arg[i] == '$' && i + 1 < arg.size() && arg[i + 1] == '{') {
      const size_t close = arg.find('}', i + 2);
      if (close == std::string::npos)
        return "'${' at character " + std::to_string(i + 1) + " has no closing '}'";
      const std::string n = arg.substr(i + 2, close - i - 2);
      if (n.empty()) return "'${}' names no parameter";
      name(n);
      i = close + 1;
    } else {
      literal(std::string(1, arg[i]));
      ++i;
    }
  }
  return "";
}

}  // namespace

Placeholders scanPlaceholders(const std::string& arg) {
  Placeholders out;
  out.error = walk(
      arg, [](const std::string&) {}, [&](const std::string& n) { out.names.push_back(n); });
  return out;
}

std::string argText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return value.dump();
  if (value.is_number_float()) return numberText(value.get<double>());
  return value.dump();
}

std::vector<std::string> expandArgs(const std::vector<std::string>& args, const Params& params) {
  std::vector<std::string> out;
  for (const auto& arg : args) {
    std::string expanded;
    const std::string error = walk(
        arg, [&](const std::string& piece) { expanded += piece; },
        [&](const std::string& n) {
          const auto it = params.find(n);
          if (it == params.end()) {
            throw ConfigError("the argument '" + arg + "' names ${" + n +
                                  "}, which is not a parameter of the trial",
                              "name a parameter of the sweep's space");
          }
          const bool finite = it->is_number_float() ? std::isfinite(it->get<double>())
                                                    : !it->is_null() && it->is_primitive();
          if (!finite) {
            throw ConfigError("the argument '" + arg + "' names ${" + n + "}, whose value " +
                                  it->dump() + " is not a finite number or text",
                              "a trial is never given such a value: check the space's range "
                              "for " +
                                  n + " (docs/sweep.md)");
          }
          expanded += argText(*it);
        });
    if (!error.empty())
      throw ConfigError("the argument '" + arg + "': " + error, "write ${name} or $$");
    out.push_back(expanded);
  }
  return out;
}

}  // namespace cohort::sweep
