#include "cohortrun/shell_quote.h"

#include <cctype>

namespace cohort::launcher {

std::string shellQuote(const std::string& word) {
  bool safe = !word.empty();
  for (char c : word) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string("@%+=:,./_-").find(c) == std::string::npos) {
      safe = false;
    }
  }
  if (safe) return word;
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string shellJoin(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += shellQuote(w);
  }
  return out;
}

}  // namespace cohort::launcher
