#include "cohort/sweep/sweep_spec.h"

#include "cohort/core/error.h"
#include "cohort/storage/checksum.h"

namespace cohort::sweep {

const char* goalName(Goal goal) { return enumName(kGoalNames, goal); }
const char* samplerName(SamplerKind kind) { return enumName(kSamplerNames, kind); }
const char* policyName(PolicyKind kind) { return enumName(kPolicyNames, kind); }
const char* engineName(Engine engine) { return enumName(kEngineNames, engine); }

namespace {

nlohmann::ordered_json policyJson(const PolicySpec& p) {
  nlohmann::ordered_json out = {{"type", policyName(p.kind)}};
  switch (p.kind) {
    case PolicyKind::kNone:
      break;
    case PolicyKind::kAsha:
      out["min_resource"] = p.minResource;
      out["reduction_factor"] = p.reductionFactor;
      out["max_resource"] = p.maxResource;
      break;
    default:
      out["evaluation_interval"] = p.evaluationInterval;
      out["delay_evaluation"] = p.delayEvaluation;
      if (p.kind == PolicyKind::kBandit) {
        out["slack_factor"] = p.slackFactor;
        out["slack_amount"] = p.slackAmount;
      }
      if (p.kind == PolicyKind::kTruncation) {
        out["truncation_percentage"] = p.truncationPercentage;
        out["exclude_finished"] = p.excludeFinished;
      }
  }
  return out;
}

// Everything but `registry`.
nlohmann::ordered_json withoutRegistry(const SweepSpec& spec) {
  nlohmann::ordered_json space = nlohmann::ordered_json::object();
  for (const auto& parameter : spec.space) space[parameter.name] = toJson(parameter.distribution);
  nlohmann::ordered_json sampler = {{"type", samplerName(spec.sampler.kind)}};
  if (spec.sampler.kind != SamplerKind::kGrid) sampler["seed"] = spec.sampler.seed;
  if (spec.sampler.kind == SamplerKind::kTpe) {
    sampler["n_startup_trials"] = spec.sampler.nStartupTrials;
    sampler["n_ei_candidates"] = spec.sampler.nEiCandidates;
    sampler["gamma"] = spec.sampler.gamma;
  }
  return {{"program", spec.program},
          {"args", spec.args},
          {"metric", {{"name", spec.metric.name}, {"goal", goalName(spec.metric.goal)}}},
          {"space", space},
          {"sampler", sampler},
          {"limits",
           {{"max_trials", spec.limits.maxTrials},
            {"max_concurrent", spec.limits.maxConcurrent},
            {"timeout", spec.limits.timeoutS},
            {"trial_timeout", spec.limits.trialTimeoutS}}},
          {"policy", policyJson(spec.policy)},
          {"trial",
           {{"nodes", spec.trial.nodes},
            {"procs_per_node", spec.trial.procsPerNode},
            {"engine", engineName(spec.trial.engine)},
            {"hosts", spec.trial.hosts}}}};
}

}  // namespace

nlohmann::ordered_json toJson(const SweepSpec& spec) {
  nlohmann::ordered_json out = withoutRegistry(spec);
  if (!spec.registry.name.empty())
    out["registry"] = {{"name", spec.registry.name}, {"url", spec.registry.url}};
  return out;
}

std::string digestOf(const SweepSpec& spec) {
  auto canonical = withoutRegistry(spec);
  canonical.erase("limits");  // See Note [Sweep digest]
  return storage::sha256Hex(canonical.dump());
}

}  // namespace cohort::sweep
