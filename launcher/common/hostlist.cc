#include "common/hostlist.h"

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/number.h"

namespace cohort::launcher {

namespace {

[[noreturn]] void malformed(const std::string& text, const std::string& why) {
  throw ConfigError("host list '" + text + "' is malformed: " + why,
                    "write names and bracket ranges as Slurm does, e.g. node[01-04,07],gpu-[1-2]");
}

// The names one bracket body stands for: "01-03,7" -> 01 02 03 7.
std::vector<std::string> expandBracket(const std::string& whole, const std::string& body) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t comma = body.find(',', start);
    if (comma == std::string::npos) comma = body.size();
    std::string item = body.substr(start, comma - start);
    size_t dash = item.find('-');
    std::string low = item.substr(0, dash);
    std::string high = dash == std::string::npos ? low : item.substr(dash + 1);
    auto lo = parseInteger(low), hi = parseInteger(high);
    if (!lo || !hi)
      malformed(whole, "'[" + body + "]' holds '" + item + "', not a number or a range");
    if (*hi < *lo) malformed(whole, "range '" + item + "' runs backwards");
    if (static_cast<size_t>(*hi - *lo) >= kMaxHosts)
      malformed(whole, "range '" + item + "' is too long");
    // A lower bound written with leading zeros fixes the width of every number.
    size_t width = low.size() > 1 && low[0] == '0' ? low.size() : 0;
    for (long long n = *lo; n <= *hi; ++n) {
      std::string digits = std::to_string(n);
      if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
      out.push_back(digits);
    }
    start = comma + 1;
  }
  return out;
}

// Expands one comma-free name such as "rack[1-2]-n[1,3]".
void expandName(const std::string& whole, const std::string& name, std::vector<std::string>* out) {
  std::vector<std::string> partial = {""};
  size_t i = 0;
  while (i < name.size()) {
    size_t open = name.find('[', i);
    std::string literal = name.substr(i, open == std::string::npos ? std::string::npos : open - i);
    for (auto& p : partial) p += literal;
    if (open == std::string::npos) break;
    size_t close = name.find(']', open);
    if (close == std::string::npos) malformed(whole, "'[' without ']'");
    std::string body = name.substr(open + 1, close - open - 1);
    if (body.find('[') != std::string::npos) malformed(whole, "brackets cannot nest");
    std::vector<std::string> numbers = expandBracket(whole, body);
    if (partial.size() * numbers.size() > kMaxHosts) malformed(whole, "more than 100000 names");
    std::vector<std::string> next;
    next.reserve(partial.size() * numbers.size());
    for (const auto& p : partial) {
      for (const auto& n : numbers) next.push_back(p + n);
    }
    partial.swap(next);
    i = close + 1;
  }
  if (out->size() + partial.size() > kMaxHosts) malformed(whole, "more than 100000 names");
  out->insert(out->end(), partial.begin(), partial.end());
}

}  // namespace

std::vector<std::string> splitOutsideBrackets(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']' && --depth < 0) malformed(text, "']' without '['");
    if (c == ',' && depth == 0) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (depth != 0) malformed(text, "'[' without ']'");
  parts.push_back(current);
  return parts;
}

std::vector<std::string> expandHostlist(const std::string& text) {
  std::vector<std::string> hosts;
  for (const std::string& name : splitOutsideBrackets(text)) {
    if (name.empty()) malformed(text, "an empty name (two commas in a row, or one at an end)");
    for (char c : name) {
      if (c == ' ' || c == '\t' || c == ':' || c == '/') {
        malformed(text, std::string("'") + c + "' cannot appear in a host name");
      }
    }
    expandName(text, name, &hosts);
  }
  return hosts;
}

}  // namespace cohort::launcher
