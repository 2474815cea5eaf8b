// bench_link_probe: the time of one gradient bucket's reduction, by size and
// compression, as DataParallel runs it -- the input of the scaling model
// (docs/scaling.md), which fits a per-message latency and a per-byte cost to
// these times for each link level.
//
//   cohortrun -np N bench_link_probe [--min-kib K] [--max-mib M] [--ms T]
//
// For bucket sizes from K KiB (default 64) to M MiB (default 64), a factor 4
// apart, and for each compression (none, bf16, fp16), it reduces a buffer from
// newReductionBuffers() with allreduceBucketAsync(...)->wait(), as DataParallel
// does (shared memory between the ranks of a machine, MPI between machines,
// Note [Bucket exchange]). Each size and compression is timed in 5 rounds of
// iterations lasting about T ms (default 200), in an order that rotates from
// round to round; the time is the slowest rank's, and the figure the mean
// over rounds. It also times DataParallel's copy of a gradient into its
// bucket, scaled by 1/world (compress=copy), on every rank at once. Rank 0
// prints one machine-readable line per measurement:
//
//   PROBE ranks=N hosts=H compress=none|bf16|fp16|copy bytes=B seconds=S
#include <ATen/Parallel.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "cohort/cohort.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int64_t min_kib = 64;
  int64_t max_mib = 64;
  double ms = 200;
};

// A positive number, or an error naming the option.
double positive(const char* option, const char* text) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value > 0)) {
    throw cohort::ConfigError(std::string("bench_link_probe: ") + option +
                                  " wants a positive number, not \"" + text + "\"",
                              "see the usage at the top of bench/link_probe.cc");
  }
  return value;
}

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 == argc || (option != "--min-kib" && option != "--max-mib" && option != "--ms")) {
      throw cohort::ConfigError("bench_link_probe: unknown or incomplete option \"" + option + "\"",
                                "see the usage at the top of bench/link_probe.cc");
    }
    const double value = positive(argv[i], argv[i + 1]);
    ++i;
    if (option == "--min-kib") options.min_kib = static_cast<int64_t>(value);
    if (option == "--max-mib") options.max_mib = static_cast<int64_t>(value);
    if (option == "--ms") options.ms = value;
  }
  return options;
}

// Seconds of one reduction: `iterations` in a row, the slowest rank's time.
double timeReductions(cohort::Communicator& comm, at::Tensor& bucket, at::Tensor& residual,
                      cohort::Compression compress, int iterations) {
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i)
    comm.allreduceBucketAsync(bucket, residual, compress)->wait();
  const double local = std::chrono::duration<double>(Clock::now() - start).count();
  double slowest = 0;
  MPI_Allreduce(&local, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest / iterations;
}

int countHosts(const cohort::Runtime& rt) {
  // Local rank 0 of each machine counts one.
  int first = rt.localRank() == 0 ? 1 : 0, hosts = 0;
  MPI_Allreduce(&first, &hosts, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  return hosts;
}

}  // namespace

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    const Options options = parseOptions(argc, argv);
    at::set_num_threads(1);
    const int hosts = countHosts(rt);
    const std::vector<cohort::Compression> compressions = {
        cohort::Compression::kNone, cohort::Compression::kBf16, cohort::Compression::kFp16};
    constexpr int kRounds = 5;
    for (int64_t bytes = options.min_kib * 1024; bytes <= options.max_mib * 1024 * 1024;
         bytes *= 4) {
      const int64_t numel = bytes / 4;
      at::Tensor bucket = rt.comm().newReductionBuffers({{numel, at::kFloat}})[0];
      at::Tensor residual = at::zeros({2 * numel});
      // Iterations per measurement: from one untimed reduction (float32),
      // broadcast so that every rank runs the same count.
      double once = timeReductions(rt.comm(), bucket, residual, compressions[0], 1);
      int iterations = std::max(1, static_cast<int>(options.ms / 1000 / once));
      MPI_Bcast(&iterations, 1, MPI_INT, 0, MPI_COMM_WORLD);
      std::vector<std::vector<double>> times(compressions.size());
      for (int round = 0; round < kRounds; ++round) {
        for (size_t k = 0; k < compressions.size(); ++k) {
          const size_t c = (k + round) % compressions.size();
          times[c].push_back(
              timeReductions(rt.comm(), bucket, residual, compressions[c], iterations));
        }
      }
      // DataParallel's copy of a gradient into its bucket, scaled by
      // 1/world (Reducer::adopt), on every rank at once as in a step.
      const at::Tensor gradient = at::rand({numel});
      const at::Tensor scale = at::scalar_tensor(1.0 / rt.size(), at::kDouble);
      std::vector<double> copies;
      MPI_Barrier(MPI_COMM_WORLD);
      const auto first = Clock::now();
      at::mul_out(bucket, gradient, scale);
      int copy_iterations = std::max(
          1, static_cast<int>(options.ms / 1000 /
                              std::chrono::duration<double>(Clock::now() - first).count()));
      MPI_Bcast(&copy_iterations, 1, MPI_INT, 0, MPI_COMM_WORLD);
      for (int round = 0; round < kRounds; ++round) {
        MPI_Barrier(MPI_COMM_WORLD);
        const auto start = Clock::now();
        for (int i = 0; i < copy_iterations; ++i) at::mul_out(bucket, gradient, scale);
        const double local = std::chrono::duration<double>(Clock::now() - start).count();
        double slowest = 0;
        MPI_Allreduce(&local, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        copies.push_back(slowest / copy_iterations);
      }
      if (rt.rank() != 0) continue;
      // The mean over rounds: a link's occasional stall (a TCP retransmission
      // after the shaped queue dropped a packet) is part of its cost, as it is
      // of every training step's.
      auto print = [&](const char* what, const std::vector<double>& t) {
        const double mean = std::accumulate(t.begin(), t.end(), 0.0) / t.size();
        std::printf("PROBE ranks=%d hosts=%d compress=%s bytes=%lld seconds=%.6e\n", rt.size(),
                    hosts, what, static_cast<long long>(bytes), mean);
      };
      for (size_t c = 0; c < compressions.size(); ++c) {
        print(cohort::compressionName(compressions[c]), times[c]);
      }
      print("copy", copies);
      std::fflush(stdout);
    }
    return 0;
  });
}
