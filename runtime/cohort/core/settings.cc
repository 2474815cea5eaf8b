#include "cohort/core/settings.h"

#include <sstream>

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/core/number.h"

namespace cohort {

namespace {

std::string format(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// The readers of COHORT_SETTINGS: read() parses a variable's text (a
// ConfigError naming the variable when it is malformed), show() writes the
// value as the start-up log and the settings table show it.

struct Positive {  // a number > 0
  double read(const char* variable, const std::string& text, double fallback) const {
    std::string problem;
    const auto value = readReal(text, 0, 1e15, &problem, /*above_least=*/true);
    if (!value) {
      throw ConfigError(std::string(variable) + "=" + problem,
                        std::string("set ") + variable + " to a number such as " +
                            format(fallback) + ", or unset it");
    }
    return *value;
  }
  std::string show(double value) const { return format(value); }
};

struct Count {  // a whole number in [least, most]
  Count(int least, int most, const char* hint) : least(least), most(most), hint(hint) {}
  int read(const char* variable, const std::string& text, int fallback) const {
    std::string problem;
    const auto value = readWhole(text, least, most, &problem);
    if (!value) {
      throw ConfigError(std::string(variable) + "=" + problem,
                        *hint ? std::string(hint)
                              : std::string("set ") + variable + " to a number such as " +
                                    std::to_string(fallback) + ", or unset it");
    }
    return static_cast<int>(*value);
  }
  std::string show(int value) const { return std::to_string(value); }
  int least, most;
  const char* hint;
};

struct OnOff {
  explicit OnOff(const char* hint) : hint(hint) {}
  bool read(const char* variable, const std::string& text, bool) const {
    if (text != "on" && text != "off") {
      throw ConfigError(std::string(variable) + "='" + text + "' is neither on nor off", hint);
    }
    return text == "on";
  }
  std::string show(bool value) const { return value ? "on" : "off"; }
  const char* hint;
};

struct LogLevel {
  std::string read(const char* variable, const std::string& text, const std::string&) const {
    log::Level level;
    if (!log::parseLevel(text, &level)) {
      throw ConfigError(std::string(variable) + "='" + text + "' is not a log level",
                        "use debug, info, warn or error");
    }
    return text;
  }
  std::string show(const std::string& value) const { return value; }
};

struct CompressionReader {
  Compression read(const char* variable, const std::string& text, Compression) const {
    return parseCompression(text, variable);
  }
  std::string show(Compression value) const { return compressionName(value); }
};

struct Text {  // any text; `empty` is how an empty value is shown
  explicit Text(const char* empty) : empty(empty) {}
  std::string read(const char*, const std::string& text, const std::string&) const { return text; }
  std::string show(const std::string& value) const { return value.empty() ? empty : value; }
  const char* empty;
};

struct Secret {  // never shown
  std::string read(const char*, const std::string& text, const std::string&) const { return text; }
  std::string show(const std::string& value) const { return value.empty() ? "(none)" : "(set)"; }
};

struct Url {  // shown without its query string, which may hold a SAS signature
  std::string read(const char*, const std::string& text, const std::string&) const { return text; }
  std::string show(const std::string& value) const {
    return value.empty() ? "(none)" : value.substr(0, value.find('?'));
  }
};

}  // namespace

Settings Settings::fromEnvironment(const EnvLookup& env) {
  Settings s;
#define COHORT_SETTING_READ(type, member, variable, fallback, reader, meaning) \
  if (auto text = env(variable)) s.member = reader.read(variable, *text, s.member);
  COHORT_SETTINGS(COHORT_SETTING_READ)
#undef COHORT_SETTING_READ
  return s;
}

std::vector<std::pair<std::string, std::string>> Settings::describe() const {
  std::vector<std::pair<std::string, std::string>> rows;
#define COHORT_SETTING_SHOW(type, member, variable, fallback, reader, meaning) \
  rows.emplace_back(variable, reader.show(member));
  COHORT_SETTINGS(COHORT_SETTING_SHOW)
#undef COHORT_SETTING_SHOW
  return rows;
}

std::vector<Settings::Row> Settings::table() {
  std::vector<Row> rows;
#define COHORT_SETTING_ROW(type, member, variable, fallback, reader, meaning) \
  rows.push_back({variable, reader.show(fallback), meaning});
  COHORT_SETTINGS(COHORT_SETTING_ROW)
#undef COHORT_SETTING_ROW
  return rows;
}

}  // namespace cohort
