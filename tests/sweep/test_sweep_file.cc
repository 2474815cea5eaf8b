// The sweep file (sweep_file.h): a good file reads into the spec it says,
// and every bad one is refused with the file, the line, the key and a hint.
#include <gtest/gtest.h>

#include <limits>

#include "cohort/core/error.h"
#include "cohort/sweep/args_template.h"
#include "cohort/sweep/sweep_file.h"

namespace cohort::sweep {
namespace {

const char* const kGood = R"(# a full sweep
program: ./fashion_mnist
args: [--lr, "${lr}", --batch, "${batch}", "--tag=${act}-$$HOME"]
metric: {name: accuracy, goal: maximize}
space:
  lr: {type: loguniform, low: 1e-4, high: 1e-1}
  batch: {type: choice, values: [32, 64, 128]}
  act: {type: choice, values: [relu, "7", true]}
  width: {type: randint, low: 8, high: 65}
  momentum: {type: uniform, low: 0.5, high: 0.99}
  epochs: {type: quniform, low: 2, high: 10, q: 2}
  decay: {type: qloguniform, low: 0.001, high: 0.1, q: 0.001}
  noise: {type: normal, mu: 0, sigma: 0.5}
sampler: {type: tpe, seed: 7, n_startup_trials: 5, n_ei_candidates: 12, gamma: 0.2}
limits: {max_trials: 40, max_concurrent: 4, timeout: 3600, trial_timeout: 600}
policy: {type: bandit, slack_factor: 0.2, evaluation_interval: 2, delay_evaluation: 4}
trial: {engine: hosts, hosts: [a, b, c], nodes: 2, procs_per_node: 4}
)";

// The message a bad file gets ("" when it is accepted).
std::string refusal(const std::string& text) {
  try {
    parseSweep(text, "bad.yaml");
  } catch (const ConfigError& e) {
    EXPECT_FALSE(e.hint().empty()) << e.what();
    return std::string(e.what());
  }
  return "";
}

// A minimal good file with `extra` appended (a section, or one replacing the space).
std::string with(
    const std::string& extra,
    const std::string& space = "space:\n  lr: {type: uniform, low: 0.1, high: 0.2}\n") {
  return "program: ./train\nmetric: {name: loss, goal: minimize}\n" + space + extra;
}

TEST(SweepFile, ReadsEveryKey) {
  const SweepSpec spec = parseSweep(kGood, "good.yaml");
  EXPECT_EQ(spec.program, "./fashion_mnist");
  ASSERT_EQ(spec.args.size(), 5u);
  EXPECT_EQ(spec.metric.name, "accuracy");
  EXPECT_EQ(spec.metric.goal, Goal::kMaximize);
  ASSERT_EQ(spec.space.size(), 8u);
  EXPECT_EQ(spec.space[0].name, "lr");  // the file's order
  EXPECT_EQ(spec.space[0].distribution.kind, Kind::kLogUniform);
  EXPECT_DOUBLE_EQ(spec.space[0].distribution.low, 1e-4);
  const auto& act = spec.space[2].distribution.values;
  ASSERT_EQ(act.size(), 3u);
  EXPECT_EQ(act[0], "relu");
  EXPECT_EQ(act[1], "7");  // quoted: text
  EXPECT_EQ(act[2], true);
  EXPECT_EQ(spec.space[1].distribution.values[0], 32);
  EXPECT_EQ(spec.space[3].distribution.kind, Kind::kRandInt);
  EXPECT_DOUBLE_EQ(spec.space[5].distribution.q, 2);
  EXPECT_DOUBLE_EQ(spec.space[7].distribution.sigma, 0.5);
  EXPECT_EQ(spec.sampler.kind, SamplerKind::kTpe);
  EXPECT_EQ(spec.sampler.seed, 7u);
  EXPECT_EQ(spec.sampler.nStartupTrials, 5);
  EXPECT_EQ(spec.sampler.nEiCandidates, 12);
  EXPECT_DOUBLE_EQ(spec.sampler.gamma, 0.2);
  EXPECT_EQ(spec.limits.maxTrials, 40);
  EXPECT_EQ(spec.limits.maxConcurrent, 4);
  EXPECT_DOUBLE_EQ(spec.limits.trialTimeoutS, 600);
  EXPECT_EQ(spec.policy.kind, PolicyKind::kBandit);
  EXPECT_DOUBLE_EQ(spec.policy.slackFactor, 0.2);
  EXPECT_EQ(spec.policy.evaluationInterval, 2);
  EXPECT_EQ(spec.policy.delayEvaluation, 4);
  EXPECT_EQ(spec.trial.engine, Engine::kHosts);
  EXPECT_EQ(spec.trial.nodes, 2);
  EXPECT_EQ(spec.trial.procsPerNode, 4);
  EXPECT_EQ(spec.trial.hosts.size(), 3u);
}

TEST(SweepFile, DefaultsAndShortForms) {
  const SweepSpec spec =
      parseSweep(with("sampler: random\nlimits: {max_trials: 3}\npolicy: median\n"), "f");
  EXPECT_EQ(spec.sampler.kind, SamplerKind::kRandom);
  EXPECT_EQ(spec.sampler.seed, 0u);
  EXPECT_EQ(spec.limits.maxConcurrent, 1);
  EXPECT_EQ(spec.policy.kind, PolicyKind::kMedian);
  EXPECT_EQ(spec.policy.evaluationInterval, 1);
  EXPECT_EQ(spec.trial.nodes, 1);
  EXPECT_EQ(spec.trial.engine, Engine::kLocal);
  // A grid's budget is its size unless the file says otherwise.
  const SweepSpec grid = parseSweep(with("sampler: grid\n",
                                         "space:\n  a: {type: choice, values: [1, 2, 3]}\n"
                                         "  b: {type: randint, low: 0, high: 4}\n"),
                                    "f");
  EXPECT_EQ(grid.limits.maxTrials, 12);
}

TEST(SweepFile, ErrorsNameFileLineKeyAndFix) {
  // An unknown distribution, on line 4, column 14.
  std::string m = refusal(with("", "space:\n  lr: {type: gaussian, mu: 0, sigma: 1}\n"));
  EXPECT_NE(m.find("bad.yaml:4:14:"), std::string::npos) << m;
  EXPECT_NE(m.find("space.lr.type"), std::string::npos) << m;
  EXPECT_NE(m.find("'gaussian' is not a distribution"), std::string::npos) << m;
  EXPECT_NE(m.find("write one of choice, uniform"), std::string::npos) << m;
  // An unknown key says which keys are allowed.
  m = refusal(with("limits: {max_trials: 3, max_runs: 4}\n"));
  EXPECT_NE(m.find("bad.yaml:5:25:"), std::string::npos) << m;
  EXPECT_NE(m.find("limits.max_runs: is not a key limits takes"), std::string::npos) << m;
  EXPECT_NE(m.find("allowed keys: max_trials, max_concurrent, timeout, trial_timeout"),
            std::string::npos)
      << m;
  m = refusal(with("limits: {max_trials: 3}\nseed: 4\n"));
  EXPECT_NE(m.find("bad.yaml:6:1: seed: is not a key of a sweep file"), std::string::npos) << m;
  // A key given twice.
  m = refusal(with("limits: {max_trials: 3}\nlimits: {max_trials: 4}\n"));
  EXPECT_NE(m.find("bad.yaml:6:1: limits: is given twice"), std::string::npos) << m;
  // Broken YAML names the line too.
  m = refusal("program: [unclosed\nmetric: x\n");
  EXPECT_NE(m.find("bad.yaml:"), std::string::npos) << m;
  EXPECT_NE(m.find("is not valid YAML"), std::string::npos) << m;
}

TEST(SweepFile, RefusesBadNumbers) {
  const auto space = [](const std::string& d) { return "space:\n  x: " + d + "\n"; };
  const std::string limits = "limits: {max_trials: 3}\n";
  EXPECT_NE(refusal(with(limits, space("{type: uniform, low: .nan, high: 1}")))
                .find("not a finite number"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits, space("{type: uniform, low: 0, high: .inf}")))
                .find("not a finite number"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits, space("{type: uniform, low: 0, high: 1e999}")))
                .find("not a finite number"),
            std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: uniform, low: 1, high: 1}"))).find("needs low < high"),
      std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: uniform, low: 2, high: 1}"))).find("needs low < high"),
      std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: loguniform, low: 0, high: 1}"))).find("needs low > 0"),
      std::string::npos);
  EXPECT_NE(refusal(with(limits, space("{type: qloguniform, low: -1, high: 1, q: 1}")))
                .find("needs low > 0"),
            std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: quniform, low: 0, high: 1, q: 0}"))).find("q must be > 0"),
      std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: normal, mu: 0, sigma: -1}"))).find("sigma must be > 0"),
      std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: randint, low: 0, high: 2.5}"))).find("not a whole number"),
      std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: uniform, low: \"0\", high: 1}"))).find("is not a number"),
      std::string::npos);
  EXPECT_NE(
      refusal(with(limits, space("{type: choice, values: [1, 2, 1]}"))).find("repeats the value 1"),
      std::string::npos);
  EXPECT_NE(refusal(with(limits, space("{type: choice, values: []}"))).find("not a list of values"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits, space("{type: uniform, low: 0, high: 1, q: 1}")))
                .find("space.x.q: is not a key"),
            std::string::npos);
  EXPECT_NE(refusal(with("limits: {max_trials: 0}\n")).find("out of range"), std::string::npos);
  EXPECT_NE(refusal(with("limits: {max_trials: 1e30}\n")).find("out of range"), std::string::npos);
  // Past 64 bits: out of range, never wrapped around (Note [Numbers from users]).
  EXPECT_NE(refusal(with("limits: {max_trials: 99999999999999999999999}\n")).find("out of range"),
            std::string::npos);
  EXPECT_NE(
      refusal(with("limits: {max_trials: 3, max_concurrent: 0}\n")).find("limits.max_concurrent"),
      std::string::npos);
  EXPECT_NE(refusal(with("limits: {max_trials: 3, timeout: -5}\n")).find("seconds > 0"),
            std::string::npos);
  EXPECT_NE(refusal(with("")).find("limits.max_trials: is missing"), std::string::npos);
}

TEST(SweepFile, RefusesBadSections) {
  const std::string limits = "limits: {max_trials: 3}\n";
  std::string m = refusal(with("args: [--lr, \"${learning_rate}\"]\n" + limits));
  EXPECT_NE(m.find("args[1]: ${learning_rate} names no parameter"), std::string::npos) << m;
  EXPECT_NE(refusal(with("args: [\"${lr\"]\n" + limits)).find("no closing '}'"), std::string::npos);
  EXPECT_NE(refusal(with(limits + "policy: {type: early}\n")).find("'early' is not a policy"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits + "policy: bandit\n")).find("needs settings"), std::string::npos);
  EXPECT_NE(refusal(with(limits + "policy: {type: bandit}\n")).find("exactly one of slack_factor"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits + "policy: {type: bandit, slack_factor: 0.1, slack_amount: 1}\n"))
                .find("exactly one"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits + "policy: {type: truncation, truncation_percentage: 100}\n"))
                .find("out of range"),
            std::string::npos);
  m = refusal(with(limits + "policy: {type: asha, delay_evaluation: 3}\n"));
  EXPECT_NE(m.find("allowed keys: type, min_resource, reduction_factor, max_resource"),
            std::string::npos)
      << m;
  EXPECT_NE(refusal(with(limits + "sampler: {type: grid, seed: 3}\n",
                         "space:\n  a: {type: choice, values: [1]}\n"))
                .find("sampler.seed: is not a key"),
            std::string::npos);
  m = refusal(with("sampler: grid\n"));
  EXPECT_NE(m.find("grid cannot cover the continuous distribution uniform"), std::string::npos)
      << m;
  EXPECT_NE(m.find("bad.yaml:4:"), std::string::npos) << m;
  EXPECT_NE(
      refusal(with("sampler: grid\n",
                   "space:\n  a: {type: randint, high: 1000}\n  b: {type: randint, high: 1000}\n"
                   "  c: {type: randint, high: 1000}\n"))
          .find("more than 1000000"),
      std::string::npos);
  EXPECT_NE(refusal(with(limits + "sampler: annealing\n")).find("'annealing' is not a sampler"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits + "trial: {nodes: 2}\n")).find("engine local runs every trial"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits + "trial: {engine: hosts}\n")).find("needs the host list"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits + "trial: {engine: hosts, hosts: [a], nodes: 2}\n"))
                .find("more nodes than"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits, "space:\n  2x: {type: uniform, low: 0, high: 1}\n"))
                .find("not a usable parameter name"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits, "space: {}\n")).find("holds no parameter"), std::string::npos);
  EXPECT_NE(refusal("metric: {name: a, goal: maximize}\n").find("program: is missing"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits).replace(with(limits).find("minimize"), 8, "lowest"))
                .find("'lowest' is not a goal"),
            std::string::npos);
  EXPECT_NE(refusal("").find("does not hold a sweep"), std::string::npos);
  EXPECT_NE(refusal("- a\n- b\n").find("does not hold a sweep"), std::string::npos);
}

TEST(SweepFile, DigestIgnoresLayoutAndLimitsOnly) {
  const SweepSpec a = parseSweep(with("limits: {max_trials: 3}\n"), "f");
  const SweepSpec b = parseSweep(
      "# same sweep, other layout\nmetric:\n  goal: minimize\n  name: loss\nprogram: ./train\n"
      "limits:\n  max_trials: 30\nspace:\n  lr: {high: 0.2, low: 0.1, type: uniform}\n",
      "f");
  const SweepSpec c =
      parseSweep(with("limits: {max_trials: 3}\nsampler: {type: random, seed: 1}\n"), "f");
  EXPECT_EQ(digestOf(a).size(), 64u);
  EXPECT_EQ(digestOf(a), digestOf(b));
  EXPECT_NE(digestOf(a), digestOf(c));
}

TEST(SweepFile, RegistryNamesTheModelAndLeavesTheDigest) {
  const SweepSpec plain = parseSweep(with("limits: {max_trials: 3}\n"), "f");
  const SweepSpec named = parseSweep(with("limits: {max_trials: 3}\nregistry: fmnist\n"), "f");
  const SweepSpec full =
      parseSweep(with("limits: {max_trials: 3}\nregistry: {name: fm, url: /srv/registry}\n"), "f");
  EXPECT_EQ(plain.registry.name, "");
  EXPECT_EQ(named.registry.name, "fmnist");
  EXPECT_EQ(full.registry.name, "fm");
  EXPECT_EQ(full.registry.url, "/srv/registry");
  EXPECT_EQ(full.registry.line, 6);
  EXPECT_EQ(digestOf(plain), digestOf(full));
  EXPECT_EQ(toJson(full)["registry"]["name"], "fm");
  EXPECT_FALSE(toJson(plain).contains("registry"));
  EXPECT_NE(refusal(with("limits: {max_trials: 3}\nregistry: {url: /x}\n")).find("registry"),
            std::string::npos);
  EXPECT_NE(
      refusal(with("limits: {max_trials: 3}\nregistry: {name: m, url: \"azure://a/c?sig=x\"}\n"))
          .find("query string"),
      std::string::npos);
}

// Issue 30, item 3: a range whose width overflows drew infinity, which went
// to every trial as `--x null`.
TEST(SweepFile, RefusesRangesThatDrawNonFiniteValues) {
  const auto space = [](const std::string& d) { return "space:\n  x: " + d + "\n"; };
  const std::string limits = "limits: {max_trials: 3}\n";
  const std::string wide =
      refusal(with(limits, space("{type: uniform, low: -1.7e308, high: 1.7e308}")));
  EXPECT_NE(wide.find("bad.yaml:4:"), std::string::npos) << wide;
  EXPECT_NE(wide.find("space.x.high: uniform's width high - low"), std::string::npos) << wide;
  EXPECT_NE(wide.find("is not a finite number"), std::string::npos) << wide;
  EXPECT_NE(refusal(with(limits, space("{type: quniform, low: -1e308, high: 1e308, q: 1}")))
                .find("is not a finite number"),
            std::string::npos);
  EXPECT_NE(refusal(with(limits, space("{type: normal, mu: 1e308, sigma: 1e307}")))
                .find("can draw a value that is not a finite number"),
            std::string::npos);
  EXPECT_EQ(refusal(with(limits, space("{type: uniform, low: -1e307, high: 1e307}"))), "");
}

// Issue 30, item 8: bytes that are not UTF-8 gave a raw nlohmann type_error
// naming no file or line (and left an empty store behind).
TEST(SweepFile, RefusesBytesThatAreNotUtf8WithTheLine) {
  const std::string bad = refusal(with("# caf\xE9 au lait\n"));
  EXPECT_NE(bad.find("bad.yaml:5:6: holds the byte 0xE9, which is not UTF-8"), std::string::npos)
      << bad;
  const std::string in_value =
      refusal(with("", "space:\n  x: {type: choice, values: [a\xC0\xAF]}\n"));
  EXPECT_NE(in_value.find("bad.yaml:4:"), std::string::npos) << in_value;
  EXPECT_NE(in_value.find("0xC0"), std::string::npos) << in_value;
  EXPECT_EQ(refusal(with("limits: {max_trials: 3}\n# caf\xC3\xA9 \xE2\x82\xAC\n")), "");  // UTF-8
}

// The examples' sweep files read, with the keys their READMEs describe.
TEST(SweepFile, TheExamplesSweepFilesRead) {
  const std::string root = COHORT_SOURCE_DIR;
  const SweepSpec fashion = readSweepFile(root + "/examples/fashion_mnist/sweep.yaml");
  EXPECT_EQ(fashion.metric.name, "val_accuracy");  // never the test set
  EXPECT_EQ(fashion.policy.kind, PolicyKind::kAsha);
  EXPECT_EQ(fashion.space.size(), 8u);
  const SweepSpec sklearn = readSweepFile(root + "/examples/sklearn_sweep/sweep.yaml");
  EXPECT_EQ(sklearn.metric.name, "val_accuracy");
}

TEST(ArgsTemplate, NeverPassesNullOrNonFiniteValues) {
  const Params params = {{"x", nullptr}, {"inf", std::numeric_limits<double>::infinity()}};
  EXPECT_THROW(expandArgs({"--x", "${x}"}, params), ConfigError);
  EXPECT_THROW(expandArgs({"--x=${inf}"}, params), ConfigError);
}

TEST(ArgsTemplate, ExpandsPlaceholders) {
  const Params params = {
      {"lr", 0.001}, {"batch", 64}, {"act", "relu"}, {"on", true}, {"tiny", 1e-5}};
  const auto args =
      expandArgs({"--lr", "${lr}", "--b=${batch}", "${act}-${on}", "$$x", "${tiny}", "$5"}, params);
  const std::vector<std::string> expected = {"--lr", "0.001", "--b=64", "relu-true",
                                             "$x",   "1e-05", "$5"};
  EXPECT_EQ(args, expected);
  EXPECT_THROW(expandArgs({"${nope}"}, params), ConfigError);
  EXPECT_EQ(scanPlaceholders("${a}${b}").names, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(scanPlaceholders("${}").error.empty());
}

}  // namespace
}  // namespace cohort::sweep
