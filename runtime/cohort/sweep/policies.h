// The policies behind makePolicy, and the arithmetic they share. Internal to
// cohort/sweep; policy.h is the interface.
#pragma once

#include "cohort/sweep/policy.h"

namespace cohort::sweep {

// Larger is better: the value for maximize, its negation for minimize, -inf
// for NaN and infinities.
double scoreOf(double value, Goal goal);

// The trial's best value (by score) over intervals 1..k.
double bestUpTo(const TrialSeries& series, size_t k, Goal goal);

// The mean of intervals 1..k (NaN when one is not finite).
double averageUpTo(const TrialSeries& series, size_t k);

// Whether bandit, median and truncation judge at interval k: k is a multiple
// of evaluation_interval and at least delay_evaluation.
bool evaluatesAt(const PolicySpec& spec, size_t k);

// The series of trial `trial`; throws when `trials` lacks it.
const TrialSeries& seriesOf(const std::vector<TrialSeries>& trials, int64_t trial);

// "0.6667": numbers in reasons.
std::string shown(double value);

class NoPolicy : public Policy {
 public:
  Decision decide(const std::vector<TrialSeries>& trials, int64_t trial) const override;
};

// A policy set up by the sweep file's policy section and the metric's goal.
class ConfiguredPolicy : public Policy {
 public:
  ConfiguredPolicy(const PolicySpec& spec, Goal goal) : spec_(spec), goal_(goal) {}

 protected:
  PolicySpec spec_;
  Goal goal_;
};

class BanditPolicy : public ConfiguredPolicy {
 public:
  using ConfiguredPolicy::ConfiguredPolicy;
  Decision decide(const std::vector<TrialSeries>& trials, int64_t trial) const override;
};

class MedianPolicy : public ConfiguredPolicy {
 public:
  using ConfiguredPolicy::ConfiguredPolicy;
  Decision decide(const std::vector<TrialSeries>& trials, int64_t trial) const override;
};

class TruncationPolicy : public ConfiguredPolicy {
 public:
  using ConfiguredPolicy::ConfiguredPolicy;
  Decision decide(const std::vector<TrialSeries>& trials, int64_t trial) const override;
};

class AshaPolicy : public ConfiguredPolicy {
 public:
  using ConfiguredPolicy::ConfiguredPolicy;
  Decision decide(const std::vector<TrialSeries>& trials, int64_t trial) const override;
  std::vector<int64_t> promotions(const std::vector<TrialSeries>& trials,
                                  const std::vector<int64_t>& paused) const override;

 private:
  // The rung at interval k (its index), or -1 when k is not a rung.
  int rungAt(size_t k) const;
  // Whether `series` is in the top 1/eta of the trials that reached rung r.
  Decision judgeAtRung(const std::vector<TrialSeries>& trials, const TrialSeries& series,
                       size_t r) const;
};

}  // namespace cohort::sweep
