#include "cohort/serve/serve_main.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/log.h"
#include "cohort/core/number.h"
#include "cohort/registry/model_ref.h"
#include "cohort/serve/alias_follower.h"
#include "cohort/serve/model_source.h"
#include "cohort/serve/server.h"

namespace cohort::serve {

namespace {

struct Options {
  std::string model;
  std::string registry;
  std::string name;
  bool follow = false;
  std::string canary;       // the canary's MODEL
  double canary_share = 0;  // 0-1
  double follow_seconds = 5;
  ServerOptions server;
};

// "cohort-serve" for the tool, "serve" for a trainer's subcommand.
std::string programName(const char* argv0) {
  return std::filesystem::path(argv0).filename().string();
}

// "REF=P%" of --canary: the canary's MODEL and its share (0-1].
std::pair<std::string, double> canaryOf(const std::string& value) {
  const size_t eq = value.rfind('=');
  const std::string percent = eq == std::string::npos ? "" : value.substr(eq + 1);
  std::string problem = "no '=P%'";
  std::optional<double> share;
  if (!percent.empty() && percent.back() == '%')
    share = readReal(percent.substr(0, percent.size() - 1), 0, 100, &problem, /*above_least=*/true);
  if (eq == std::string::npos || eq == 0 || !share) {
    throw ConfigError(
        "--canary " + value.substr(0, 80) + " is not REF=P% with P in (0, 100] (" + problem + ")",
        "write it as fashion-mnist@staging=10%");
  }
  return {value.substr(0, eq), *share / 100};
}

// Every option, named once: its value's name ("" for a flag), its help, and
// what it sets (the value checked, its range said when it is refused).
struct Option {
  const char* name;
  const char* value;
  const char* help;
  void (*set)(Options& o, const std::string& name, const std::string& value);
};
int64_t whole(const std::string& name, const std::string& value, int64_t least, int64_t most) {
  return requireWhole(value, least, most, name);
}
const Option kOptions[] = {
    {"--host", "ADDRESS", "where to listen (default 127.0.0.1)",
     [](Options& o, const std::string&, const std::string& v) { o.server.host = v; }},
    {"--port", "N", "(default 8000; 0: any free port, printed)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.port = static_cast<int>(whole(n, v, 0, 65535));
     }},
    {"--max-batch", "ROWS", "rows in one forward pass (default 32)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.batching.max_batch = whole(n, v, 1, 1 << 20);
     }},
    {"--max-delay-ms", "MS", "how long a batch waits for more requests (default 2; 0: never)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.batching.max_delay = std::chrono::microseconds(whole(n, v, 0, 60000) * 1000);
     }},
    {"--max-queue", "N", "requests waiting; more are answered 503 (default 1024)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.batching.max_queue = static_cast<int>(whole(n, v, 1, 1 << 24));
     }},
    {"--max-body-mb", "MB", "larger bodies are answered 413 (default 64)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.max_body_bytes = whole(n, v, 1, 1 << 14) << 20;
     }},
    {"--timeout-ms", "MS", "a request still queued after this is answered 504 (default 30000)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.request_timeout = std::chrono::milliseconds(whole(n, v, 1, 3600000));
     }},
    {"--drain-seconds", "S", "on SIGTERM, time for accepted requests to finish (default 30)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.drain_seconds = static_cast<double>(whole(n, v, 0, 3600));
     }},
    {"--threads", "N", "connection threads (default 2)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.server.threads = static_cast<int>(whole(n, v, 1, 256));
     }},
    {"--registry", "URL", "the model registry (default: COHORT_REGISTRY, else ~/.cohort/registry)",
     [](Options& o, const std::string&, const std::string& v) { o.registry = v; }},
    {"--canary", "REF=P%", "send P% of the requests to another version (NAME@ALIAS or NAME:V)",
     [](Options& o, const std::string&, const std::string& v) {
       std::tie(o.canary, o.canary_share) = canaryOf(v);
     }},
    {"--follow", "",
     "serve the version MODEL's alias (NAME@ALIAS) names as it moves,\n"
     "                       and the --canary's when it is NAME@ALIAS",
     [](Options& o, const std::string&, const std::string&) { o.follow = true; }},
    {"--follow-seconds", "S", "how often the registry is asked (default 5)",
     [](Options& o, const std::string& n, const std::string& v) {
       o.follow_seconds = static_cast<double>(whole(n, v, 1, 3600));
     }},
    {"--name", "NAME",
     "the name in /v2/models/NAME (default: the registered name, \"model\" for a folder)",
     [](Options& o, const std::string&, const std::string& v) {
       registry::checkName(v, "--name");
       o.name = v;
     }},
};

std::string helpText(const std::string& program) {
  std::string text = "usage: " + program +
                     " MODEL [options]\n"
                     "Serves MODEL over the Open Inference Protocol (KServe v2) on HTTP/1.1.\n"
                     "MODEL: NAME, NAME:VERSION or NAME@ALIAS in the model registry, or a model "
                     "folder\n       written with a '/' (./model, outputs/model)\n\n";
  const auto line = [&text](const std::string& left, const char* help) {
    text += "  " + left + std::string(left.size() < 21 ? 21 - left.size() : 1, ' ') + help + "\n";
  };
  for (const Option& option : kOptions)
    line(std::string(option.name) + (*option.value ? " " : "") + option.value, option.help);
  line("-h,--help", "print this help and exit");
  return text +
         "\nExamples:\n"
         "  cohort-serve fashion-mnist@prod --follow\n"
         "  cohort-serve fashion-mnist@prod --canary fashion-mnist@staging=10% --port 8080\n"
         "  cohort-serve ./outputs/model --name my-model\n"
         "  fashion_mnist serve fashion-mnist@prod   (a trainer serving its own architecture)\n";
}

// NAME@ALIAS (a registered model's alias, not a folder).
bool isAlias(const std::string& model) {
  return model.find('/') == std::string::npos && model.find('@') != std::string::npos;
}

// The options, or nullopt after --help.
std::optional<Options> parse(int argc, char** argv) {
  const std::string program = programName(argv[0]);
  const std::string advice = program + " --help lists every option";
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(helpText(program).c_str(), stdout);
      return std::nullopt;
    }
    if (arg.rfind("--help=", 0) == 0) throw ConfigError("--help takes no value", advice);
    if (arg.rfind("--", 0) != 0) {
      if (!o.model.empty()) throw ConfigError("a second MODEL '" + arg + "'", "serve one model");
      o.model = arg;
      continue;
    }
    const Option* option = nullptr;
    for (const Option& candidate : kOptions) {
      if (arg == candidate.name) option = &candidate;
    }
    if (!option) throw ConfigError("unknown option '" + arg.substr(0, 80) + "'", advice);
    std::string value;
    if (*option->value) {
      if (i + 1 >= argc) throw ConfigError(arg + " needs a value", advice);
      value = argv[++i];
    }
    option->set(o, arg, value);
  }
  if (o.follow && !isAlias(o.model) && !isAlias(o.canary)) {
    throw ConfigError("--follow needs MODEL or the --canary as NAME@ALIAS, not " + o.model,
                      "name the alias to follow, such as fashion-mnist@prod");
  }
  if (o.model.empty())
    throw ConfigError("no MODEL to serve",
                      "name a registered model or a model folder (see --help)");
  return o;
}

// LOGS/serve.log (COHORT_LOGS_DIR, else ./logs), appended to, as every
// cohort tool logs to its logs folder.
UniqueFd openLog(const std::string& logs_dir) {
  std::error_code error;
  std::filesystem::create_directories(logs_dir, error);
  const std::string path = logs_dir + "/serve.log";
  UniqueFd fd(openToWrite(path, O_WRONLY | O_CREAT | O_APPEND));
  if (fd.fd < 0) {
    throw ConfigError("cannot write the log: " + openToWriteProblem(path, errno),
                      "set COHORT_LOGS_DIR to a folder this user can write");
  }
  return fd;
}

}  // namespace

int run(int argc, char** argv, const ModelFactory& factory) {
  Options options;
  try {
    const auto parsed = parse(argc, argv);
    if (!parsed) return 0;
    options = *parsed;
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", programName(argv[0]).c_str(), e.what());
    return 2;
  }
  const std::string scratch =
      (std::filesystem::temp_directory_path() / ("cohort-serve-" + std::to_string(::getpid())))
          .string();
  int status = 0;
  UniqueFd log_file;
  try {
    const Settings settings = Settings::fromEnvironment(processEnv());
    log_file = openLog(settings.logs_dir);
    log::copyTo(log_file.fd);
    ModelFiles files = fetchModel(options.model, options.registry, settings, scratch);
    if (!options.name.empty()) files.identity.name = options.name;
    auto model = loadModel(files, factory);
    const ModelIdentity identity = model->identity();
    Server server(options.server, std::move(model));
    if (!options.canary.empty()) {
      ModelFiles canary = fetchModel(options.canary, options.registry, settings, scratch);
      canary.identity.name = identity.name;  // one model, two versions
      if (canary.identity.version == identity.version) {
        throw ConfigError("--canary " + options.canary + " is version " + identity.version +
                              ", the one already served",
                          "name another version for the canary");
      }
      auto canary_model = loadModel(canary, factory);
      canary_model->warm();
      char share[32];
      std::snprintf(share, sizeof share, "%.4g%%", options.canary_share * 100);
      log::info("cohort-serve: " + std::string(share) + " of the requests go to version " +
                canary_model->identity().version + " (sha256 " + canary_model->identity().sha256 +
                ")");
      server.setCanary(std::move(canary_model), options.canary_share);
    }
    log::info("cohort-serve: serving " + identity.name +
              (identity.version.empty() ? " from a folder" : " version " + identity.version) +
              " (sha256 " + identity.sha256 + ") on http://" + options.server.host + ":" +
              std::to_string(server.boundPort()));
    std::vector<std::unique_ptr<AliasFollower>> followers;
    for (const auto& [model, canary] : {std::pair{options.model, false}, {options.canary, true}}) {
      if (!options.follow || !isAlias(model)) continue;
      const registry::ModelRef ref = registry::parseModelRef(model);
      // Every version it swaps in is served under the name the server has;
      // the canary's follower downloads into a folder of its own, so the two
      // never fetch into (or clear) one folder when both aliases name a version.
      FollowOptions follow{ref.name,
                           ref.alias,
                           options.registry,
                           identity.name,
                           canary ? scratch + "/canary" : scratch,
                           options.follow_seconds};
      follow.canary = canary;
      followers.push_back(std::make_unique<AliasFollower>(server, follow, settings, factory));
    }
    const int dropped = server.run();
    followers.clear();
    log::info("cohort-serve: stopped; " + std::to_string(dropped) + " request(s) dropped");
    if (dropped > 0) status = 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", programName(argv[0]).c_str(), e.what());
    if (log_file.fd >= 0) writeAll(log_file.fd, std::string("error: ") + e.what() + "\n");
    status = 1;
  }
  log::copyTo(-1);
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  return status;
}

}  // namespace cohort::serve
