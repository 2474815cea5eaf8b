#include "cohortrun/options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/registry/model_ref.h"
#include "cohortrun/help_text.h"
#include "common/command_line.h"
#include "common/duration.h"

namespace cohort::launcher {

namespace {

using cli::CommandLine;

bool validEnvName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
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

std::string unknownOptionHint(const std::string& name, const std::string& nearest) {
  auto foreign = foreignOptions().find(name);
  if (foreign != foreignOptions().end()) return foreign->second;
  if (!nearest.empty()) return "did you mean " + nearest + "?";
  return "put the program after '--' if " + name +
         " is meant for it: cohortrun [options] -- PROGRAM " + name;
}

double duration(const CommandLine& cl, const std::string& option, const std::string& text,
                bool positive, const std::string& example) {
  double seconds = 0;
  if (!parseDuration(text, &seconds) || (positive && seconds <= 0)) {
    cl.fail(option + " '" + text + "' is not a duration", "write e.g. " + option + " " + example);
  }
  return seconds;
}

void checkEnv(const CommandLine& cl, const std::string& option, const std::string& name,
              const std::string& value) {
  if (value.find('=') == std::string::npos || !validEnvName(name)) {
    cl.fail(option + " '" + value + "' is not NAME=VALUE", "write e.g. --env OMP_NUM_THREADS=4");
  }
  static const char* kReserved[] = {
      "COHORT_RUN_ID", "COHORT_RESTART_COUNT", "COHORT_OUTPUTS_DIR", "COHORT_LOGS_DIR",
      "COHORT_RANK",   "COHORT_WORLD_SIZE",    "COHORT_LOCAL_RANK",  "COHORT_LOCAL_SIZE"};
  for (const char* reserved : kReserved) {
    if (name == reserved) {
      cl.fail(option + " " + name + ": cohortrun sets " + name + " for every rank itself",
              "use --outputs, --logs or --run-id, and leave ranks and sizes to cohortrun");
    }
  }
}

// --env-file FILE: NAME=VALUE lines (blank lines and lines starting with #
// skipped), each checked as --env checks its value.
void readEnvFile(const CommandLine& cl, const std::string& option, const std::string& path,
                 std::vector<std::pair<std::string, std::string>>* env) {
  std::ifstream in(path);
  if (!in) {
    cl.fail(option + ": cannot read " + path + ": " + std::strerror(errno),
            "give a readable file of NAME=VALUE lines; a batch script's file (LOGS/sbatch-RUN.env) "
            "is removed when its job ends: submit again with cohortrun --slurm-submit");
  }
  std::string assignment;
  for (int line = 1; std::getline(in, assignment); ++line) {
    if (assignment.empty() || assignment[0] == '#') continue;
    const std::string name = assignment.substr(0, assignment.find('='));
    const std::string where = option + " " + path + ":" + std::to_string(line);
    if (assignment.find('=') == std::string::npos || !validEnvName(name)) {
      // The line itself is not repeated: it may hold a secret.
      cl.fail(where + " is not a NAME=VALUE line",
              "write one variable per line, its name of letters, digits and _");
    }
    checkEnv(cl, where, name, assignment);
    env->emplace_back(name, assignment.substr(assignment.find('=') + 1));
  }
}

// Every option of cohortrun, described once: the help lists them from here.
void defineOptions(CommandLine& cl, Options& o) {
  using S = const std::string&;
  const CommandLine* c = &cl;
  cl.value("--nodes", "N",
           "nodes to use (default: all hosts, all nodes of the\n"
           "allocation, or 1 on one machine)",
           [&o, c](S n, S v) { o.nodes = static_cast<int>(c->count(n, v, 1, 1000000)); });
  cl.value("--procs-per-node", "P",
           "ranks per node (default: the hosts' slot count, the\n"
           "allocation's tasks per node, or 1)",
           [&o, c](S n, S v) { o.procs_per_node = static_cast<int>(c->count(n, v, 1, 1000000)); });
  cl.value("--hosts", "h1:4,h2:4",
           "these hosts over ssh (host:slots; Slurm host lists\n"
           "work too: node[01-04]:8)",
           [&o](S, S v) { o.hosts = v; });
  cl.value("--hostfile", "FILE", "the hosts of an mpirun hostfile (\"h1 slots=4\")",
           [&o](S, S v) { o.hostfile = v; });
  cl.flag("--slurm-submit", "write an sbatch script into LOGS and submit it",
          [&o] { o.slurm_submit = true; });
  cl.value("--max-restarts", "K",
           "start a failed job again, up to K times (default 0);\n"
           "ranks see the count in COHORT_RESTART_COUNT",
           [&o, c](S n, S v) { o.max_restarts = static_cast<int>(c->count(n, v, 0, 1000000)); });
  cl.value("--outputs", "DIR", "COHORT_OUTPUTS_DIR for the ranks (default ./outputs)",
           [&o](S, S v) { o.outputs = v; });
  cl.value("--logs", "DIR", "logs folder (default ./logs)", [&o](S, S v) { o.logs = v; });
  cl.value("--env", "NAME=VALUE", "set a variable in every rank (repeatable)", [&o, c](S n, S v) {
    const std::string name = v.substr(0, v.find('='));
    checkEnv(*c, n, name, v);
    o.env.emplace_back(name, v.substr(v.find('=') + 1));
  });
  cl.value("--env-file", "FILE",
           "set the variables of FILE (NAME=VALUE lines) in every\n"
           "rank, keeping their values off command lines; the batch\n"
           "script of --slurm-submit passes --env this way",
           [&o, c](S n, S v) { readEnvFile(*c, n, v, &o.env); });
  cl.value(
      "--upload", "URL",
      "copy the logs folder to URL/logs during the run\n"
      "(every --upload-interval), each committed checkpoint\n"
      "and at the end the whole outputs folder to\n"
      "URL/outputs; URL: azure://ACCOUNT/CONTAINER[/PREFIX],\n"
      "http(s)://HOST:PORT/ACCOUNT/CONTAINER[/PREFIX] or\n"
      "hdfs://NAMENODE:PORT/PATH. Credentials only from the\n"
      "environment (COHORT_AZURE_ACCOUNT_KEY,\n"
      "COHORT_AZURE_SAS_TOKEN, COHORT_CREDENTIALS_FILE)",
      [&o, c](S n, S v) {
        if (v.find('?') != std::string::npos) {
          c->fail(
              n + ": the URL has a query string, and a SAS token must not be on the command line",
              "give the URL without '?...' and the token in COHORT_AZURE_SAS_TOKEN or "
              "COHORT_CREDENTIALS_FILE");
        }
        o.upload_url = v;
      });
  cl.value("--register", "NAME",
           "when the job succeeds, register OUTPUTS/model as the next\n"
           "version of NAME in the model registry (cohort-model), with\n"
           "the run's lineage",
           [&o, c](S n, S v) {
             try {
               registry::checkName(v, "model name");
             } catch (const ConfigError& e) {
               c->fail(n + ": " + e.detail(), e.hint());
             }
             o.register_name = v;
           });
  cl.value(
      "--registry", "URL",
      "the registry for --register (default: COHORT_REGISTRY,\n"
      "else ~/.cohort/registry): a folder, azure://... or hdfs://...",
      [&o, c](S n, S v) {
        if (v.find('?') != std::string::npos) {
          c->fail(
              n + ": the URL has a query string, and a SAS token must not be on the command line",
              "give the URL without '?...' and the token in COHORT_AZURE_SAS_TOKEN");
        }
        o.registry = v;
      });
  cl.value("--upload-interval", "DURATION", "between copies of the logs (default 30s)",
           [&o, c](S n, S v) { o.upload_interval_s = duration(*c, n, v, true, "30s or 5m"); });
  cl.value("--console-ranks", "LIST",
           "ranks whose output the terminal shows: all (default),\n"
           "none, or e.g. 0,2-3; every rank's log is kept anyway",
           [&o](S n, S v) { o.console_ranks = RankSet::parse(v, n); });
  cl.value("--timeout", "DURATION", "stop the whole job after this long (90s, 30m, 12h)",
           [&o, c](S n, S v) { o.timeout_s = duration(*c, n, v, true, "90s, 30m or 12h"); });
  cl.value("--grace-period", "DURATION",
           "how long ranks get between SIGTERM and SIGKILL when\n"
           "the job is stopped (default 10s)",
           [&o, c](S n, S v) { o.grace_s = duration(*c, n, v, false, "30s"); });
  cl.value("--network", "CIDR|IFACE",
           "the TCP network between hosts (default: the local\n"
           "network that reaches every host)",
           [&o](S, S v) { o.network = v; });
  cl.value("--engine", "auto|mpirun|srun",
           "force an engine (default auto: srun inside a Slurm\n"
           "allocation, mpirun elsewhere)",
           [&o, c](S n, S v) {
             if (v == "auto")
               o.engine = EngineChoice::kAuto;
             else if (v == "mpirun")
               o.engine = EngineChoice::kMpirun;
             else if (v == "srun")
               o.engine = EngineChoice::kSrun;
             else
               c->fail(n + " '" + v + "' is not an engine", "write --engine mpirun, srun or auto");
           });
  cl.value("--engine-option", "ARG", "pass ARG to mpirun or srun as is (repeatable)",
           [&o](S, S v) { o.engine_options.push_back(v); });
  cl.value("--sbatch-option", "OPT",
           "with --slurm-submit: an #SBATCH line (repeatable),\n"
           "e.g. --sbatch-option=--partition=gpu",
           [&o](S, S v) { o.sbatch_options.push_back(v); });
  cl.value("--run-id", "ID", "name the run (default: time and a random suffix)", [&o, c](S n, S v) {
    bool ok = !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    });
    if (!ok) c->fail(n + " '" + v + "' is not a run id", "use letters, digits, '-', '_' and '.'");
    o.run_id = v;
  });
  cl.flag("--dry-run", "print the engine command (or sbatch script), run\nnothing",
          [&o] { o.dry_run = true; });
  cl.flag("--version", "print cohortrun's version", [&o] { o.version = true; });
  cl.helpFlag(&o.help);
  cl.onUnknownOption(unknownOptionHint);
  cl.takesProgram();
}

void checkContradictions(const CommandLine& cl, const Options& o) {
  auto usage = [&cl](const std::string& what, const std::string& hint) { cl.fail(what, hint); };
  if (!o.hosts.empty() && !o.hostfile.empty()) {
    usage("--hosts and --hostfile both given",
          "give the hosts once: --hosts h1:4,h2:4 or --hostfile FILE");
  }
  bool host_list = !o.hosts.empty() || !o.hostfile.empty();
  if (o.slurm_submit && host_list) {
    usage(
        "--slurm-submit with a host list: Slurm chooses the hosts of a batch job",
        "drop --hosts/--hostfile to submit to Slurm, or drop --slurm-submit to run on your hosts");
  }
  if (o.slurm_submit && o.engine == EngineChoice::kMpirun) {
    usage("--slurm-submit with --engine mpirun",
          "drop --engine: a batch job runs its ranks with srun");
  }
  if (!o.sbatch_options.empty() && !o.slurm_submit) {
    usage("--sbatch-option without --slurm-submit",
          "add --slurm-submit, or drop --sbatch-option (inside an allocation there is no sbatch)");
  }
  if (!o.network.empty() && !host_list) {
    usage("--network without a host list",
          "--network chooses the TCP network between --hosts; drop it");
  }
}

}  // namespace

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
  CommandLine cl("cohortrun", helpDescription(), helpFooter());
  defineOptions(cl, o);
  o.program = cl.parse(args);
  if (o.help || o.version) return o;
  checkContradictions(cl, o);
  if (o.program.empty() || o.program[0].empty()) {
    cl.fail("no program to run",
            "write cohortrun [options] -- PROGRAM [ARGS...], e.g. cohortrun "
            "--procs-per-node 2 -- ./trainer --epochs 3");
  }
  return o;
}

std::string helpText() {
  Options o;
  CommandLine cl("cohortrun", helpDescription(), helpFooter());
  defineOptions(cl, o);
  return cl.help();
}

}  // namespace cohort::launcher
