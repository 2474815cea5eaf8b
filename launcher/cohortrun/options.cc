#include "options.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>

#include "cohort/core/env.h"
#include "cohort/core/error.h"

namespace cohort::launcher {

namespace {

[[noreturn]] void usage(const std::string& what, const std::string& hint) {
  throw ConfigError(what, hint + " (cohortrun --help lists every option)");
}

int parseCount(const std::string& option, const std::string& text, int min) {
  auto n = parseInteger(text);
  if (!n || *n < min || *n > 1000000) {
    usage(option + " '" + text + "' is not a whole number" +
              (min > 0 ? " of at least " + std::to_string(min) : ""),
          "write e.g. " + option + " " + std::to_string(std::max(min, 2)));
  }
  return static_cast<int>(*n);
}

bool validEnvName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// What users of other launchers type, and what to write here instead.
const std::map<std::string, std::string>& foreignOptions() {
  static const std::map<std::string, std::string> kHints = {
      {"-n", "the job has N x P ranks: write --nodes N --procs-per-node P"},
      {"-np", "the job has N x P ranks: write --nodes N --procs-per-node P"},
      {"--np", "the job has N x P ranks: write --nodes N --procs-per-node P"},
      {"--ntasks", "the job has N x P ranks: write --nodes N --procs-per-node P"},
      {"-N", "write --nodes N"},
      {"--nnodes", "write --nodes N"},
      {"--nproc_per_node", "write --procs-per-node P"},
      {"--nproc-per-node", "write --procs-per-node P"},
      {"--npernode", "write --procs-per-node P"},
      {"--ntasks-per-node", "write --procs-per-node P"},
      {"--ppn", "write --procs-per-node P"},
      {"-H", "write --hosts h1:4,h2:4"},
      {"--host", "write --hosts h1:4,h2:4"},
      {"--machinefile", "write --hostfile FILE"},
      {"--max_restarts", "write --max-restarts K"},
      {"-x", "write --env NAME=VALUE"},
  };
  return kHints;
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

struct Spec {
  bool takes_value;
  std::function<void(Options&, const std::string& name, const std::string& value)> apply;
};

const std::map<std::string, Spec>& specs() {
  using O = Options;
  using S = const std::string&;
  static const std::map<std::string, Spec> kSpecs = {
      {"--nodes", {true, [](O& o, S n, S v) { o.nodes = parseCount(n, v, 1); }}},
      {"--procs-per-node", {true, [](O& o, S n, S v) { o.procs_per_node = parseCount(n, v, 1); }}},
      {"--hosts", {true, [](O& o, S, S v) { o.hosts = v; }}},
      {"--hostfile", {true, [](O& o, S, S v) { o.hostfile = v; }}},
      {"--max-restarts", {true, [](O& o, S n, S v) { o.max_restarts = parseCount(n, v, 0); }}},
      {"--outputs", {true, [](O& o, S, S v) { o.outputs = v; }}},
      {"--logs", {true, [](O& o, S, S v) { o.logs = v; }}},
      {"--env",
       {true,
        [](O& o, S n, S v) {
          size_t eq = v.find('=');
          std::string name = v.substr(0, eq);
          if (eq == std::string::npos || !validEnvName(name)) {
            usage(n + " '" + v + "' is not NAME=VALUE", "write e.g. --env OMP_NUM_THREADS=4");
          }
          static const char* kReserved[] = {
              "COHORT_RUN_ID",     "COHORT_RESTART_COUNT", "COHORT_OUTPUTS_DIR", "COHORT_LOGS_DIR",
              "COHORT_RANK",       "COHORT_WORLD_SIZE",    "COHORT_LOCAL_RANK",  "COHORT_LOCAL_SIZE"};
          for (const char* reserved : kReserved) {
            if (name == reserved) {
              usage(n + " " + name + ": cohortrun sets " + name + " for every rank itself",
                    "use --outputs, --logs or --run-id, and leave ranks and sizes to cohortrun");
            }
          }
          o.env.emplace_back(name, v.substr(eq + 1));
        }}},
      {"--upload",
       {true,
        [](O& o, S n, S v) {
          if (v.find('?') != std::string::npos) {
            usage(n + ": the URL has a query string, and a SAS token must not be on the command line",
                  "give the URL without '?...' and the token in COHORT_AZURE_SAS_TOKEN or COHORT_CREDENTIALS_FILE");
          }
          o.upload_url = v;
        }}},
      {"--upload-interval",
       {true,
        [](O& o, S n, S v) {
          if (!parseDuration(v, &o.upload_interval_s) || o.upload_interval_s <= 0) {
            usage(n + " '" + v + "' is not a duration", "write e.g. --upload-interval 30s or 5m");
          }
        }}},
      {"--console-ranks",
       {true, [](O& o, S n, S v) { o.console_ranks = RankSet::parse(v, n); }}},
      {"--timeout",
       {true,
        [](O& o, S n, S v) {
          if (!parseDuration(v, &o.timeout_s) || o.timeout_s <= 0) {
            usage(n + " '" + v + "' is not a duration", "write e.g. --timeout 90s, 30m or 12h");
          }
        }}},
      {"--grace-period",
       {true,
        [](O& o, S n, S v) {
          if (!parseDuration(v, &o.grace_s)) {
            usage(n + " '" + v + "' is not a duration", "write e.g. --grace-period 30s");
          }
        }}},
      {"--dry-run", {false, [](O& o, S, S) { o.dry_run = true; }}},
      {"--slurm-submit", {false, [](O& o, S, S) { o.slurm_submit = true; }}},
      {"--sbatch-option", {true, [](O& o, S, S v) { o.sbatch_options.push_back(v); }}},
      {"--engine",
       {true,
        [](O& o, S n, S v) {
          if (v == "auto") o.engine = EngineChoice::kAuto;
          else if (v == "mpirun") o.engine = EngineChoice::kMpirun;
          else if (v == "srun") o.engine = EngineChoice::kSrun;
          else usage(n + " '" + v + "' is not an engine", "write --engine mpirun, srun or auto");
        }}},
      {"--engine-option", {true, [](O& o, S, S v) { o.engine_options.push_back(v); }}},
      {"--network", {true, [](O& o, S, S v) { o.network = v; }}},
      {"--run-id",
       {true,
        [](O& o, S n, S v) {
          bool ok = !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
          });
          if (!ok) usage(n + " '" + v + "' is not a run id", "use letters, digits, '-', '_' and '.'");
          o.run_id = v;
        }}},
      {"--help", {false, [](O& o, S, S) { o.help = true; }}},
      {"-h", {false, [](O& o, S, S) { o.help = true; }}},
      {"--version", {false, [](O& o, S, S) { o.version = true; }}},
  };
  return kSpecs;
}

[[noreturn]] void unknownOption(const std::string& name) {
  auto foreign = foreignOptions().find(name);
  if (foreign != foreignOptions().end()) usage("unknown option " + name, foreign->second);
  std::string best;
  size_t best_distance = 3;
  for (const auto& [known, spec] : specs()) {
    size_t d = editDistance(name, known);
    if (d < best_distance) {
      best = known;
      best_distance = d;
    }
  }
  if (!best.empty()) usage("unknown option " + name, "did you mean " + best + "?");
  usage("unknown option " + name,
        "put the program after '--' if " + name + " is meant for it: cohortrun [options] -- PROGRAM " +
            name);
}

void checkContradictions(const Options& o) {
  if (!o.hosts.empty() && !o.hostfile.empty()) {
    usage("--hosts and --hostfile both given", "give the hosts once: --hosts h1:4,h2:4 or --hostfile FILE");
  }
  bool host_list = !o.hosts.empty() || !o.hostfile.empty();
  if (o.slurm_submit && host_list) {
    usage("--slurm-submit with a host list: Slurm chooses the hosts of a batch job",
          "drop --hosts/--hostfile to submit to Slurm, or drop --slurm-submit to run on your hosts");
  }
  if (o.engine == EngineChoice::kSrun && host_list) {
    usage("--engine srun with a host list: srun runs on the hosts of its allocation",
          "drop --hosts/--hostfile, or use --engine mpirun");
  }
  if (o.slurm_submit && o.engine == EngineChoice::kMpirun) {
    usage("--slurm-submit with --engine mpirun", "drop --engine: a batch job runs its ranks with srun");
  }
  if (!o.sbatch_options.empty() && !o.slurm_submit) {
    usage("--sbatch-option without --slurm-submit",
          "add --slurm-submit, or drop --sbatch-option (inside an allocation there is no sbatch)");
  }
  if (!o.network.empty() && !host_list) {
    usage("--network without a host list", "--network chooses the TCP network between --hosts; drop it");
  }
}

}  // namespace

bool parseDuration(const std::string& text, double* seconds) {
  if (text.empty()) return false;
  double scale = 1;
  std::string number = text;
  switch (text.back()) {
    case 's': scale = 1; number.pop_back(); break;
    case 'm': scale = 60; number.pop_back(); break;
    case 'h': scale = 3600; number.pop_back(); break;
    default: break;
  }
  auto value = parseNonNegative(number);
  if (!value || *value * scale > 1e9) return false;
  *seconds = *value * scale;
  return true;
}

std::vector<std::string> withoutEnvValues(const std::vector<std::string>& argv) {
  auto hide = [](const std::string& assignment) {
    const auto eq = assignment.find('=');
    return eq == std::string::npos ? assignment : assignment.substr(0, eq + 1) + "<hidden>";
  };
  std::vector<std::string> out;
  bool program = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (program || i == 0) {
      out.push_back(a);
    } else if (a == "--") {
      program = true;
      out.push_back(a);
    } else if (a == "--env" && i + 1 < argv.size()) {
      out.push_back(a);
      out.push_back(hide(argv[++i]));
    } else if (a.rfind("--env=", 0) == 0) {
      out.push_back("--env=" + hide(a.substr(6)));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

Options parseOptions(const std::vector<std::string>& args) {
  Options o;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-') break;  // the program
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    auto spec = specs().find(name);
    if (spec == specs().end()) unknownOption(name);
    std::string value;
    if (spec->second.takes_value) {
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        usage(name + " needs a value", "write e.g. " + name + " VALUE");
      }
    } else if (eq != std::string::npos) {
      usage(name + " takes no value", "write " + name + " alone");
    }
    spec->second.apply(o, name, value);
  }
  o.program.assign(args.begin() + static_cast<long>(std::min(i, args.size())), args.end());
  if (o.help || o.version) return o;
  checkContradictions(o);
  if (o.program.empty() || o.program[0].empty()) {
    usage("no program to run", "write cohortrun [options] -- PROGRAM [ARGS...], e.g. cohortrun "
                               "--procs-per-node 2 -- ./trainer --epochs 3");
  }
  return o;
}

}  // namespace cohort::launcher
