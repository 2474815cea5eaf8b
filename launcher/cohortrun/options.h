// cohortrun's command line: `cohortrun [options] -- PROGRAM [ARGS...]`.
// Parsing only; what the options mean together is decided by job_plan.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cohortrun/rank_set.h"

namespace cohort::launcher {

enum class EngineChoice { kAuto, kMpirun, kSrun };

struct Options {
  int nodes = 0;           // --nodes; 0: not given
  int procs_per_node = 0;  // --procs-per-node; 0: not given
  std::string hosts;       // --hosts
  std::string hostfile;    // --hostfile
  int max_restarts = 0;
  std::string outputs = "./outputs";
  std::string logs = "./logs";
  std::vector<std::pair<std::string, std::string>> env;  // --env NAME=VALUE, in order
  RankSet console_ranks = RankSet::all();
  double timeout_s = 0;  // 0: none
  double grace_s = 10;
  bool dry_run = false;
  bool slurm_submit = false;
  std::vector<std::string> sbatch_options;
  EngineChoice engine = EngineChoice::kAuto;
  std::string network;           // --network CIDR or interface; empty: chosen from the hosts
  std::string run_id;            // empty: made up at start
  std::string upload_url;        // --upload; empty: no upload
  double upload_interval_s = 0;  // --upload-interval; 0: cohort-upload's default
  std::string register_name;     // --register; empty: the model is not registered
  std::string registry;          // --registry; empty: COHORT_REGISTRY or cohort-model's default
  std::vector<std::string> engine_options;  // --engine-option, passed to mpirun/srun as is
  bool help = false;
  bool version = false;
  std::vector<std::string> program;  // PROGRAM ARGS...
};

// Parses the arguments after argv[0]. Throws ConfigError for an unknown
// option (suggesting the right one), a missing or malformed value,
// contradictory options, or a missing program; help and version need no program.
Options parseOptions(const std::vector<std::string>& args);

// `argv` (cohortrun's own, argv[0] first) with the values of --env NAME=VALUE
// replaced by <hidden>, for run.json: they may be secrets.
std::vector<std::string> withoutEnvValues(const std::vector<std::string>& argv);

// The text of --help.
std::string helpText();

}  // namespace cohort::launcher
