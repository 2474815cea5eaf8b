// cohort-model: a registry of trained models with lineage, on a folder,
// Azure Blob Storage or HDFS (docs/registry.md). Its command line follows
// Note [Command lines]; each command is a thin layer over cohort/registry
// (model_commands.h).
//
//   cohort-model register fmnist --from outputs --tag owner=vision
//   cohort-model list [NAME]
//   cohort-model show fmnist@production
//   cohort-model alias fmnist:3 production        cohort-model alias --remove fmnist staging
//   cohort-model download fmnist:3 ./model
//   cohort-model lineage fmnist:3                  cohort-model verify fmnist@production
//   cohort-model check                             cohort-model gc [NAME] [--remove]
//   cohort-model containerize fmnist@production --to image [--push REGISTRY/REPO:TAG]
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "cohort/registry/model_ref.h"
#include "cohort/registry/registry_location.h"
#include "cohort/registry/run_outputs.h"
#include "common/command_line.h"
#include "common/run_tool.h"
#include "model/containerize.h"
#include "model/model_commands.h"

namespace {

using cohort::cli::CommandLine;
using S = const std::string&;

constexpr const char* kDescription =
    R"(cohort-model: versioned, immutable models with lineage, in a folder, Azure Blob Storage or HDFS

usage: cohort-model [--registry URL] [--json] COMMAND ARGS... [options]

A version is what a run left in OUTPUTS/model, registered with the run's lineage
(its run record, code, data sets and sweep trial). `cohort-model COMMAND --help`
describes each command.)";

constexpr const char* kFooter = R"(Examples:
  cohort-model register fmnist --from outputs --tag owner=vision
  cohort-model list
  cohort-model alias fmnist:3 production
  cohort-model download fmnist@production ./model
  cohort-model --registry azure://myaccount/models/registry lineage fmnist:3

Credentials come from the environment (COHORT_AZURE_ACCOUNT_KEY, COHORT_AZURE_SAS_TOKEN,
COHORT_HDFS_*, COHORT_CREDENTIALS_FILE), never the command line.

Exit status: 0 done; 2 bad command line or input (an unknown name, version or alias,
a refused name); 1 the registry or a record failed (named); verify: 1 a damaged file,
3 a data set changed.)";

constexpr const char* kModelRef = "NAME, NAME:VERSION or NAME@ALIAS";

struct ModelCommand {
  std::string registry;
  bool json = false;
  bool help = false;
  cohort::registry::RunOutputs reg;
  std::string name, ref, dir, alias;
  bool remove = false;
  double grace_hours = 24;
  cohort::model::ContainerizeOptions image;
};

std::string footer(const std::string& examples) { return "Examples:\n" + examples; }

// Every command of cohort-model and its options, described once.
void defineCommands(CommandLine& cl, ModelCommand& m) {
  cl.value("--registry", "URL",
           "where the registry lives: a folder,\n"
           "azure://ACCOUNT/CONTAINER/PREFIX or\n"
           "hdfs://NAMENODE:PORT/PATH (default: COHORT_REGISTRY,\n"
           "else ~/.cohort/registry)",
           [&m](S, S v) { m.registry = v; });
  cl.flag("--json", "print JSON instead of a table", [&m] { m.json = true; });
  cl.helpFlag(&m.help);

  CommandLine& reg =
      cl.command("register", "register OUTPUTS/model as the next version of NAME",
                 "cohort-model register NAME --from OUTPUTS [--logs DIR] [--tag KEY=VALUE]...",
                 "The run's lineage comes from LOGS (run.json, the data sets it read, trial.json).",
                 footer("  cohort-model register fmnist --from outputs --tag owner=vision\n"));
  reg.argument("NAME", "the model's name", true, [&m](S v) { m.reg.name = v; });
  reg.value("--from", "OUTPUTS", "the run's outputs folder (holding model/)",
            [&m](S, S v) { m.reg.outputs = v; });
  reg.value("--logs", "DIR", "the run's logs folder (default: logs/ beside\nOUTPUTS, if there)",
            [&m](S, S v) { m.reg.logs = v; });
  const CommandLine* r = &reg;
  reg.value("--tag", "KEY=VALUE", "a tag (repeatable)", [&m, r](S n, S v) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0)
      r->fail(n + " '" + v + "' is not KEY=VALUE", "write --tag KEY=VALUE");
    m.reg.tags[v.substr(0, eq)] = v.substr(eq + 1);
  });

  CommandLine& list =
      cl.command("list", "the models, or the versions of NAME", "cohort-model list [NAME]", "",
                 footer("  cohort-model list\n  cohort-model list fmnist --json\n"));
  list.argument("NAME", "a model's name", false, [&m](S v) { m.name = v; });

  CommandLine& show =
      cl.command("show", "one version: files, aliases, tags, and the alias history",
                 "cohort-model show MODEL", "", footer("  cohort-model show fmnist@production\n"));
  show.argument("MODEL", kModelRef, true, [&m](S v) { m.ref = v; });

  CommandLine& download = cl.command(
      "download", "copy a version's files into a new folder, checking each file's xxh128",
      "cohort-model download MODEL DIR",
      "Each file is checked against the xxh128 its version recorded (its sha256 in\n"
      "records made before xxh128); on a mismatch nothing is left at DIR.",
      footer("  cohort-model download fmnist@production ./model\n"));
  download.argument("MODEL", kModelRef, true, [&m](S v) { m.ref = v; });
  download.argument("DIR", "a folder that does not exist yet (or is empty)", true,
                    [&m](S v) { m.dir = v; });

  CommandLine& alias = cl.command(
      "alias", "point an alias at a version (NAME:VERSION ALIAS), or --remove NAME ALIAS",
      "cohort-model alias NAME:VERSION ALIAS | cohort-model alias --remove NAME ALIAS",
      "Every move is kept in the model's alias history (show).",
      footer("  cohort-model alias fmnist:3 production\n"
             "  cohort-model alias --remove fmnist staging\n"));
  alias.argument("MODEL", "NAME:VERSION (NAME with --remove)", true, [&m](S v) { m.ref = v; });
  alias.argument("ALIAS", "the alias, e.g. production", true, [&m](S v) { m.alias = v; });
  alias.flag("--remove", "remove the alias instead", [&m] { m.remove = true; });

  CommandLine& lineage = cl.command(
      "lineage", "the chain: model <- run <- code, data sets, sweep trial",
      "cohort-model lineage MODEL", "", footer("  cohort-model lineage fmnist:3 --json\n"));
  lineage.argument("MODEL", kModelRef, true, [&m](S v) { m.ref = v; });

  CommandLine& verify =
      cl.command("verify", "re-hash the stored files and re-read each data set's index.json",
                 "cohort-model verify MODEL",
                 "Exit status: 0 when all is as registered, 1 for a damaged file, 3 when a\n"
                 "data set changed or cannot be read.",
                 footer("  cohort-model verify fmnist@production\n"));
  verify.argument("MODEL", kModelRef, true, [&m](S v) { m.ref = v; });

  cl.command("check", "check that the registry can be reached, read and written",
             "cohort-model check",
             "Creates the registry if needed, then writes and removes a small probe\n"
             "object: exit 0, else 1 saying what failed.",
             footer("  cohort-model --registry hdfs://namenode:9870/user/me/registry check\n"));

  CommandLine& gc =
      cl.command("gc", "list (and with --remove remove) what failed registrations left",
                 "cohort-model gc [NAME] [--older-than HOURS] [--remove]",
                 "A registration that never committed (killed or failed) leaves a claim and\n"
                 "files; registrations younger than --older-than are left alone.",
                 footer("  cohort-model gc\n  cohort-model gc fmnist --older-than 48 --remove\n"));
  CommandLine& image = cl.command(
      "containerize", "write a version as an OCI image that serves it (no daemon, no network)",
      "cohort-model containerize MODEL --to DIR [--tag TAG] [--push REGISTRY/REPO:TAG]",
      "Two layers: the server and every library it loads, then a registry holding\n"
      "only this version; the server checks each file's sha256 when it starts. The\n"
      "same version and server give the same digest; a rebuild into the same DIR\n"
      "keeps a layer whose content did not change.",
      footer("  cohort-model containerize fmnist@production --to fmnist-image\n"
             "  cohort-model containerize fmnist:3 --to img --push REGISTRY/ml/fmnist:3\n"
             "  cohort-model containerize fmnist:3 --to img --server ./fashion_mnist \\\n"
             "      --server-arg serve   (a trainer serving its own architecture)\n"));
  image.argument("MODEL", kModelRef, true, [&m](S v) { m.image.ref = v; });
  image.value("--to", "DIR", "the OCI image layout folder (new, or an earlier image's)",
              [&m](S, S v) { m.image.to = v; });
  image.value("--tag", "TAG", "the image's name in the layout (default NAME-VERSION)",
              [&m](S, S v) { m.image.tag = v; });
  image.value("--server", "PROGRAM", "the program that serves (default cohort-serve)",
              [&m](S, S v) { m.image.server = v; });
  image.value("--server-arg", "WORD",
              "a word before MODEL on the server's command line\n(repeatable)",
              [&m](S, S v) { m.image.server_args.push_back(v); });
  const CommandLine* im = &image;
  image.value("--port", "N", "the port the server listens on (default 8000)",
              [&m, im](S n, S v) { m.image.port = static_cast<int>(im->count(n, v, 1, 65535)); });
  image.value("--push", "REGISTRY/REPO:TAG", "then copy the image there with skopeo",
              [&m](S, S v) { m.image.push = v; });
  image.flag("--push-insecure", "push over plain HTTP (a registry on 127.0.0.1)",
             [&m] { m.image.push_tls_verify = false; });

  gc.argument("NAME", "only this model", false, [&m](S v) { m.name = v; });
  const CommandLine* g = &gc;
  gc.value("--older-than", "HOURS",
           "hours since the claim before a registration counts\nas dead (default 24)",
           [&m, g](S n, S v) { m.grace_hours = g->nonNegative(n, v, 1e6); });
  gc.flag("--remove", "remove what is listed (default: only list it)", [&m] { m.remove = true; });
}

int runCommand(const CommandLine& cl, ModelCommand& m) {
  namespace model = cohort::model;
  const std::string command = cl.chosenCommand();
  if (command == "register" && m.reg.outputs.empty()) {
    cl.fail("cohort-model register needs --from OUTPUTS",
            "write cohort-model register NAME --from OUTPUTS");
  }
  if (command == "containerize" && m.image.to.empty()) {
    cl.fail("cohort-model containerize needs --to DIR",
            "write cohort-model containerize MODEL --to DIR");
  }
  const cohort::Settings settings = cohort::Settings::fromEnvironment(cohort::processEnv());
  const auto options = cohort::storage::StorageOptions::fromSettings(settings);
  cohort::registry::Registry registry = cohort::registry::openRegistry(m.registry, settings);
  if (command == "register") return model::registerModel(registry, m.reg, m.json);
  if (command == "list") return model::list(registry, m.name, m.json);
  if (command == "show") return model::show(registry, m.ref, m.json);
  if (command == "download") return model::download(registry, m.ref, m.dir, m.json);
  if (command == "lineage") return model::lineage(registry, m.ref, m.json);
  if (command == "verify") return model::verify(registry, m.ref, options, m.json);
  if (command == "check") return model::check(registry, m.json);
  if (command == "containerize") return model::containerize(registry, m.image, m.json);
  if (command == "gc") return model::gc(registry, m.name, m.grace_hours, m.remove, m.json);
  // alias
  const auto parsed = cohort::registry::parseModelRef(m.ref);
  if (m.remove) {
    if (parsed.version != 0 || !parsed.alias.empty()) {
      throw cohort::ConfigError("alias --remove takes NAME ALIAS, not " + m.ref,
                                "write alias --remove NAME ALIAS");
    }
    return model::alias(registry, parsed.name, m.alias, 0, m.json);
  }
  if (parsed.version == 0) {
    throw cohort::ConfigError(
        "alias needs NAME:VERSION, not " + m.ref,
        "write alias NAME:VERSION ALIAS (`cohort-model list NAME` shows the versions)");
  }
  return model::alias(registry, parsed.name, m.alias, parsed.version, m.json);
}

}  // namespace

int main(int argc, char** argv) {
  ModelCommand m;
  CommandLine cl("cohort-model", kDescription, kFooter);
  defineCommands(cl, m);
  return cohort::cli::runTool("cohort-model", {2, 1}, [&] {
    cl.parse(std::vector<std::string>(argv + 1, argv + argc));
    if (m.help) {  // before anything (settings, the registry) is touched
      std::cout << cl.help();
      return 0;
    }
    return runCommand(cl, m);
  });
}
