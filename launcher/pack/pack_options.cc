#include "pack/pack_options.h"

#include "common/command_line.h"

namespace cohort_pack {

namespace {

using cohort::cli::CommandLine;
using S = const std::string&;

const char* kDescription =
    R"(cohort-pack: pack arrays into a cohort data set (HDF5 shards and an index.json)

usage: cohort-pack --to LOCATION SOURCE [options]

LOCATION   a folder (/data/set, file:///data/set), azure://ACCOUNT/CONTAINER/PREFIX,
           https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX,
           http://HOST:PORT/ACCOUNT/CONTAINER/PREFIX (emulators) or hdfs://NAMENODE:PORT/path
SOURCE     --fashion-mnist DIR, or one or more columns from --idx and --npy)";

const char* kFooter = R"(Examples:
  cohort-pack --to /data/fashion --fashion-mnist /usr/share/datasets/fashion-mnist
  cohort-pack --to azure://myaccount/data/mnist --idx image=train-images-idx3-ubyte \
      --idx label=train-labels-idx1-ubyte --shard-mb 64
  cohort-pack --to hdfs://namenode:9870/data/set --npy x=x.npy --npy y=y.npy --checksum sha256

Credentials come from the environment or COHORT_CREDENTIALS_FILE, never from the
command line: COHORT_AZURE_ACCOUNT_KEY or COHORT_AZURE_SAS_TOKEN, COHORT_AZURE_ENDPOINT
(emulators, Azure Stack Hub); COHORT_HDFS_USER or COHORT_HDFS_DELEGATION_TOKEN.

Exit status: 0 packed; 2 bad command line or setting (nothing was written); 1 a
source that cannot be read or a destination that cannot be written.)";

std::pair<std::string, std::string> column(const CommandLine& cl, S option, S value) {
  const auto eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    cl.fail(option + " takes NAME=FILE, not '" + value + "'",
            "write e.g. " + option + " image=images.idx");
  }
  return {value.substr(0, eq), value.substr(eq + 1)};
}

// Every option of cohort-pack, described once: the help lists them from here.
void defineOptions(CommandLine& cl, PackOptions& o) {
  const CommandLine* c = &cl;
  cl.value("--to", "LOCATION", "where the data set goes (see above)", [&o](S, S v) { o.to = v; });
  cl.value("--fashion-mnist", "DIR",
           "the four Fashion-MNIST idx files of DIR (.gz or not)\n"
           "into LOCATION/train and LOCATION/test (columns image,\n"
           "label)",
           [&o](S, S v) { o.fashion_mnist = v; });
  cl.value("--idx", "NAME=FILE", "a column from an idx file (unsigned bytes), repeatable",
           [&o, c](S n, S v) { o.idx.push_back(column(*c, n, v)); });
  cl.value("--npy", "NAME=FILE", "a column from a .npy array (C order), repeatable",
           [&o, c](S n, S v) { o.npy.push_back(column(*c, n, v)); });
  cl.value("--shard-mb", "MB", "about this much sample data per shard (default 16)",
           [&o, c](S n, S v) { o.shard_mb = c->number(n, v, 0, 1e6); });
  cl.value("--shard-samples", "N", "exactly N samples per shard (the last may hold fewer)",
           [&o, c](S n, S v) { o.shard_samples = c->count(n, v, 1, int64_t{1} << 40); });
  cl.value("--checksum", "KIND", "xxh128 (default, fastest) or sha256", [&o, c](S n, S v) {
    if (v != "xxh128" && v != "sha256") c->fail(n + " takes xxh128 or sha256, not '" + v + "'", "");
    o.sha256 = v == "sha256";
  });
  cl.flag("--force", "replace a data set already at LOCATION", [&o] { o.force = true; });
  cl.flag("--create-container", "create the Azure container if it does not exist",
          [&o] { o.create_container = true; });
  cl.helpFlag(&o.help);
}

}  // namespace

PackOptions PackOptions::parse(int argc, char** argv) {
  PackOptions o;
  CommandLine cl("cohort-pack", kDescription, kFooter);
  defineOptions(cl, o);
  cl.parse(std::vector<std::string>(argv + 1, argv + argc));
  if (o.help) return o;
  if (o.to.empty()) cl.fail("say where the data set goes with --to LOCATION", "");
  const int sources =
      (o.fashion_mnist.empty() ? 0 : 1) + ((o.idx.empty() && o.npy.empty()) ? 0 : 1);
  if (sources != 1)
    cl.fail("give either --fashion-mnist DIR, or columns with --idx/--npy NAME=FILE", "");
  return o;
}

std::string PackOptions::usage() {
  PackOptions o;
  CommandLine cl("cohort-pack", kDescription, kFooter);
  defineOptions(cl, o);
  return cl.help();
}

}  // namespace cohort_pack
