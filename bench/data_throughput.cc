// bench_data_throughput: how fast the ShardedLoader delivers a data set,
// beside a plain download of the same bytes with curl, in the same run.
//
//   bench_data_throughput --azure ENDPOINT --local DIR [--mb 256] [--rounds 5] [--threads 4]
//
// (bench/run_data.sh starts Azurite and runs this.) The program packs a
// synthetic data set of about --mb MiB (4 MiB shards, rows of 4 KiB) into DIR
// and into the Azurite account at ENDPOINT, then, per round and per storage:
//   peers: curl downloads every shard, --threads transfers at a time (curl
//         --parallel; for Azure with the same SAS token the loader uses), once
//         saving the files (into DIR/downloads: a plain download) and once to
//         /dev/null (fetching alone, the strictest peer);
//   ours: a ShardedLoader with --threads reader threads reads one epoch, every
//         shard checked against its SHA-256, decoded by HDF5, cut into batches.
// Local disk is measured twice: from the page cache (a memory-bandwidth
// contest), and with the shard files evicted from it (posix_fadvise
// DONTNEED) before every run of either side, so both read the disk.
// Both are timed from start to the last byte (ours: to the last batch), and
// the figure is shard bytes per second. The order alternates from round to
// round; the table gives medians over rounds, and the ratio is the median of
// the ratios within each round (the machines are shared and noisy).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/storage/azure_auth.h"
#include "cohort/storage/storage_url.h"
#include "pack/dataset_writer.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kRowFloats = 1024;  // 4 KiB per sample

struct Options {
  std::string azure;  // http://127.0.0.1:PORT/devstoreaccount1
  std::string local;
  int64_t mb = 256;
  int rounds = 5;
  int threads = 4;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--azure")
      o.azure = value;
    else if (name == "--local")
      o.local = value;
    else if (name == "--mb")
      o.mb = std::atoll(value.c_str());
    else if (name == "--rounds")
      o.rounds = std::max(1, std::atoi(value.c_str()));
    else if (name == "--threads")
      o.threads = std::max(1, std::atoi(value.c_str()));
  }
  if (o.azure.empty() || o.local.empty()) {
    std::fprintf(stderr,
                 "usage: bench_data_throughput --azure ENDPOINT --local DIR [--mb N] [--rounds N] "
                 "[--threads N]\n");
    std::exit(2);
  }
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::vector<cohort_pack::ColumnData> syntheticColumns(int64_t rows) {
  cohort_pack::ColumnData x, label;
  x.column = {"x", cohort::data::DType::kFloat32, {kRowFloats}};
  label.column = {"label", cohort::data::DType::kInt64, {}};
  x.rows = label.rows = rows;
  x.bytes.resize(static_cast<size_t>(rows * kRowFloats * 4));
  for (size_t i = 0; i < x.bytes.size(); ++i)
    x.bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::vector<int64_t> labels(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) labels[i] = i;
  label.bytes.assign(reinterpret_cast<const char*>(labels.data()), labels.size() * 8);
  return {x, label};
}

// An account SAS (version 2019-12-12) with read and list rights for blobs.
std::string accountSas(const std::string& account, const std::string& key_base64) {
  const std::string sv = "2019-12-12", se = "2099-01-01T00:00:00Z";
  const std::string to_sign = account + "\nrl\nb\nsco\n\n" + se + "\n\n\n" + sv + "\n";
  const std::string sig = cohort::storage::base64Encode(
      cohort::storage::hmacSha256(cohort::storage::base64Decode(key_base64, "key"), to_sign));
  return "sv=" + sv + "&ss=b&srt=sco&sp=rl&se=" + cohort::storage::percentEncode(se) +
         "&sig=" + cohort::storage::percentEncode(sig);
}

struct Target {
  std::string name;
  bool cold = false;  // evict the shards from the page cache before each run
  std::string location;
  cohort::storage::StorageOptions storage;
  std::vector<std::string> urls;  // of the shards, as curl fetches them
  int64_t bytes = 0;
};

// Drops the shard files' pages from the page cache (posix_fadvise DONTNEED), so
// that the next reader gets them from the disk.
void evict(const Target& t) {
  if (!t.cold) return;
  for (const auto& url : t.urls) {
    const std::string path = url.substr(std::string("file://").size());
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

// Seconds curl takes to fetch every shard, `threads` at a time, into files
// under `save_dir` (removed afterwards, untimed), or to /dev/null when it is empty.
double timeCurl(const Target& t, int threads, const std::string& save_dir) {
  evict(t);
  char config[] = "/tmp/cohort_bench_curl.XXXXXX";
  const int fd = ::mkstemp(config);
  ::close(fd);
  {
    std::ofstream out(config);
    for (size_t i = 0; i < t.urls.size(); ++i) {
      const std::string target =
          save_dir.empty() ? "/dev/null" : save_dir + "/" + std::to_string(i) + ".h5";
      out << "url = \"" << t.urls[i] << "\"\noutput = \"" << target << "\"\n";
    }
  }
  const std::string command = "curl -sS --no-progress-meter --fail --parallel --parallel-max " +
                              std::to_string(threads) + " -K " + config;
  const auto start = Clock::now();
  const int rc = std::system(command.c_str());
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::unlink(config);
  if (rc != 0) throw cohort::Error("curl failed: " + command);
  if (!save_dir.empty()) {
    for (size_t i = 0; i < t.urls.size(); ++i)
      ::unlink((save_dir + "/" + std::to_string(i) + ".h5").c_str());
  }
  return seconds;
}

double timeLoader(const Target& t, int threads) {
  evict(t);
  const auto start = Clock::now();
  cohort::data::LoaderOptions o;
  o.location = t.location;
  o.storage = t.storage;
  o.global_batch = 256;
  o.threads = threads;
  o.prefetch_bytes = int64_t{256} << 20;
  cohort::data::ShardedLoader loader(o);
  int64_t touched = 0;
  while (auto batch = loader.next()) touched += batch->ids[0].item<int64_t>() >= 0;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (touched != loader.batchesPerEpoch()) throw cohort::Error("the loader ended early");
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    const auto settings = cohort::Settings::fromEnvironment(cohort::processEnv());
    const std::string key = settings.azure_account_key;
    if (key.empty()) throw cohort::ConfigError("set COHORT_AZURE_ACCOUNT_KEY (run/data.sh does)");
    const int64_t rows = (o.mb << 20) / (kRowFloats * 4 + 8);
    const auto columns = syntheticColumns(rows);
    const int64_t per_shard = cohort_pack::rowsPerShard(columns, int64_t{4} << 20);

    Target azure{"Azurite (http, SAS)", false, o.azure + "/bench/synthetic", {}, {}, 0};
    azure.storage.azure_account_key = key;
    Target local{"local disk (page cache)", false, o.local + "/synthetic", {}, {}, 0};
    for (Target* t : {&azure, &local}) {
      auto storage = cohort::storage::openStorage(t->location, t->storage);
      storage->createLocation();
      const auto manifest = cohort_pack::writeDataset(*storage, columns, per_shard, true, nullptr);
      for (const auto& s : manifest.shards) {
        t->urls.push_back(t == &local ? "file://" + storage->urlOf(s.file)
                                      : storage->urlOf(s.file));
        t->bytes += s.bytes;
      }
    }
    // Both sides read Azurite with the same SAS token.
    azure.storage.azure_account_key.clear();
    azure.storage.azure_sas_token = accountSas("devstoreaccount1", key);
    for (auto& url : azure.urls) url += "?" + azure.storage.azure_sas_token;

    std::printf(
        "data set: %.0f MiB in %zu shards of %lld samples (4 KiB each); %d reader threads / curl "
        "transfers; %d rounds\n",
        local.bytes / 1048576.0, local.urls.size(), static_cast<long long>(per_shard), o.threads,
        o.rounds);
    Target cold = local;
    cold.name = "local disk (cache evicted)";
    cold.cold = true;
    const std::string save_dir = o.local + "/downloads";
    ::mkdir(save_dir.c_str(), 0755);
    std::printf("\n%-28s %15s %15s %13s %11s %11s\n", "storage", "curl>files", "curl>/dev/null",
                "cohort", "vs files", "vs null");
    std::printf("%-28s %15s %15s %13s %11s %11s\n", "", "MiB/s", "MiB/s", "MiB/s", "", "");
    for (Target* t : {&azure, &local, &cold}) {
      std::vector<double> files, null, ours, vs_files, vs_null;
      timeCurl(*t, o.threads, save_dir);  // warm-up: page cache, Azurite's caches, connections
      timeLoader(*t, o.threads);
      for (int r = 0; r < o.rounds; ++r) {
        // The three runs of a round in a rotating order.
        double f = 0, n = 0, l = 0;
        for (int k = 0; k < 3; ++k) {
          switch ((r + k) % 3) {
            case 0:
              f = timeCurl(*t, o.threads, save_dir);
              break;
            case 1:
              n = timeCurl(*t, o.threads, "");
              break;
            default:
              l = timeLoader(*t, o.threads);
              break;
          }
        }
        files.push_back(t->bytes / f / 1048576.0);
        null.push_back(t->bytes / n / 1048576.0);
        ours.push_back(t->bytes / l / 1048576.0);
        vs_files.push_back(f / l);
        vs_null.push_back(n / l);
      }
      std::printf("%-28s %15.0f %15.0f %13.0f %10.2fx %10.2fx\n", t->name.c_str(), median(files),
                  median(null), median(ours), median(vs_files), median(vs_null));
    }
    std::printf("\nfloor: cohort >= 0.9x curl saving the files, from Azurite and from the disk\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_data_throughput: %s\n", e.what());
    return 1;
  }
}
