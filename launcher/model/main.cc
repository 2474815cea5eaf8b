// cohort-model: a registry of trained models with lineage, on a folder,
// Azure Blob Storage or HDFS (docs/registry.md).
//
//   cohort-model register fmnist --from outputs --tag owner=vision
//   cohort-model list [NAME]
//   cohort-model show fmnist@production
//   cohort-model alias fmnist:3 production        cohort-model alias --remove fmnist staging
//   cohort-model download fmnist:3 ./model
//   cohort-model lineage fmnist:3                  cohort-model verify fmnist@production
//   cohort-model check                             cohort-model gc [NAME] [--remove]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "model_commands.h"

int main(int argc, char** argv) {
  CLI::App app(
      "cohort-model: versioned, immutable models with lineage, in a folder, Azure Blob Storage or "
      "HDFS.",
      "cohort-model");
  app.require_subcommand(1);
  app.fallthrough();  // --registry and --json also after the command
  std::string registry_url;
  bool as_json = false;
  app.add_option(
      "--registry", registry_url,
      "where the registry lives: a folder, azure://ACCOUNT/CONTAINER/PREFIX or "
      "hdfs://NAMENODE:PORT/PATH "
      "(default: COHORT_REGISTRY, else ~/.cohort/registry); credentials come from COHORT_AZURE_* / "
      "COHORT_HDFS_* / COHORT_CREDENTIALS_FILE, never the command line");
  app.add_flag("--json", as_json, "print JSON instead of a table");

  cohort::model::RegisterRequest reg;
  std::vector<std::string> tags;
  auto* c_register =
      app.add_subcommand("register", "register OUTPUTS/model as the next version of NAME");
  c_register->add_option("name", reg.name, "the model's name")->required();
  c_register->add_option("--from", reg.outputs, "the run's outputs folder (holding model/)")
      ->required();
  c_register->add_option("--logs", reg.logs,
                         "the run's logs folder (default: logs/ beside OUTPUTS, if there)");
  c_register->add_option("--tag", tags, "KEY=VALUE, any number of times");

  std::string name, ref, dir, alias;
  auto* c_list = app.add_subcommand("list", "the models, or the versions of NAME");
  c_list->add_option("name", name, "a model's name");
  auto* c_show =
      app.add_subcommand("show", "one version: files, aliases, tags, and the alias history");
  c_show->add_option("model", ref, "NAME, NAME:VERSION or NAME@ALIAS")->required();
  auto* c_download = app.add_subcommand(
      "download", "copy a version's files into a new folder, checking each sha256");
  c_download->add_option("model", ref, "NAME, NAME:VERSION or NAME@ALIAS")->required();
  c_download->add_option("dir", dir, "a folder that does not exist yet (or is empty)")->required();
  bool remove = false;
  auto* c_alias = app.add_subcommand(
      "alias", "point an alias at a version (NAME:VERSION ALIAS), or --remove NAME ALIAS");
  c_alias->add_option("model", ref, "NAME:VERSION (NAME with --remove)")->required();
  c_alias->add_option("alias", alias, "the alias, e.g. production")->required();
  c_alias->add_flag("--remove", remove, "remove the alias instead");
  auto* c_lineage =
      app.add_subcommand("lineage", "the chain: model <- run <- code, data sets, sweep trial");
  c_lineage->add_option("model", ref, "NAME, NAME:VERSION or NAME@ALIAS")->required();
  auto* c_verify = app.add_subcommand(
      "verify",
      "re-hash the stored files, and re-read each data set's index.json: exit 0 "
      "when all is as registered, 1 for a damaged file, 3 when a data set changed");
  c_verify->add_option("model", ref, "NAME, NAME:VERSION or NAME@ALIAS")->required();
  auto* c_check = app.add_subcommand(
      "check",
      "check that the registry can be reached, read and written (creates it if needed, then "
      "writes and removes a small probe object): exit 0, else 1 saying what failed");
  double grace_hours = 24;
  bool gc_remove = false;
  auto* c_gc = app.add_subcommand(
      "gc",
      "list what registrations that never committed left (killed or failed: claims, files), and "
      "with --remove remove it; registrations younger than --older-than are left alone");
  c_gc->add_option("name", name, "only this model");
  c_gc->add_option("--older-than", grace_hours,
                   "hours since the claim before a registration counts as dead (default 24)")
      ->check(CLI::Range(0.0, 1e6));
  c_gc->add_flag("--remove", gc_remove, "remove what is listed (default: only list it)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help: 0 on stdout; a bad command line: what to write, and 2 (CLI11's
    // own codes, 105 and up, are not the convention of cohort's tools).
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    const cohort::Settings settings = cohort::Settings::fromEnvironment(cohort::processEnv());
    const auto options = cohort::storage::StorageOptions::fromSettings(settings);
    cohort::registry::Registry registry(
        registry_url.empty() ? cohort::model::defaultRegistry() : registry_url, options);
    if (c_register->parsed()) {
      for (const auto& t : tags) {
        const auto eq = t.find('=');
        if (eq == std::string::npos || eq == 0) {
          throw cohort::ConfigError("--tag '" + t + "' is not KEY=VALUE", "write --tag KEY=VALUE");
        }
        reg.tags[t.substr(0, eq)] = t.substr(eq + 1);
      }
      return cohort::model::registerModel(registry, reg, as_json);
    }
    if (c_list->parsed()) return cohort::model::list(registry, name, as_json);
    if (c_show->parsed()) return cohort::model::show(registry, ref, as_json);
    if (c_download->parsed()) return cohort::model::download(registry, ref, dir, as_json);
    if (c_lineage->parsed()) return cohort::model::lineage(registry, ref, as_json);
    if (c_verify->parsed()) return cohort::model::verify(registry, ref, options, as_json);
    if (c_check->parsed()) return cohort::model::check(registry, as_json);
    if (c_gc->parsed()) return cohort::model::gc(registry, name, grace_hours, gc_remove, as_json);
    if (c_alias->parsed()) {
      const auto parsed = cohort::registry::parseModelRef(ref);
      if (remove) {
        if (parsed.version != 0 || !parsed.alias.empty()) {
          throw cohort::ConfigError("alias --remove takes NAME ALIAS, not " + ref,
                                    "write alias --remove NAME ALIAS");
        }
        return cohort::model::alias(registry, parsed.name, alias, 0, as_json);
      }
      if (parsed.version == 0) {
        throw cohort::ConfigError(
            "alias needs NAME:VERSION, not " + ref,
            "write alias NAME:VERSION ALIAS (`cohort-model list NAME` shows the versions)");
      }
      return cohort::model::alias(registry, parsed.name, alias, parsed.version, as_json);
    }
  } catch (const cohort::ConfigError& e) {
    std::fprintf(stderr, "cohort-model: %s\n  what to do: %s\n", e.detail().c_str(),
                 e.hint().c_str());
    return 2;
  } catch (const cohort::Error& e) {
    std::fprintf(stderr, "cohort-model: %s\n  what to do: %s\n", e.detail().c_str(),
                 e.hint().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort-model: %s\n", e.what());
    return 1;
  }
  return 2;
}
