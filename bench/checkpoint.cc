// bench_checkpoint: what a checkpoint costs the training loop, beside the
// cheapest way to do the same work, in the same run.
//
//   bench_checkpoint [--mb 200] [--rounds 5] [--dir DIR]
//
// The state: a model of 50 float32 tensors (25 matrices of 1024 x N and their
// 1024-element biases) with cohort's fused SGD (momentum, so one more float32
// tensor per parameter), about --mb MiB in all, on the CPU. After a warm-up
// save in each mode, every round measures:
//   memcpy: copying the state's bytes into a buffer allocated (and touched)
//           beforehand -- the least an async snapshot can cost -- right
//           before the async save, so that both see the same conditions;
//   async:  how long Checkpointer::save() blocks the loop in async mode
//           (lastBlockedSeconds), then, once wait() returns, the background
//           write's throughput: lastBytes() / lastWriteSeconds() (files
//           written, hashed, fsynced, committed);
//   sync:   the time of a save() in sync mode (snapshot, write and commit);
//   dd:     `dd if=/dev/zero of=DIR/dd.bin bs=1M count=<the checkpoint's MiB>
//           conv=fsync`, timed from fork to exit, in the same folder.
// The three disk measurements go in an order that rotates from round to
// round, each after settle() (pending deletions committed, the page cache
// primed alike for every side). The table gives each round, then the
// medians; the ratios are the medians of the ratios within each round (the
// machine is shared and noisy). Each save keeps one checkpoint, so a save
// also deletes the one before (counted in the sync save's time; for the
// async one it follows the timed write).
// Floors: blocked time at most 1.2x the memcpy; write throughput at least
// 0.8x dd's.
//
// DIR (default: a fresh folder under the current directory, removed at the
// end) should be on the disk checkpoints go to. Runs without a launcher.
#include <ATen/ATen.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cohort/checkpoint/checkpointer.h"
#include "cohort/cohort.h"
#include "cohort/optim/sgd.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
namespace ckpt = cohort::checkpoint;

struct Options {
  int64_t mb = 200;
  int rounds = 5;
  std::string dir;  // "": a fresh folder under the current directory
};

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--mb") {
      o.mb = std::max<int64_t>(8, std::atoll(value.c_str()));
    } else if (name == "--rounds") {
      o.rounds = std::max(1, std::atoi(value.c_str()));
    } else if (name == "--dir") {
      o.dir = value;
    } else {
      throw cohort::ConfigError("bench_checkpoint: unknown option " + name,
                                "usage: bench_checkpoint [--mb 200] [--rounds 5] [--dir DIR]");
    }
  }
  return o;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The model: 25 layers of a 1024 x N matrix and a 1024 bias, N chosen so the
// parameters are half of `mb` MiB (SGD's momentum is the other half).
std::vector<at::Tensor> makeParameters(int64_t mb) {
  constexpr int kLayers = 25;
  const int64_t columns = std::max<int64_t>(1, (mb << 20) / 2 / kLayers / 4 / 1024);
  std::vector<at::Tensor> params;
  at::manual_seed(0);
  for (int i = 0; i < kLayers; ++i) {
    params.push_back(at::randn({1024, columns}));
    params.push_back(at::randn({1024}));
  }
  return params;
}

// One SGD step on random gradients, so the momentum is real state.
void stepOnce(cohort::optim::SGD& sgd, std::vector<at::Tensor>& params) {
  for (auto& p : params) p.mutable_grad() = at::randn_like(p);
  sgd.step();
}

// The peer of the async snapshot: every byte of the state copied once into `into`.
double timeMemcpy(const ckpt::NamedTensors& state, at::Tensor& into) {
  auto* out = static_cast<char*>(into.data_ptr());
  const auto start = Clock::now();
  for (const auto& [name, t] : state) {
    std::memcpy(out, t.data_ptr(), t.nbytes());
    out += (t.nbytes() + 63) / 64 * 64;
  }
  return secondsSince(start);
}

// Puts every disk measurement on the same footing. First the files deleted
// just before (a pruned checkpoint, dd's file) are committed to the journal
// (on a filesystem mounted with `discard` that trims their blocks, which
// would otherwise slow whatever fsyncs next). Then `bytes` of scratch file
// are written into the page cache and deleted unwritten, so that the pages
// the measurement fills are pages the machine has just used: in a VM whose
// balloon driver reports free memory to the host (a Firecracker guest with
// page_reporting, as here), filling pages freed more than a couple of
// seconds ago costs as much as writing them to the disk, and which side of
// a comparison got such pages would otherwise decide the ratio.
void settle(const fs::path& dir, int64_t bytes) {
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::syncfs(dir_fd);
    ::close(dir_fd);
  }
  // In writes of 1 MiB (as dd's) and of 4 MiB (as the checkpoint's larger
  // tensors): the page cache's folios follow the size of the writes.
  for (const size_t chunk : {size_t{1} << 20, size_t{4} << 20}) {
    const fs::path scratch = dir / "scratch.bin";
    const int fd = ::open(scratch.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    std::vector<char> block(chunk, 1);
    for (int64_t done = 0; done < bytes; done += static_cast<int64_t>(chunk)) {
      if (::write(fd, block.data(), chunk) < 0) break;
    }
    ::close(fd);
    ::unlink(scratch.c_str());
  }
}

// dd writing `mib` MiB of zeros into DIR/dd.bin with a final fsync; seconds from start to exit.
double timeDd(const fs::path& dir, int64_t mib) {
  const fs::path file = dir / "dd.bin";
  fs::remove(file);
  const std::string command = "dd if=/dev/zero of='" + file.string() +
                              "' bs=1M count=" + std::to_string(mib) + " conv=fsync status=none";
  const auto start = Clock::now();
  const int status = std::system(command.c_str());
  const double seconds = secondsSince(start);
  fs::remove(file);
  if (status != 0)
    throw cohort::Error("`" + command + "` failed (status " + std::to_string(status) + ")");
  return seconds;
}

struct Round {
  double memcpy_s = 0, blocked_s = 0, write_s = 0, sync_s = 0, dd_s = 0;
  int64_t bytes = 0, dd_bytes = 0;  // the checkpoint's, dd's (whole MiB)
  double writeMBps() const { return bytes / write_s / 1e6; }
  double ddMBps() const { return dd_bytes / dd_s / 1e6; }
};

void printRow(const char* label, const Round& r, double blocked_ratio, double write_ratio) {
  std::printf("%-7s | %9.1f %11.1f %7.2f | %8.3f %8.0f | %8.3f | %8.3f %8.0f | %6.2f\n", label,
              r.memcpy_s * 1e3, r.blocked_s * 1e3, blocked_ratio, r.write_s, r.writeMBps(),
              r.sync_s, r.dd_s, r.ddMBps(), write_ratio);
}

int run(cohort::Runtime& rt, const Options& o) {
  // The folder: the one given, or a fresh one here that is removed at the end.
  fs::path dir = o.dir;
  const bool own_dir = dir.empty();
  if (own_dir) {
    std::string pattern = (fs::current_path() / "bench_checkpoint.XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw cohort::Error("cannot create a folder under " + fs::current_path().string());
    dir = pattern;
  }
  struct Cleanup {
    fs::path dir;
    bool active;
    ~Cleanup() {
      std::error_code ignored;
      if (active) fs::remove_all(dir, ignored);
    }
  } cleanup{dir, own_dir};
  fs::create_directories(dir);

  std::vector<at::Tensor> params = makeParameters(o.mb);
  cohort::optim::SgdOptions sgd_options;
  sgd_options.momentum = 0.9;
  cohort::optim::SGD sgd(params, sgd_options);
  stepOnce(sgd, params);
  ckpt::TrainState state;
  for (size_t i = 0; i < params.size(); ++i) {
    state.model.emplace_back("layers." + std::to_string(i / 2) + (i % 2 ? ".bias" : ".weight"),
                             params[i]);
  }
  state.optimizer = &sgd;
  ckpt::NamedTensors everything = state.model;
  for (const auto& item : sgd.state()) everything.push_back(item);
  int64_t state_bytes = 0;
  for (const auto& [name, t] : everything) state_bytes += (t.nbytes() + 63) / 64 * 64;
  at::Tensor buffer = at::empty({state_bytes}, at::kByte);
  std::memset(buffer.data_ptr(), 0, static_cast<size_t>(state_bytes));

  ckpt::CheckpointPolicy async_policy, sync_policy;
  async_policy.retention.keep_last = 1;
  sync_policy.retention.keep_last = 1;
  sync_policy.async = false;
  ckpt::Checkpointer async_ckpt(rt, (dir / "async").string(), async_policy);
  ckpt::Checkpointer sync_ckpt(rt, (dir / "sync").string(), sync_policy);

  // Warm-up: the snapshot arenas are allocated and touched, the files exist once.
  int64_t step = 1;
  state.step = step++;
  async_ckpt.save(state);
  async_ckpt.wait();
  state.step = step++;
  sync_ckpt.save(state);
  const int64_t mib = (async_ckpt.lastBytes() + (1 << 20) - 1) >> 20;
  std::printf(
      "bench_checkpoint: state %.1f MiB (%zu tensors: 50 parameters + SGD momentum), checkpoint "
      "%.1f MiB "
      "on disk, in %s\n",
      state_bytes / 1048576.0, everything.size(), async_ckpt.lastBytes() / 1048576.0, dir.c_str());
  std::printf(
      "peers: memcpy of the state into a buffer allocated beforehand; dd if=/dev/zero bs=1M "
      "count=%lld "
      "conv=fsync in the same folder\n\n",
      static_cast<long long>(mib));
  std::printf("%-7s | %9s %11s %7s | %8s %8s | %8s | %8s %8s | %6s\n", "round", "memcpy ms",
              "blocked ms", "ratio", "write s", "MB/s", "sync s", "dd s", "MB/s", "ratio");

  std::vector<Round> rounds;
  std::vector<double> blocked_ratios, write_ratios;
  for (int r = 0; r < o.rounds; ++r) {
    Round round;
    for (int k = 0; k < 3; ++k) {
      settle(dir, state_bytes * 3 / 2);
      switch ((r + k) % 3) {
        case 0:  // the memcpy, then async: the loop's blocked time, then the background write
          round.memcpy_s = timeMemcpy(everything, buffer);
          state.step = step++;
          async_ckpt.save(state);
          round.blocked_s = async_ckpt.lastBlockedSeconds();
          async_ckpt.wait();
          round.write_s = async_ckpt.lastWriteSeconds();
          round.bytes = async_ckpt.lastBytes();
          break;
        case 1: {  // sync save
          state.step = step++;
          const auto start = Clock::now();
          sync_ckpt.save(state);
          round.sync_s = secondsSince(start);
          break;
        }
        default:
          round.dd_s = timeDd(dir, mib);
          round.dd_bytes = mib << 20;
          break;
      }
    }
    blocked_ratios.push_back(round.blocked_s / round.memcpy_s);
    write_ratios.push_back(round.writeMBps() / round.ddMBps());
    printRow(std::to_string(r + 1).c_str(), round, blocked_ratios.back(), write_ratios.back());
    std::fflush(stdout);
    rounds.push_back(round);
  }

  const auto med = [&](double Round::*field) {
    std::vector<double> v;
    for (const auto& r : rounds) v.push_back(r.*field);
    return median(v);
  };
  Round m;
  m.memcpy_s = med(&Round::memcpy_s);
  m.blocked_s = med(&Round::blocked_s);
  m.write_s = med(&Round::write_s);
  m.sync_s = med(&Round::sync_s);
  m.dd_s = med(&Round::dd_s);
  m.bytes = rounds.back().bytes;
  m.dd_bytes = rounds.back().dd_bytes;
  const double blocked_ratio = median(blocked_ratios), write_ratio = median(write_ratios);
  printRow("median", m, blocked_ratio, write_ratio);
  std::printf(
      "\n(ratios: medians of the per-round ratios; write MB/s = checkpoint bytes / background "
      "write time)\n");
  std::printf("floor: async blocked time <= 1.2x memcpy: %.2fx  %s\n", blocked_ratio,
              blocked_ratio <= 1.2 ? "met" : "MISSED");
  std::printf("floor: background write throughput >= 0.8x dd: %.2fx  %s\n", write_ratio,
              write_ratio >= 0.8 ? "met" : "MISSED");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv,
                         [&](cohort::Runtime& rt) { return run(rt, parseOptions(argc, argv)); });
}
