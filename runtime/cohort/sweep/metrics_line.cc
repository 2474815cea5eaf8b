#include "cohort/sweep/metrics_line.h"

#include <cmath>
#include <limits>

#include "cohort/core/json.h"
#include "cohort/sweep/space.h"

namespace cohort::sweep {
namespace {

// Stand-ins for the bare tokens: JSON strings that begin with U+0001, which
// the line itself can only hold escaped, as "\u0001..." (parsed, the same
// text), and which no trainer writes.
const char* const kNaN = "\x01NaN";
const char* const kPlusInf = "\x01+Infinity";
const char* const kMinusInf = "\x01-Infinity";

bool endsToken(const std::string& text, size_t at) {
  if (at >= text.size()) return true;
  const char c = text[at];
  return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// `line` with each bare NaN, Infinity and -Infinity outside strings
// replaced by its stand-in (quoted, so the result can be JSON).
std::string replaceNonFiniteTokens(const std::string& line) {
  std::string out;
  out.reserve(line.size());
  bool in_string = false;
  for (size_t i = 0; i < line.size();) {
    const char c = line[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < line.size())
        out += line[++i];
      else if (c == '"')
        in_string = false;
      ++i;
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const auto& [token, stand_in] : {std::pair<const char*, const char*>{"NaN", kNaN},
                                          {"Infinity", kPlusInf},
                                          {"-Infinity", kMinusInf}}) {
      const size_t n = std::char_traits<char>::length(token);
      if (line.compare(i, n, token) == 0 && endsToken(line, i + n)) {
        out += std::string("\"\\u0001") + (stand_in + 1) + "\"";
        i += n;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += line[i++];
  }
  return out;
}

// The metric's value, or false when it is not a number, null or a token.
bool metricValue(const nlohmann::json& value, double* out) {
  if (value.is_number()) {
    *out = value.get<double>();
    return true;
  }
  if (value.is_null()) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  if (text == kNaN)
    *out = std::numeric_limits<double>::quiet_NaN();
  else if (text == kPlusInf)
    *out = std::numeric_limits<double>::infinity();
  else if (text == kMinusInf)
    *out = -std::numeric_limits<double>::infinity();
  else
    return false;
  return true;
}

}  // namespace

MetricsLine parseMetricsLine(const std::string& line, const std::string& metric) {
  MetricsLine out;
  std::string why;
  const auto json = parseUntrustedJson(replaceNonFiniteTokens(line), &why);
  if (json.is_discarded()) {
    out.problem = "not JSON (" + why + ")";
    return out;
  }
  if (!json.is_object()) {
    out.problem = "not a JSON object";
    return out;
  }
  const auto step = json.find("step");
  if (step == json.end() || !step->is_number_integer()) {
    out.problem = "no whole `step`";
    return out;
  }
  const bool too_large = step->is_number_unsigned() &&
                         step->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()};
  if (too_large || (!step->is_number_unsigned() && step->get<int64_t>() < 0)) {
    out.problem = "`step` " + step->dump() + " is not from 0 to 2^63-1";
    return out;
  }
  const auto value = json.find(metric);
  if (value == json.end()) {
    out.kind = MetricsLine::Kind::kOther;
    return out;
  }
  if (!metricValue(*value, &out.point.value)) {
    out.problem = "`" + metric + "` is not a number";
    return out;
  }
  out.point.step = step->get<int64_t>();
  out.kind = MetricsLine::Kind::kPoint;
  return out;
}

std::string metricValueText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Infinity" : "-Infinity";
  return numberText(value);
}

}  // namespace cohort::sweep
