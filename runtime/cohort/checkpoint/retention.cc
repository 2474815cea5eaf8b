#include "cohort/checkpoint/retention.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/core/log.h"

namespace cohort::checkpoint {

namespace {

// The metric recorded in FOLDER/checkpoint.json, if any.
std::optional<double> metricOf(const fs::path& folder, const std::string& metric) {
  std::ifstream in(folder / "checkpoint.json");
  if (!in) return std::nullopt;
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.contains("metrics") || !doc["metrics"].contains(metric))
    return std::nullopt;
  const auto& value = doc["metrics"][metric];
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

}  // namespace

std::vector<std::string> pruneCheckpoints(const fs::path& checkpoints_dir, const Retention& rule) {
  const auto all = listCheckpoints(checkpoints_dir);
  std::vector<std::string> deleted;
  if (rule.keep_last <= 0 || all.empty()) return deleted;
  std::set<int64_t> keep;
  for (size_t i = 0; i < all.size() && i < static_cast<size_t>(rule.keep_last); ++i)
    keep.insert(all[i].step);
  if (!rule.best_metric.empty()) {
    std::optional<std::pair<double, int64_t>> best;
    for (const auto& c : all) {
      const auto value = metricOf(c.folder, rule.best_metric);
      if (!value) continue;
      const bool better =
          !best || (rule.higher_is_better ? *value > best->first : *value < best->first);
      if (better) best = std::make_pair(*value, c.step);
    }
    if (best) keep.insert(best->second);
  }
  for (const auto& c : all) {
    if (keep.count(c.step)) continue;
    const fs::path doomed = checkpoints_dir / ("." + c.folder.filename().string() + ".old");
    std::error_code error;
    fs::rename(c.folder, doomed, error);
    if (!error) fs::remove_all(doomed, error);
    if (error) {
      log::warn("could not delete the old checkpoint " + c.folder.string() + ": " +
                error.message());
    } else {
      deleted.push_back(c.folder.filename().string());
    }
  }
  return deleted;
}

}  // namespace cohort::checkpoint
