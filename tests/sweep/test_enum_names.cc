// Each sweep enum's one table of names (See Note [Enum names] in
// enum_names.h): every value round-trips through its name, an unknown name is
// refused, and the sweep file's refusal lists the names it accepts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/sweep/enum_names.h"
#include "cohort/sweep/policy.h"
#include "cohort/sweep/space.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_file.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep {
namespace {

// Every value of the enum, listed here by hand: a value added to an enum and
// not to its table fails below.
template <typename E, size_t N>
void roundTrips(const EnumName<E> (&table)[N], const std::vector<E>& values,
                const char* (*name)(E)) {
  EXPECT_EQ(N, values.size()) << "a value the test does not list, or a table entry too many";
  std::vector<std::string> seen;
  for (E v : values) {
    const std::string text = name(v);
    EXPECT_NE(text, "?") << "a value without a name";
    EXPECT_EQ(text, enumName(table, v));
    const auto back = enumValue(table, text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, v) << text;
    for (const auto& s : seen) EXPECT_NE(s, text) << "two values named " << text;
    seen.push_back(text);
  }
  EXPECT_FALSE(enumValue(table, "no-such-name"));
  EXPECT_FALSE(enumValue(table, ""));
  EXPECT_FALSE(enumValue(table, std::string(table[0].name) + " "));  // exact names only
}

TEST(EnumNames, EveryValueRoundTrips) {
  roundTrips(kGoalNames, {Goal::kMinimize, Goal::kMaximize}, goalName);
  roundTrips(kSamplerNames, {SamplerKind::kGrid, SamplerKind::kRandom, SamplerKind::kTpe},
             samplerName);
  roundTrips(kPolicyNames,
             {PolicyKind::kNone, PolicyKind::kBandit, PolicyKind::kMedian, PolicyKind::kTruncation,
              PolicyKind::kAsha},
             policyName);
  roundTrips(kEngineNames, {Engine::kLocal, Engine::kHosts, Engine::kSlurm}, engineName);
  roundTrips(kKindNames,
             {Kind::kChoice, Kind::kUniform, Kind::kLogUniform, Kind::kQUniform, Kind::kQLogUniform,
              Kind::kRandInt, Kind::kNormal},
             kindName);
  roundTrips(kStateNames,
             {TrialState::kQueued, TrialState::kRunning, TrialState::kPaused, TrialState::kCut,
              TrialState::kCompleted, TrialState::kFailed},
             stateName);
  roundTrips(kActionNames, {Action::kContinue, Action::kStop, Action::kPause, Action::kComplete},
             actionName);
}

TEST(EnumNames, AValueOutsideTheTableHasNoName) {
  EXPECT_STREQ(enumName(kGoalNames, static_cast<Goal>(7)), "?");
}

TEST(EnumNames, NamesAreListedInTheTablesOrder) {
  EXPECT_EQ(enumNames(kGoalNames), "maximize or minimize");
  EXPECT_EQ(enumNames(kSamplerNames), "grid, random or tpe");
  EXPECT_EQ(enumNames(kPolicyNames), "none, bandit, median, truncation or asha");
  EXPECT_EQ(enumNames(kEngineNames), "local, hosts or slurm");
  EXPECT_EQ(enumNames(kKindNames),
            "choice, uniform, loguniform, quniform, qloguniform, randint or normal");
  const EnumName<Goal> one[] = {{Goal::kMaximize, "maximize"}};
  EXPECT_EQ(enumNames(one), "maximize");
}

// The refusal of an unknown name: what it is not, and the names accepted.
void refused(const std::string& file, const std::string& what, const std::string& hint) {
  try {
    parseSweep(file, "bad.yaml");
    ADD_FAILURE() << "accepted:\n" << file;
  } catch (const ConfigError& e) {
    EXPECT_NE(e.detail().find(what), std::string::npos) << e.detail();
    EXPECT_EQ(e.hint(), hint);
  }
}

TEST(EnumNames, AnUnknownNameInTheSweepFileIsRefusedWithTheNamesAccepted) {
  const std::string program = "program: ./t\n";
  const std::string metric = "metric: {name: acc, goal: maximize}\n";
  const std::string space = "space:\n  x: {type: uniform, low: 0, high: 1}\n";
  const std::string limits = "limits: {max_trials: 4}\n";
  refused(program + "metric: {name: acc, goal: lowest}\n" + space + limits,
          "'lowest' is not a goal", "write maximize or minimize");
  refused(program + metric + space + limits + "sampler: annealing\n",
          "'annealing' is not a sampler", "write grid, random or tpe");
  refused(program + metric + space + limits + "policy: {type: early}\n", "'early' is not a policy",
          "write none, bandit, median, truncation or asha");
  refused(program + metric + space + limits + "trial: {engine: k8s}\n", "'k8s' is not an engine",
          "write local, hosts or slurm");
  refused(program + metric + "space:\n  x: {type: gaussian, mu: 0, sigma: 1}\n" + limits,
          "'gaussian' is not a distribution",
          "write one of choice, uniform, loguniform, quniform, qloguniform, randint or normal");
}

}  // namespace
}  // namespace cohort::sweep
