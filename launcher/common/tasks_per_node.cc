#include "common/tasks_per_node.h"

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "common/hostlist.h"

namespace cohort::launcher {

std::vector<int> expandTasksPerNode(const std::string& text, const std::string& variable) {
  auto malformed = [&](const std::string& part) {
    return ConfigError(
        variable + "='" + text + "' is not a list of per-node counts ('" + part +
            "' is not N or N(xM))",
        "Slurm writes it as e.g. 2(x3),1; if you set " + variable + " yourself, unset it");
  };
  std::vector<int> counts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(start, comma - start);
    std::string count_text = part, repeat_text = "1";
    size_t paren = part.find("(x");
    if (paren != std::string::npos) {
      if (part.back() != ')') throw malformed(part);
      count_text = part.substr(0, paren);
      repeat_text = part.substr(paren + 2, part.size() - paren - 3);
    }
    auto count = parseInteger(count_text);
    auto repeat = parseInteger(repeat_text);
    if (!count || !repeat || *repeat < 1 || *count > 1000000) throw malformed(part);
    if (counts.size() + *repeat > kMaxHosts) throw malformed(part);
    counts.insert(counts.end(), static_cast<size_t>(*repeat), static_cast<int>(*count));
    start = comma + 1;
  }
  return counts;
}

}  // namespace cohort::launcher
