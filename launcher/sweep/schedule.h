// The driver's scheduling decisions (See Note [Driver loop] in driver.h),
// pure functions of the trials, their series and the hosts: which queued
// trial starts next, which hosts a trial gets, whether the budget is spent,
// and which paused trial goes on when nothing else can.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep_tool {

using TrialRecords = std::map<int64_t, sweep::TrialRecord>;

// The first queued trial, by id.
std::optional<int64_t> nextQueued(const TrialRecords& trials);

// The paused trials, by id.
std::vector<int64_t> pausedTrials(const TrialRecords& trials);

bool anyCompleted(const TrialRecords& trials);

// True when no trial is queued and no new one may be created (`created` of
// max_trials, or the sampler `exhausted`, as a grid is). Paused trials no
// promotion can reach are not counted: the sweep cuts them at its end.
bool budgetSpent(const TrialRecords& trials, int64_t created, const sweep::Limits& limits,
                 bool exhausted);

// `nodes` hosts of `pool` that are not `busy`, in the pool's order: none for
// a trial on this machine (an empty pool), nullopt when too few are free.
std::optional<std::vector<std::string>> freeHosts(const std::vector<std::string>& pool,
                                                  const std::set<std::string>& busy, int64_t nodes);

// The paused trial that goes on when the budget is spent, nothing runs and
// none completed (docs/sweep.md, "Resuming paused trials"): the one at the
// highest rung (most points), the better value among equals, the lower id
// among ties. `paused` is not empty; `series` is indexed by id - 1.
int64_t lastPromotion(const std::vector<int64_t>& paused,
                      const std::vector<sweep::TrialSeries>& series, sweep::Goal goal);

}  // namespace cohort::sweep_tool
