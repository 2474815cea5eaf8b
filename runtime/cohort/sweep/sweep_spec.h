// What a sweep file says, once read and checked (sweep_file.h reads it;
// docs/sweep.md documents every key).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cohort/sweep/enum_names.h"
#include "cohort/sweep/space.h"

namespace cohort::sweep {

enum class Goal { kMinimize, kMaximize };

// The names of this file's enums (See Note [Enum names] in enum_names.h).
inline constexpr EnumName<Goal> kGoalNames[] = {{Goal::kMaximize, "maximize"},
                                                {Goal::kMinimize, "minimize"}};

struct Metric {
  std::string name;
  Goal goal = Goal::kMaximize;
};

enum class SamplerKind { kGrid, kRandom, kTpe };

inline constexpr EnumName<SamplerKind> kSamplerNames[] = {
    {SamplerKind::kGrid, "grid"}, {SamplerKind::kRandom, "random"}, {SamplerKind::kTpe, "tpe"}};

struct SamplerSpec {
  SamplerKind kind = SamplerKind::kRandom;
  uint64_t seed = 0;
  // TPE (See Note [TPE] in tpe_sampler.h).
  int64_t nStartupTrials = 10;
  int64_t nEiCandidates = 24;
  double gamma = 0.1;
};

enum class PolicyKind { kNone, kBandit, kMedian, kTruncation, kAsha };

inline constexpr EnumName<PolicyKind> kPolicyNames[] = {{PolicyKind::kNone, "none"},
                                                        {PolicyKind::kBandit, "bandit"},
                                                        {PolicyKind::kMedian, "median"},
                                                        {PolicyKind::kTruncation, "truncation"},
                                                        {PolicyKind::kAsha, "asha"}};

struct PolicySpec {
  PolicyKind kind = PolicyKind::kNone;
  int64_t evaluationInterval = 1;  // bandit, median, truncation
  int64_t delayEvaluation = 0;     // bandit, median, truncation
  double slackFactor = 0;          // bandit: one of these two is > 0
  double slackAmount = 0;
  int64_t truncationPercentage = 0;  // truncation: 1..99
  bool excludeFinished = false;      // truncation
  int64_t minResource = 1;           // asha: the first rung, in intervals
  int64_t reductionFactor = 3;       // asha
  int64_t maxResource = 0;           // asha: 0 when the trial's own length is the last rung
};

struct Limits {
  int64_t maxTrials = 0;  // for grid, the grid's size when the file gives none
  int64_t maxConcurrent = 1;
  double timeoutS = 0;       // 0: none
  double trialTimeoutS = 0;  // 0: none
};

enum class Engine { kLocal, kHosts, kSlurm };

inline constexpr EnumName<Engine> kEngineNames[] = {
    {Engine::kLocal, "local"}, {Engine::kHosts, "hosts"}, {Engine::kSlurm, "slurm"}};

struct TrialResources {
  int64_t nodes = 1;
  int64_t procsPerNode = 1;
  Engine engine = Engine::kLocal;
  std::vector<std::string> hosts;  // engine hosts
};

// Where the best trial's model is registered when the sweep ends (docs/sweep.md).
struct RegistrySpec {
  std::string name;  // the model's name; "" registers nothing
  // The registry; "": cohort-model's default (COHORT_REGISTRY, else ~/.cohort/registry).
  std::string url;
  int line = 0;  // where the file names it, for the driver's check of the name
};

struct SweepSpec {
  std::string file;  // where it was read from, for messages
  std::string text;  // the file as written (the store keeps it)
  std::string program;
  std::vector<std::string> args;  // with ${name} placeholders (args_template.h)
  Metric metric;
  SearchSpace space;
  SamplerSpec sampler;
  Limits limits;
  PolicySpec policy;
  TrialResources trial;
  RegistrySpec registry;
};

const char* goalName(Goal goal);
const char* samplerName(SamplerKind kind);
const char* policyName(PolicyKind kind);
const char* engineName(Engine engine);

// Everything the file says, as JSON with a fixed key order.
nlohmann::ordered_json toJson(const SweepSpec& spec);

// Note [Sweep digest]: a sweep is named by the SHA-256 of its canonical JSON
// (toJson) without `limits` and `registry`: comments, spacing and key order
// do not change it, and neither does raising max_trials or a timeout to let
// a sweep run on, or where its best model is registered;
// any other change (the program, the space, the sampler, the seed, the
// policy, the resources) makes it a different sweep, which the store refuses
// to resume (store.h). 64 hex digits.
std::string digestOf(const SweepSpec& spec);

}  // namespace cohort::sweep
