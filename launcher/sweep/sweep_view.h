// One read of a sweep folder's store: the spec it was made for, every trial
// and every series (indexed by id - 1), for the tables and the report.
#pragma once

#include <string>
#include <vector>

#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep_tool {

struct SweepView {
  std::string dir;
  std::string id;  // COHORT_SWEEP_ID
  sweep::SweepSpec spec;
  std::vector<sweep::TrialRecord> trials;
  std::vector<sweep::TrialSeries> series;
};

SweepView readSweep(const std::string& dir);

}  // namespace cohort::sweep_tool
