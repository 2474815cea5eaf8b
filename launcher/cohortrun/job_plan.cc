#include "cohortrun/job_plan.h"

#include <algorithm>

#include "cohort/core/error.h"

namespace cohort::launcher {

namespace {

[[noreturn]] void doesNotFit(const std::string& what, const std::string& hint) {
  throw ConfigError(what, hint);
}

std::string jobShape(int nodes, int ppn) {
  return std::to_string(nodes) + " x " + std::to_string(ppn) + " ranks";
}

// The procs-per-node default: the common slot count of the first `nodes`
// hosts, 1 when none gives one; differing counts need the option.
int defaultProcsPerNode(const std::vector<HostSlots>& hosts, int nodes, const std::string& source) {
  int common = 0;
  for (int i = 0; i < nodes; ++i) {
    int slots = hosts[i].slots;
    if (slots == 0) continue;
    if (common != 0 && slots != common) {
      doesNotFit("the hosts have different slot counts (" + hosts[0].name + ": " +
                     std::to_string(hosts[0].slots) + ", " + hosts[i].name + ": " +
                     std::to_string(slots) + ", from " + source + ")",
                 "say how many ranks each node runs with --procs-per-node P");
    }
    common = slots;
  }
  return common == 0 ? 1 : common;
}

void checkFits(const std::vector<HostSlots>& hosts, int nodes, int ppn, const std::string& source) {
  if (nodes > static_cast<int>(hosts.size())) {
    doesNotFit(jobShape(nodes, ppn) + " do not fit: --nodes " + std::to_string(nodes) + " but " +
                   source + " has " + std::to_string(hosts.size()) + " host(s)",
               "lower --nodes to " + std::to_string(hosts.size()) + ", or give more hosts");
  }
  for (int i = 0; i < nodes; ++i) {
    if (hosts[i].slots != 0 && ppn > hosts[i].slots) {
      doesNotFit(jobShape(nodes, ppn) + " do not fit: host " + hosts[i].name + " has " +
                     std::to_string(hosts[i].slots) + " slot(s) in " + source +
                     " but --procs-per-node is " + std::to_string(ppn),
                 "lower --procs-per-node to " + std::to_string(hosts[i].slots) +
                     ", or give that host more slots");
    }
  }
}

// The nodes of the allocation `host_list` names, in its order (an srun step
// on some of them); a ConfigError for a host that is not one of them.
std::vector<HostSlots> nodesNamed(const std::vector<HostSlots>& host_list,
                                  const std::vector<HostSlots>& nodes, const std::string& source) {
  std::vector<HostSlots> out;
  for (const auto& h : host_list) {
    auto it = std::find_if(nodes.begin(), nodes.end(),
                           [&h](const HostSlots& n) { return n.name == h.name; });
    if (it == nodes.end()) {
      std::string names;
      for (const auto& n : nodes) names += (names.empty() ? "" : ",") + n.name;
      throw ConfigError(
          "--hosts names " + h.name + ", which is not a node of " + source + " (" + names + ")",
          "with --engine srun, name nodes of the allocation only");
    }
    // The fewer slots of the two: the allocation's are all the step can have.
    const int slots = it->slots == 0 ? h.slots
                      : h.slots == 0 ? it->slots
                                     : std::min(h.slots, it->slots);
    out.push_back({h.name, slots});
  }
  return out;
}

void placeRanks(const std::vector<HostSlots>& hosts, JobPlan* plan) {
  for (int i = 0; i < plan->nodes; ++i) {
    plan->hosts.push_back({hosts[i].name, i * plan->procs_per_node, plan->procs_per_node});
  }
}

}  // namespace

const char* engineName(Engine engine) {
  switch (engine) {
    case Engine::kMpirunLocal:
    case Engine::kMpirunHosts:
      return "mpirun";
    case Engine::kDirect:
      return "none";
    case Engine::kSrun:
      return "srun";
    case Engine::kSbatch:
      return "sbatch";
  }
  return "?";
}

std::string JobPlan::hostOf(int rank) const {
  for (const auto& h : hosts) {
    if (rank >= h.first_rank && rank < h.first_rank + h.ranks) return h.name;
  }
  return "";
}

JobPlan planJob(const Options& options, const std::vector<HostSlots>& host_list,
                const EnvLookup& env, const std::string& local_host, int local_cpus) {
  JobPlan plan;
  auto job_id = env("SLURM_JOB_ID");
  bool in_allocation = job_id.has_value() && !job_id->empty();

  if (options.slurm_submit) {
    plan.engine = Engine::kSbatch;
    plan.nodes = options.nodes ? options.nodes : 1;
    plan.procs_per_node = options.procs_per_node ? options.procs_per_node : 1;
  } else if (!host_list.empty() && options.engine != EngineChoice::kSrun) {
    plan.engine = Engine::kMpirunHosts;
    std::string source = options.hostfile.empty() ? "--hosts" : options.hostfile;
    plan.nodes = options.nodes ? options.nodes : static_cast<int>(host_list.size());
    checkFits(host_list, plan.nodes, 1, source);
    plan.procs_per_node = options.procs_per_node
                              ? options.procs_per_node
                              : defaultProcsPerNode(host_list, plan.nodes, source);
    checkFits(host_list, plan.nodes, plan.procs_per_node, source);
    placeRanks(host_list, &plan);
  } else if (in_allocation || options.engine == EngineChoice::kSrun) {
    // Inside an allocation the job runs on its nodes, with srun unless
    // --engine mpirun asks for mpirun (which then starts its daemons through Slurm).
    if (!in_allocation) {
      throw ConfigError("--engine srun but this is not inside a Slurm allocation (no SLURM_JOB_ID)",
                        "run it inside salloc or an sbatch script, submit it with --slurm-submit, "
                        "or drop --engine srun to use mpirun");
    }
    plan.engine = options.engine == EngineChoice::kMpirun ? Engine::kMpirunHosts : Engine::kSrun;
    plan.slurm_job_id = *job_id;
    plan.hosts_from_slurm = true;
    std::vector<HostSlots> nodes = allocationHosts(env);
    std::string source = "the allocation (job " + *job_id + ")";
    if (!host_list.empty()) nodes = nodesNamed(host_list, nodes, source);
    plan.nodes = options.nodes ? options.nodes : static_cast<int>(nodes.size());
    checkFits(nodes, plan.nodes, 1, source);
    plan.procs_per_node = options.procs_per_node ? options.procs_per_node
                                                 : defaultProcsPerNode(nodes, plan.nodes, source);
    checkFits(nodes, plan.nodes, plan.procs_per_node, source);
    placeRanks(nodes, &plan);
  } else {
    if (options.nodes > 1) {
      throw ConfigError(
          "--nodes " + std::to_string(options.nodes) + " without hosts: one machine is one node",
          "give the hosts with --hosts h1:P,h2:P or --hostfile FILE, or run inside a "
          "Slurm allocation (or submit with --slurm-submit)");
    }
    plan.nodes = 1;
    plan.procs_per_node = options.procs_per_node ? options.procs_per_node : 1;
    // See Note [A world of one] in engine_command.h.
    plan.engine = plan.procs_per_node == 1 && options.engine == EngineChoice::kAuto
                      ? Engine::kDirect
                      : Engine::kMpirunLocal;
    plan.oversubscribed = plan.procs_per_node > local_cpus;
    plan.hosts.push_back({local_host, 0, plan.procs_per_node});
  }
  plan.world_size = plan.nodes * plan.procs_per_node;

  int highest = options.console_ranks.highest();
  if (highest >= plan.world_size) {
    throw ConfigError("--console-ranks names rank " + std::to_string(highest) +
                          " but the job has " + std::to_string(plan.world_size) +
                          " rank(s), 0 to " + std::to_string(plan.world_size - 1),
                      "name ranks below " + std::to_string(plan.world_size) + ", or write all");
  }
  return plan;
}

}  // namespace cohort::launcher
