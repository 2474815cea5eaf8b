#include "sweep/schedule.h"

#include "sweep/trial_value.h"

namespace cohort::sweep_tool {

using sweep::TrialState;

std::optional<int64_t> nextQueued(const TrialRecords& trials) {
  for (const auto& [id, t] : trials) {
    if (t.state == TrialState::kQueued) return id;
  }
  return std::nullopt;
}

std::vector<int64_t> pausedTrials(const TrialRecords& trials) {
  std::vector<int64_t> paused;
  for (const auto& [id, t] : trials) {
    if (t.state == TrialState::kPaused) paused.push_back(id);
  }
  return paused;
}

bool anyCompleted(const TrialRecords& trials) {
  for (const auto& [id, t] : trials) {
    if (t.state == TrialState::kCompleted) return true;
  }
  return false;
}

bool budgetSpent(const TrialRecords& trials, int64_t created, const sweep::Limits& limits,
                 bool exhausted) {
  if (created < limits.maxTrials && !exhausted) return false;
  return !nextQueued(trials);
}

std::optional<std::vector<std::string>> freeHosts(const std::vector<std::string>& pool,
                                                  const std::set<std::string>& busy,
                                                  int64_t nodes) {
  std::vector<std::string> hosts;
  if (pool.empty()) return hosts;
  for (const auto& h : pool) {
    if (static_cast<int64_t>(hosts.size()) < nodes && !busy.count(h)) hosts.push_back(h);
  }
  if (static_cast<int64_t>(hosts.size()) < nodes) return std::nullopt;
  return hosts;
}

int64_t lastPromotion(const std::vector<int64_t>& paused,
                      const std::vector<sweep::TrialSeries>& series, sweep::Goal goal) {
  static const sweep::TrialSeries kNone;
  const auto of = [&](int64_t id) -> const sweep::TrialSeries& {
    const auto* s = seriesOf(series, id);
    return s ? *s : kNone;
  };
  int64_t pick = 0;
  for (int64_t id : paused) {
    if (pick == 0) {
      pick = id;
      continue;
    }
    const auto& a = of(id).points;
    const auto& b = of(pick).points;
    if (a.size() > b.size() ||
        (a.size() == b.size() && better(trialValue(of(id)), trialValue(of(pick)), goal))) {
      pick = id;
    }
  }
  return pick;
}

}  // namespace cohort::sweep_tool
