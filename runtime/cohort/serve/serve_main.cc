#include "cohort/serve/serve_main.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

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

// The help after its "usage: NAME" line (no printf format: it holds '%').
const char* kHelp =
    " MODEL [options]\n"
    "Serves MODEL over the Open Inference Protocol (KServe v2) on HTTP/1.1.\n"
    "MODEL: NAME, NAME:VERSION or NAME@ALIAS in the model registry, or a model folder\n"
    "       written with a '/' (./model, outputs/model)\n"
    "\n"
    "  --host ADDRESS       where to listen (default 127.0.0.1)\n"
    "  --port N             (default 8000; 0: any free port, printed)\n"
    "  --max-batch ROWS     rows in one forward pass (default 32)\n"
    "  --max-delay-ms MS    how long a batch waits for more requests (default 2; 0: never)\n"
    "  --max-queue N        requests waiting; more are answered 503 (default 1024)\n"
    "  --max-body-mb MB     larger bodies are answered 413 (default 64)\n"
    "  --timeout-ms MS      a request still queued after this is answered 504 (default 30000)\n"
    "  --drain-seconds S    on SIGTERM, time for accepted requests to finish (default 30)\n"
    "  --threads N          connection threads (default 2)\n"
    "  --registry URL       the model registry (default: COHORT_REGISTRY, else "
    "~/.cohort/registry)\n"
    "  --canary REF=P%      send P% of the requests to another version (NAME@ALIAS or NAME:V)\n"
    "  --follow             with NAME@ALIAS: serve the version the alias names as it moves\n"
    "  --follow-seconds S   how often the registry is asked (default 5)\n"
    "  --name NAME          the name clients use, /v2/models/NAME (default: the registered\n"
    "                       name, or \"model\" for a folder)\n"
    "  -h,--help            print this help and exit\n"
    "\n"
    "Examples:\n"
    "  cohort-serve fashion-mnist@prod --follow\n"
    "  cohort-serve fashion-mnist@prod --canary fashion-mnist@staging=10% --port 8080\n"
    "  cohort-serve ./outputs/model --name my-model\n"
    "  fashion_mnist serve fashion-mnist@prod   (a trainer serving its own architecture)\n";

// "cohort-serve" for the tool, "serve" for a trainer's subcommand.
std::string programName(const char* argv0) {
  return std::filesystem::path(argv0).filename().string();
}

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

// The options, or nullopt after --help.
std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(("usage: " + programName(argv[0]) + kHelp).c_str(), stdout);
      return std::nullopt;
    }
    if (arg.rfind("--help=", 0) == 0) {
      throw ConfigError("--help takes no value",
                        programName(argv[0]) + " --help lists every option");
    }
    if (arg == "--follow") {
      o.follow = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!o.model.empty()) throw ConfigError("a second MODEL '" + arg + "'", "serve one model");
      o.model = arg;
      continue;
    }
    static const std::set<std::string> kWithValue = {
        "--host",        "--port",           "--max-batch",     "--max-delay-ms", "--max-queue",
        "--max-body-mb", "--timeout-ms",     "--drain-seconds", "--threads",      "--registry",
        "--canary",      "--follow-seconds", "--name"};
    if (kWithValue.count(arg) == 0) {
      throw ConfigError("unknown option '" + arg.substr(0, 80) + "'",
                        programName(argv[0]) + " --help lists every option");
    }
    if (i + 1 >= argc) {
      throw ConfigError(arg + " needs a value",
                        programName(argv[0]) + " --help lists every option");
    }
    const std::string value = argv[++i];
    auto whole = [&](int64_t least, int64_t most) { return requireWhole(value, least, most, arg); };
    if (arg == "--host") {
      o.server.host = value;
    } else if (arg == "--port") {
      o.server.port = static_cast<int>(whole(0, 65535));
    } else if (arg == "--max-batch") {
      o.server.batching.max_batch = whole(1, 1 << 20);
    } else if (arg == "--max-delay-ms") {
      o.server.batching.max_delay = std::chrono::microseconds(whole(0, 60000) * 1000);
    } else if (arg == "--max-queue") {
      o.server.batching.max_queue = static_cast<int>(whole(1, 1 << 24));
    } else if (arg == "--max-body-mb") {
      o.server.max_body_bytes = whole(1, 1 << 14) << 20;
    } else if (arg == "--timeout-ms") {
      o.server.request_timeout = std::chrono::milliseconds(whole(1, 3600000));
    } else if (arg == "--drain-seconds") {
      o.server.drain_seconds = static_cast<double>(whole(0, 3600));
    } else if (arg == "--threads") {
      o.server.threads = static_cast<int>(whole(1, 256));
    } else if (arg == "--registry") {
      o.registry = value;
    } else if (arg == "--canary") {
      const size_t eq = value.rfind('=');
      std::string problem;
      const std::string percent = eq == std::string::npos ? "" : value.substr(eq + 1);
      const auto share =
          readReal(percent.empty() || percent.back() != '%' ? std::string("x")
                                                            : percent.substr(0, percent.size() - 1),
                   0, 100, &problem, /*above_least=*/true);
      if (eq == std::string::npos || eq == 0 || !share) {
        throw ConfigError("--canary " + value.substr(0, 80) + " is not REF=P% with P in (0, 100]",
                          "write it as fashion-mnist@staging=10%");
      }
      o.canary = value.substr(0, eq);
      o.canary_share = *share / 100;
    } else if (arg == "--follow-seconds") {
      o.follow_seconds = static_cast<double>(whole(1, 3600));
    } else if (arg == "--name") {
      registry::checkName(value, "--name");
      o.name = value;
    } else {
      throw ConfigError("unknown option '" + arg.substr(0, 80) + "'",
                        programName(argv[0]) + " --help lists every option");
    }
  }
  if (o.follow &&
      (o.model.find('/') != std::string::npos || o.model.find('@') == std::string::npos))
    throw ConfigError("--follow needs MODEL as NAME@ALIAS, not " + o.model,
                      "name the alias to follow, such as fashion-mnist@prod");
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
    std::unique_ptr<AliasFollower> follower;
    if (options.follow) {
      const registry::ModelRef ref = registry::parseModelRef(options.model);
      follower = std::make_unique<AliasFollower>(
          server,
          FollowOptions{ref.name, ref.alias, options.registry, options.name, scratch,
                        options.follow_seconds},
          settings, factory);
    }
    const int dropped = server.run();
    follower.reset();
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
