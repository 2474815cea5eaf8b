// The samplers (grid, random, TPE) and the Parzen estimators: ranges and
// quantisation, reproducibility by seed, a grid covering its space exactly
// once, and TPE moving toward the better values for either goal.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "cohort/sweep/args_template.h"
#include "cohort/sweep/grid_sampler.h"
#include "cohort/sweep/parzen_estimator.h"
#include "cohort/sweep/random_sampler.h"
#include "cohort/sweep/sampler.h"
#include "cohort/sweep/sweep_file.h"

namespace cohort::sweep {
namespace {

Distribution range(Kind kind, double low, double high, double q = 0) {
  Distribution d;
  d.kind = kind;
  d.low = low;
  d.high = high;
  d.q = q;
  return d;
}

bool multipleOf(double v, double q) { return std::fabs(v / q - std::round(v / q)) < 1e-9; }

TEST(Space, QuantisedValuesAreTheMultiplesAsWritten) {
  Distribution d;
  d.kind = Kind::kQUniform;
  d.low = 0;
  d.high = 1;
  d.q = 0.1;
  // 3 * 0.1 is 0.30000000000000004 in binary; the trial gets 0.3.
  EXPECT_EQ(valueOf(d, 0.31).get<double>(), 0.3);
  EXPECT_EQ(argText(valueOf(d, 0.7)), "0.7");
}

TEST(RandomSampler, RangesAndQuantisation) {
  Rng rng(1, 0);
  const int n = 4000;
  double logSum = 0, sum = 0, squares = 0;
  std::set<int64_t> ints;
  std::map<std::string, int> picks;
  Distribution choice;
  choice.kind = Kind::kChoice;
  choice.values = {"a", "b", "c"};
  Distribution normal;
  normal.kind = Kind::kNormal;
  normal.mu = 2;
  normal.sigma = 0.5;
  for (int i = 0; i < n; ++i) {
    const double u = sampleValue(range(Kind::kUniform, -1, 3), rng).get<double>();
    EXPECT_TRUE(u >= -1 && u < 3) << u;
    const double l = sampleValue(range(Kind::kLogUniform, 1e-4, 1e-1), rng).get<double>();
    EXPECT_TRUE(l >= 1e-4 && l <= 1e-1) << l;
    logSum += std::log10(l);
    const auto qi = sampleValue(range(Kind::kQUniform, 2, 10, 2), rng);
    ASSERT_TRUE(qi.is_number_integer()) << qi;  // a whole q: whole numbers
    EXPECT_TRUE(qi.get<int64_t>() % 2 == 0 && qi.get<int64_t>() >= 2 && qi.get<int64_t>() <= 10)
        << qi;
    const auto qf = sampleValue(range(Kind::kQUniform, 0, 1, 0.25), rng);
    ASSERT_TRUE(qf.is_number_float());
    EXPECT_TRUE(multipleOf(qf.get<double>(), 0.25) && qf.get<double>() >= 0 &&
                qf.get<double>() <= 1)
        << qf;
    const double ql = sampleValue(range(Kind::kQLogUniform, 0.01, 1, 0.01), rng).get<double>();
    EXPECT_TRUE(multipleOf(ql, 0.01) && ql >= 0.01 - 1e-12 && ql <= 1 + 1e-12) << ql;
    const auto r = sampleValue(range(Kind::kRandInt, -2, 3), rng);
    ASSERT_TRUE(r.is_number_integer());
    EXPECT_TRUE(r.get<int64_t>() >= -2 && r.get<int64_t>() < 3) << r;
    ints.insert(r.get<int64_t>());
    const double x = sampleValue(normal, rng).get<double>();
    sum += x;
    squares += x * x;
    ++picks[sampleValue(choice, rng).get<std::string>()];
  }
  EXPECT_NEAR(logSum / n, -2.5, 0.05);                    // log-uniform: uniform in the exponent
  EXPECT_EQ(ints, (std::set<int64_t>{-2, -1, 0, 1, 2}));  // high excluded, every value reached
  const double mean = sum / n;
  EXPECT_NEAR(mean, 2, 0.03);
  EXPECT_NEAR(std::sqrt(squares / n - mean * mean), 0.5, 0.03);
  for (const char* c : {"a", "b", "c"}) EXPECT_NEAR(picks[c], n / 3, 120) << c;
}

const char* const kSpec = R"(program: ./p
metric: {name: loss, goal: minimize}
space:
  lr: {type: loguniform, low: 1e-4, high: 1e-1}
  batch: {type: choice, values: [32, 64]}
  width: {type: randint, low: 8, high: 64}
sampler: {type: random, seed: 11}
limits: {max_trials: 10}
)";

TEST(Samplers, ReproducibleBySeedAndTrialNumber) {
  const SweepSpec spec = parseSweep(kSpec, "s");
  EXPECT_EQ(*nextParams(spec, 3, {}), *nextParams(spec, 3, {}));
  EXPECT_NE(*nextParams(spec, 3, {}), *nextParams(spec, 4, {}));
  SweepSpec other = spec;
  other.sampler.seed = 12;
  EXPECT_NE(*nextParams(spec, 3, {}), *nextParams(other, 3, {}));
  // TPE before n_startup_trials is the random draw of the same stream.
  SweepSpec tpe = spec;
  tpe.sampler.kind = SamplerKind::kTpe;
  EXPECT_EQ(*nextParams(tpe, 3, {}), *nextParams(spec, 3, {}));
  Rng a(5, 9), b(5, 9), c(5, 10);
  const uint64_t first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
}

TEST(GridSampler, CoversTheSpaceExactlyOnce) {
  const SweepSpec spec = parseSweep(R"(program: ./p
metric: {name: loss, goal: minimize}
space:
  act: {type: choice, values: [relu, tanh, gelu]}
  depth: {type: randint, low: 1, high: 5}
  drop: {type: quniform, low: 0, high: 0.5, q: 0.25}
  decay: {type: qloguniform, low: 1, high: 4, q: 2}
sampler: grid
)",
                                    "g");
  ASSERT_EQ(gridSize(spec.space), 3u * 4u * 3u * 2u);  // decay: 2, 4 (round(1/2) is 1)
  EXPECT_EQ(spec.limits.maxTrials, 72);
  std::set<std::string> seen;
  for (uint64_t i = 0; i < 72; ++i) {
    const auto point = nextParams(spec, i, {});
    ASSERT_TRUE(point.has_value());
    EXPECT_TRUE(seen.insert(point->dump()).second) << point->dump();
  }
  EXPECT_FALSE(nextParams(spec, 72, {}).has_value());
  // The last parameter varies fastest.
  EXPECT_EQ(gridPoint(spec.space, 0)->dump(), R"({"act":"relu","depth":1,"drop":0.0,"decay":2})");
  EXPECT_EQ(gridPoint(spec.space, 1)->dump(), R"({"act":"relu","depth":1,"drop":0.0,"decay":4})");
  EXPECT_EQ(gridPoint(spec.space, 71)->dump(), R"({"act":"gelu","depth":4,"drop":0.5,"decay":4})");
}

TEST(ParzenEstimator, WeightsAndBandwidths) {
  const auto w = observationWeights(30);
  ASSERT_EQ(w.size(), 30u);
  EXPECT_DOUBLE_EQ(w[0], 1.0 / 30);  // a ramp over the 5 oldest
  EXPECT_DOUBLE_EQ(w[4], 1.0);
  EXPECT_DOUBLE_EQ(w[2], (1.0 / 30 + 1.0) / 2);
  EXPECT_EQ(observationWeights(25), std::vector<double>(25, 1.0));
  // Centres 0.2, 0.5 (prior), 0.6 on [0, 1]: the outer ones take their inner
  // gap (0.3 and 0.1), clipped below at 1 / min(100, 1 + 3) = 0.25.
  const NumericalParzen p = fitNumerical({0.2, 0.6}, {1, 1}, 0, 1, 0, 1, 0.5, 1.0);
  ASSERT_EQ(p.sigmas.size(), 3u);
  EXPECT_DOUBLE_EQ(p.sigmas[0], 0.3);
  EXPECT_DOUBLE_EQ(p.sigmas[1], 0.25);
  EXPECT_DOUBLE_EQ(p.sigmas[2], 1.0);
  EXPECT_DOUBLE_EQ(p.weights[0], 1.0 / 3);
  // A density: it integrates to 1 over the range.
  double integral = 0;
  for (int i = 0; i < 10000; ++i) integral += std::exp(p.logPdf((i + 0.5) / 10000)) / 10000;
  EXPECT_NEAR(integral, 1.0, 1e-6);
  const CategoricalParzen c = fitCategorical({1, 1, 2}, {1, 1, 1}, 4);
  EXPECT_NEAR(c.probabilities[1], (0.25 + 2) / 4, 1e-12);
  EXPECT_NEAR(c.probabilities[0], 0.25 / 4, 1e-12);
}

// Runs `trials` sequential TPE trials on f; the mean |x - 0.3| of the last 20.
double tpeDistance(Goal goal, double (*f)(double), uint64_t seed,
                   std::string* lastChoice = nullptr) {
  SweepSpec spec = parseSweep(R"(program: ./p
metric: {name: m, goal: minimize}
space:
  x: {type: uniform, low: 0, high: 1}
  c: {type: choice, values: [a, b, good, d]}
sampler: {type: tpe, seed: 1}
limits: {max_trials: 80}
)",
                              "t");
  spec.metric.goal = goal;
  spec.sampler.seed = seed;
  std::vector<Observation> history;
  double distance = 0;
  int goodChoices = 0;
  for (uint64_t i = 0; i < 80; ++i) {
    const Params p = *nextParams(spec, i, history);
    const double x = p["x"].get<double>();
    const bool good = p["c"] == "good";
    const double v = f(x) + (good ? 0 : 0.5);
    history.push_back({p, goal == Goal::kMinimize ? v : -v});
    if (i >= 60) {
      distance += std::fabs(x - 0.3) / 20;
      goodChoices += good;
    }
  }
  if (lastChoice) *lastChoice = std::to_string(goodChoices);
  return distance;
}

double bowl(double x) { return (x - 0.3) * (x - 0.3); }

TEST(TpeSampler, MovesTowardTheBetterValuesForEitherGoal) {
  for (uint64_t seed : {1, 2, 3}) {
    std::string good;
    // Random sampling's mean |x - 0.3| on [0, 1] is 0.29; TPE's last 20 are close.
    EXPECT_LT(tpeDistance(Goal::kMinimize, bowl, seed, &good), 0.12) << seed;
    EXPECT_GE(std::stoi(good), 12) << seed;  // of 20; random picks it 5 times
    EXPECT_LT(tpeDistance(Goal::kMaximize, bowl, seed), 0.12) << seed;
  }
}

TEST(TpeSampler, GoalDecidesWhichEndIsGood) {
  std::vector<Observation> history;
  for (int i = 0; i < 40; ++i) history.push_back({{{"x", (i + 0.5) / 40}}, (i + 0.5) / 40});
  history.push_back({{{"x", 0.5}}, std::nan("")});  // left out
  SearchSpace space = {{"x", range(Kind::kUniform, 0, 1)}};
  SamplerSpec settings;
  settings.kind = SamplerKind::kTpe;
  double high = 0, low = 0;
  for (uint64_t i = 0; i < 20; ++i) {
    Rng a(1, i), b(1, i);
    high += sampleTpe(space, history, Goal::kMaximize, settings, a)["x"].get<double>() / 20;
    low += sampleTpe(space, history, Goal::kMinimize, settings, b)["x"].get<double>() / 20;
  }
  EXPECT_GT(high, 0.8);
  EXPECT_LT(low, 0.2);
  // NaN values do not count toward n_startup_trials.
  std::vector<Observation> nans(20, Observation{{{"x", 0.5}}, std::nan("")});
  Rng a(3, 0), b(3, 0);
  EXPECT_EQ(sampleTpe(space, nans, Goal::kMaximize, settings, a), sampleRandom(space, b));
}

}  // namespace
}  // namespace cohort::sweep
