#include "pack_options.h"

#include <cstdlib>

#include "cohort/core/env.h"
#include "cohort/core/error.h"

namespace cohort_pack {

namespace {

const char* kSeeUsage = "run cohort-pack --help for the options";

std::pair<std::string, std::string> column(const std::string& option, const std::string& value) {
  const auto eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    throw cohort::ConfigError(option + " takes NAME=FILE, not '" + value + "'", kSeeUsage);
  }
  return {value.substr(0, eq), value.substr(eq + 1)};
}

}  // namespace

PackOptions PackOptions::parse(int argc, char** argv) {
  PackOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    std::string value;
    const auto eq = name.find('=');
    const bool inline_value = name.compare(0, 2, "--") == 0 && eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto take = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) throw cohort::ConfigError(name + " needs a value", kSeeUsage);
      return argv[++i];
    };
    if (name == "--help" || name == "-h") {
      o.help = true;
    } else if (name == "--to") {
      o.to = take();
    } else if (name == "--fashion-mnist") {
      o.fashion_mnist = take();
    } else if (name == "--idx") {
      o.idx.push_back(column(name, take()));
    } else if (name == "--npy") {
      o.npy.push_back(column(name, take()));
    } else if (name == "--shard-mb") {
      const std::string text = take();
      const auto mb = cohort::parseNonNegative(text);
      if (!mb || *mb <= 0) throw cohort::ConfigError("--shard-mb takes a positive number, not '" + text + "'", kSeeUsage);
      o.shard_mb = *mb;
    } else if (name == "--shard-samples") {
      const std::string text = take();
      const auto n = cohort::parseInteger(text);
      if (!n || *n < 1) throw cohort::ConfigError("--shard-samples takes a positive count, not '" + text + "'", kSeeUsage);
      o.shard_samples = *n;
    } else if (name == "--checksum") {
      const std::string kind = take();
      if (kind != "xxh128" && kind != "sha256") {
        throw cohort::ConfigError("--checksum takes xxh128 or sha256, not '" + kind + "'", kSeeUsage);
      }
      o.sha256 = kind == "sha256";
    } else if (name == "--force") {
      o.force = true;
    } else if (name == "--create-container") {
      o.create_container = true;
    } else {
      throw cohort::ConfigError("unknown option '" + name + "'", kSeeUsage);
    }
  }
  if (o.help) return o;
  if (o.to.empty()) throw cohort::ConfigError("say where the data set goes with --to LOCATION", kSeeUsage);
  const int sources = (o.fashion_mnist.empty() ? 0 : 1) + ((o.idx.empty() && o.npy.empty()) ? 0 : 1);
  if (sources != 1) {
    throw cohort::ConfigError("give either --fashion-mnist DIR, or columns with --idx/--npy NAME=FILE",
                              kSeeUsage);
  }
  return o;
}

std::string PackOptions::usage() {
  return R"(usage: cohort-pack --to LOCATION SOURCE [options]

Packs arrays into a cohort data set: HDF5 shards and an index.json.

LOCATION   a folder (/data/set, file:///data/set), azure://ACCOUNT/CONTAINER/PREFIX,
           https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX,
           http://HOST:PORT/ACCOUNT/CONTAINER/PREFIX (emulators) or hdfs://NAMENODE:PORT/path
SOURCE     --fashion-mnist DIR     the four Fashion-MNIST idx files of DIR (.gz or not) into
                                   LOCATION/train and LOCATION/test (columns image, label)
           --idx NAME=FILE         a column from an idx file (unsigned bytes), repeatable
           --npy NAME=FILE         a column from a .npy array (C order), repeatable
options    --shard-mb MB           about this much sample data per shard (default 16)
           --shard-samples N       exactly N samples per shard (the last may hold fewer)
           --checksum KIND         xxh128 (default, fastest) or sha256
           --force                 replace a data set already at LOCATION
           --create-container      create the Azure container if it does not exist

Credentials come from the environment or COHORT_CREDENTIALS_FILE, never from the
command line: COHORT_AZURE_ACCOUNT_KEY or COHORT_AZURE_SAS_TOKEN, COHORT_AZURE_ENDPOINT
(emulators, Azure Stack Hub); COHORT_HDFS_USER or COHORT_HDFS_DELEGATION_TOKEN.
)";
}

}  // namespace cohort_pack
