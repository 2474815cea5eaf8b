#include "cohort/sweep/sweep_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cohort/core/error.h"
#include "cohort/core/utf8.h"
#include "cohort/sweep/args_template.h"
#include "cohort/sweep/space_reader.h"
#include "cohort/sweep/yaml_reader.h"

namespace cohort::sweep {

namespace {

// A section written either as its type alone (`sampler: random`) or as a
// mapping with a `type` key; the type's text.
std::string typeOf(const YamlReader& yaml, const YAML::Node& node, const std::string& key,
                   const std::string& example) {
  if (node.IsScalar()) return yaml.text(node, key);
  if (!node.IsMap())
    yaml.fail(node, key, "is neither a type nor a mapping", "write e.g. " + example);
  return yaml.text(yaml.require(node, key, "type", example), keyPath(key, "type"));
}

void readMetric(const YamlReader& yaml, const YAML::Node& node, Metric* metric) {
  yaml.checkKeys(node, "metric", {"name", "goal"});
  metric->name = yaml.text(yaml.require(node, "metric", "name", "name: accuracy"), "metric.name");
  const YAML::Node goal = yaml.require(node, "metric", "goal", "goal: maximize");
  const std::string text = yaml.text(goal, "metric.goal");
  const auto named = enumValue(kGoalNames, text);
  if (!named) {
    yaml.fail(goal, "metric.goal", "'" + text + "' is not a goal",
              "write " + enumNames(kGoalNames));
  }
  metric->goal = *named;
}

void readSampler(const YamlReader& yaml, const YAML::Node& node, SamplerSpec* sampler) {
  const std::string type = typeOf(yaml, node, "sampler", "sampler: {type: tpe, seed: 1}");
  const YAML::Node at = node.IsMap() ? yaml.find(node, "type") : node;
  const auto named = enumValue(kSamplerNames, type);
  if (!named) {
    yaml.fail(at, "sampler.type", "'" + type + "' is not a sampler",
              "write " + enumNames(kSamplerNames));
  }
  sampler->kind = *named;
  if (!node.IsMap()) return;
  std::vector<std::string> keys = {"type"};
  if (sampler->kind != SamplerKind::kGrid) keys.push_back("seed");
  if (sampler->kind == SamplerKind::kTpe) {
    keys.insert(keys.end(), {"n_startup_trials", "n_ei_candidates", "gamma"});
  }
  yaml.checkKeys(node, "sampler", keys);
  const int64_t maxSeed = INT64_MAX;
  if (auto n = yaml.find(node, "seed"); n.IsDefined())
    sampler->seed = yaml.integer(n, "sampler.seed", 0, maxSeed);
  if (auto n = yaml.find(node, "n_startup_trials"); n.IsDefined()) {
    sampler->nStartupTrials = yaml.integer(n, "sampler.n_startup_trials", 0, kMaxTrials);
  }
  if (auto n = yaml.find(node, "n_ei_candidates"); n.IsDefined()) {
    sampler->nEiCandidates = yaml.integer(n, "sampler.n_ei_candidates", 1, 10000);
  }
  if (auto n = yaml.find(node, "gamma"); n.IsDefined()) {
    sampler->gamma = yaml.number(n, "sampler.gamma");
    if (!(sampler->gamma > 0 && sampler->gamma <= 1)) {
      yaml.fail(n, "sampler.gamma", "gamma must be in (0, 1]",
                "write the fraction of trials counted as good, e.g. 0.1");
    }
  }
}

double seconds(const YamlReader& yaml, const YAML::Node& node, const std::string& key) {
  const double s = yaml.number(node, key);
  if (!(s > 0 && s <= 1e9))
    yaml.fail(node, key, "must be a number of seconds > 0", "write e.g. 3600 for an hour");
  return s;
}

void readLimits(const YamlReader& yaml, const YAML::Node& node, Limits* limits) {
  yaml.checkKeys(node, "limits", {"max_trials", "max_concurrent", "timeout", "trial_timeout"});
  if (auto n = yaml.find(node, "max_trials"); n.IsDefined()) {
    limits->maxTrials = yaml.integer(n, "limits.max_trials", 1, kMaxTrials);
  }
  if (auto n = yaml.find(node, "max_concurrent"); n.IsDefined()) {
    limits->maxConcurrent = yaml.integer(n, "limits.max_concurrent", 1, 10000);
  }
  if (auto n = yaml.find(node, "timeout"); n.IsDefined())
    limits->timeoutS = seconds(yaml, n, "limits.timeout");
  if (auto n = yaml.find(node, "trial_timeout"); n.IsDefined()) {
    limits->trialTimeoutS = seconds(yaml, n, "limits.trial_timeout");
  }
}

void readPolicy(const YamlReader& yaml, const YAML::Node& node, PolicySpec* policy) {
  const std::string type =
      typeOf(yaml, node, "policy", "policy: {type: median, delay_evaluation: 5}");
  const YAML::Node at = node.IsMap() ? yaml.find(node, "type") : node;
  const auto named = enumValue(kPolicyNames, type);
  if (!named) {
    yaml.fail(at, "policy.type", "'" + type + "' is not a policy",
              "write " + enumNames(kPolicyNames));
  }
  policy->kind = *named;
  std::vector<std::string> keys = {"type", "evaluation_interval", "delay_evaluation"};
  switch (policy->kind) {
    case PolicyKind::kNone:
      keys = {"type"};
      break;
    case PolicyKind::kBandit:
      keys.insert(keys.end(), {"slack_factor", "slack_amount"});
      break;
    case PolicyKind::kMedian:
      break;
    case PolicyKind::kTruncation:
      keys.insert(keys.end(), {"truncation_percentage", "exclude_finished"});
      break;
    case PolicyKind::kAsha:
      keys = {"type", "min_resource", "reduction_factor", "max_resource"};
      break;
  }
  if (!node.IsMap()) {
    if (policy->kind == PolicyKind::kBandit || policy->kind == PolicyKind::kTruncation) {
      yaml.fail(node, "policy", "'" + type + "' needs settings",
                policy->kind == PolicyKind::kBandit
                    ? "write policy: {type: bandit, slack_factor: 0.1}"
                    : "write policy: {type: truncation, truncation_percentage: 20}");
    }
    return;
  }
  yaml.checkKeys(node, "policy", keys);
  if (auto n = yaml.find(node, "evaluation_interval"); n.IsDefined()) {
    policy->evaluationInterval = yaml.integer(n, "policy.evaluation_interval", 1, 1000000000);
  }
  if (auto n = yaml.find(node, "delay_evaluation"); n.IsDefined()) {
    policy->delayEvaluation = yaml.integer(n, "policy.delay_evaluation", 0, 1000000000);
  }
  if (policy->kind == PolicyKind::kBandit) {
    const YAML::Node factor = yaml.find(node, "slack_factor");
    const YAML::Node amount = yaml.find(node, "slack_amount");
    const std::string hint =
        "give one of slack_factor (a ratio, e.g. 0.1) or slack_amount (an absolute distance)";
    if (factor.IsDefined() == amount.IsDefined()) {
      yaml.fail(factor.IsDefined() ? amount : node, "policy",
                "bandit needs exactly one of slack_factor and slack_amount", hint);
    }
    const YAML::Node given = factor.IsDefined() ? factor : amount;
    const std::string key = factor.IsDefined() ? "policy.slack_factor" : "policy.slack_amount";
    const double slack = yaml.number(given, key);
    if (!(slack > 0)) yaml.fail(given, key, "must be > 0", hint);
    (factor.IsDefined() ? policy->slackFactor : policy->slackAmount) = slack;
  }
  if (policy->kind == PolicyKind::kTruncation) {
    policy->truncationPercentage = yaml.integer(
        yaml.require(node, "policy", "truncation_percentage", "truncation_percentage: 20"),
        "policy.truncation_percentage", 1, 99);
    if (auto n = yaml.find(node, "exclude_finished"); n.IsDefined()) {
      policy->excludeFinished = yaml.boolean(n, "policy.exclude_finished");
    }
  }
  if (policy->kind == PolicyKind::kAsha) {
    if (auto n = yaml.find(node, "min_resource"); n.IsDefined()) {
      policy->minResource = yaml.integer(n, "policy.min_resource", 1, 1000000000);
    }
    if (auto n = yaml.find(node, "reduction_factor"); n.IsDefined()) {
      policy->reductionFactor = yaml.integer(n, "policy.reduction_factor", 2, 1000);
    }
    if (auto n = yaml.find(node, "max_resource"); n.IsDefined()) {
      policy->maxResource = yaml.integer(n, "policy.max_resource", policy->minResource, 1000000000);
    }
  }
}

void readTrial(const YamlReader& yaml, const YAML::Node& node, TrialResources* trial) {
  yaml.checkKeys(node, "trial", {"nodes", "procs_per_node", "engine", "hosts"});
  if (auto n = yaml.find(node, "engine"); n.IsDefined()) {
    const std::string engine = yaml.text(n, "trial.engine");
    const auto named = enumValue(kEngineNames, engine);
    if (!named) {
      yaml.fail(n, "trial.engine", "'" + engine + "' is not an engine",
                "write " + enumNames(kEngineNames));
    }
    trial->engine = *named;
  }
  const YAML::Node nodes = yaml.find(node, "nodes");
  if (nodes.IsDefined()) trial->nodes = yaml.integer(nodes, "trial.nodes", 1, 100000);
  if (auto n = yaml.find(node, "procs_per_node"); n.IsDefined()) {
    trial->procsPerNode = yaml.integer(n, "trial.procs_per_node", 1, 4096);
  }
  const YAML::Node hosts = yaml.find(node, "hosts");
  if (hosts.IsDefined() != (trial->engine == Engine::kHosts)) {
    yaml.fail(hosts.IsDefined() ? hosts : node, "trial.hosts",
              hosts.IsDefined() ? "is only for engine: hosts"
                                : "is missing: engine hosts needs the host list",
              "write engine: hosts with hosts: [node1, node2], or leave hosts out");
  }
  if (hosts.IsDefined()) {
    if (!hosts.IsSequence() || hosts.size() == 0)
      yaml.fail(hosts, "trial.hosts", "is not a list of hosts", "write hosts: [node1, node2]");
    for (size_t i = 0; i < hosts.size(); ++i)
      trial->hosts.push_back(yaml.text(hosts[i], "trial.hosts[" + std::to_string(i) + "]"));
    if (trial->nodes > static_cast<int64_t>(trial->hosts.size())) {
      yaml.fail(
          nodes, "trial.nodes",
          "asks for more nodes than the " + std::to_string(trial->hosts.size()) + " hosts listed",
          "list more hosts or ask for fewer nodes");
    }
  }
  if (trial->engine == Engine::kLocal && trial->nodes != 1) {
    yaml.fail(nodes, "trial.nodes",
              "engine local runs every trial on this machine, so nodes must be 1",
              "write engine: hosts (with hosts:) or engine: slurm for trials on several nodes");
  }
}

// registry: NAME, or {name: NAME, url: URL}.
void readRegistry(const YamlReader& yaml, const YAML::Node& node, RegistrySpec* registry) {
  registry->line = node.Mark().line + 1;
  if (node.IsScalar()) {
    registry->name = yaml.text(node, "registry");
    return;
  }
  yaml.checkKeys(node, "registry", {"name", "url"});
  registry->name = yaml.text(yaml.require(node, "registry", "name", "registry: {name: fmnist}"),
                             "registry.name");
  if (auto n = yaml.find(node, "url"); n.IsDefined()) {
    registry->url = yaml.text(n, "registry.url");
    if (registry->url.find('?') != std::string::npos) {
      yaml.fail(n, "registry.url", "has a query string: credentials must not be in the file",
                "give the URL without '?...' and the SAS token in COHORT_AZURE_SAS_TOKEN");
    }
  }
}

void readArgs(const YamlReader& yaml, const YAML::Node& node, SweepSpec* spec) {
  if (!node.IsSequence()) yaml.fail(node, "args", "is not a list", "write args: [--lr, \"${lr}\"]");
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string key = "args[" + std::to_string(i) + "]";
    if (!node[i].IsScalar())
      yaml.fail(node[i], key, "is not a single argument", "write one argument per list item");
    const std::string arg = node[i].Scalar();
    const Placeholders found = scanPlaceholders(arg);
    if (!found.error.empty())
      yaml.fail(node[i], key, found.error, "write ${name} for a parameter, $$ for a literal $");
    for (const auto& name : found.names) {
      bool known = false;
      for (const auto& parameter : spec->space) known = known || parameter.name == name;
      if (!known) {
        yaml.fail(node[i], key, "${" + name + "} names no parameter of the space",
                  "add " + name + " under space:, or correct the name");
      }
    }
    spec->args.push_back(arg);
  }
}

// The checks that span sections: what a grid can cover, the trial budget.
void checkWhole(const YamlReader& yaml, const YAML::Node& root, SweepSpec* spec) {
  if (spec->sampler.kind == SamplerKind::kGrid) {
    double size = 1;
    for (const auto& parameter : spec->space) {
      if (!parameter.distribution.discrete()) {
        yaml.fail(
            yaml.find(yaml.find(root, "space"), parameter.name), "space." + parameter.name,
            std::string("grid cannot cover the continuous distribution ") +
                kindName(parameter.distribution.kind),
            "use choice, quniform, qloguniform or randint for a grid, or sampler random or tpe");
      }
      size *= discreteCount(parameter.distribution);
    }
    if (size > static_cast<double>(kMaxTrials)) {
      yaml.fail(
          yaml.find(root, "space"), "space",
          "the grid has " + numberText(size) + " points, more than " + std::to_string(kMaxTrials),
          "use fewer values, a coarser q, or sampler random");
    }
    if (spec->limits.maxTrials == 0) spec->limits.maxTrials = static_cast<int64_t>(size);
  }
  if (spec->limits.maxTrials == 0) {
    yaml.fail(root, "limits.max_trials",
              "is missing: " + std::string(samplerName(spec->sampler.kind)) +
                  " sampling needs a trial budget",
              "add limits: {max_trials: 20}");
  }
}

}  // namespace

SweepSpec parseSweep(const std::string& text, const std::string& file) {
  const YamlReader yaml(file);
  if (const size_t bad = firstInvalidUtf8(text); bad != std::string::npos) {
    // yaml-cpp would take the bytes; the store's JSON could not hold them.
    YAML::Mark at;
    at.pos = static_cast<int>(bad);
    for (size_t i = 0; i < bad; ++i) {
      if (text[i] == '\n') {
        ++at.line;
        at.column = 0;
      } else {
        ++at.column;
      }
    }
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    yaml.fail(at, "", std::string("holds the byte ") + byte + ", which is not UTF-8",
              "save the file as UTF-8 (iconv -f LATIN1 -t UTF-8, or your editor's encoding)");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    yaml.fail(e.mark, "", "is not valid YAML: " + e.msg, "fix the syntax at that line");
  }
  if (!root.IsMap())
    yaml.fail(root, "", "does not hold a sweep", "start from the example in docs/sweep.md");
  yaml.checkKeys(
      root, "",
      {"program", "args", "metric", "space", "sampler", "limits", "policy", "trial", "registry"});
  SweepSpec spec;
  spec.file = file;
  spec.text = text;
  spec.program = yaml.text(yaml.require(root, "", "program", "program: ./train"), "program");
  readMetric(yaml, yaml.require(root, "", "metric", "metric: {name: accuracy, goal: maximize}"),
             &spec.metric);
  spec.space = readSpace(
      yaml, yaml.require(root, "", "space", "space: {lr: {type: uniform, low: 0.01, high: 0.1}}"),
      "space");
  if (auto n = yaml.find(root, "args"); n.IsDefined()) readArgs(yaml, n, &spec);
  if (auto n = yaml.find(root, "sampler"); n.IsDefined()) readSampler(yaml, n, &spec.sampler);
  if (auto n = yaml.find(root, "limits"); n.IsDefined()) readLimits(yaml, n, &spec.limits);
  if (auto n = yaml.find(root, "policy"); n.IsDefined()) readPolicy(yaml, n, &spec.policy);
  if (auto n = yaml.find(root, "trial"); n.IsDefined()) readTrial(yaml, n, &spec.trial);
  if (auto n = yaml.find(root, "registry"); n.IsDefined()) readRegistry(yaml, n, &spec.registry);
  checkWhole(yaml, root, &spec);
  return spec;
}

SweepSpec readSweepFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("cannot read the sweep file " + path + ": " + std::strerror(errno),
                      "check the path given to cohort-sweep");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseSweep(text.str(), path);
}

}  // namespace cohort::sweep
