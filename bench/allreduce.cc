// bench_allreduce: bus bandwidth of cohort's allreduce beside raw MPI_Allreduce,
// measured in the same processes on the same buffer.
//
//   mpirun -n 2 bench_allreduce [--rounds N] [--ms M] [--budget S]
//
// Peer: MPI_Allreduce(MPI_IN_PLACE, ..., MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD).
// Ours: Communicator::allreduce(tensor, kSum) (blocking, runs on the caller's
// thread) and allreduceAsync(tensor, kSum)->wait() (goes through the comm
// thread, so it shows the cost of that hand-off), both on an ordinary tensor;
// and allreduce of a buffer from newReductionBuffers(), which DataParallel's
// gradient buckets are (Note [Shared-memory allreduce]).
//
// Bus bandwidth is as nccl-tests define it: bytes / time x 2(n-1)/n, where time
// is the slowest rank's time per allreduce. Each round times every method once
// for the same number of iterations (one measurement of MPI_Allreduce lasts
// about M ms, default 10), in an order that rotates from round to round; there
// are up to N rounds (default 21), fewer at large sizes so that each size
// takes about S seconds (default 4). Times are the median over rounds; each
// ratio is the median of the ratios taken inside one round, whose measurements
// lie milliseconds apart and so see the same background load (the machines
// this runs on are shared and noisy).
#include <ATen/ops/zeros.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cohort/cohort.h"

namespace {

using Clock = std::chrono::steady_clock;

enum Method { kMpi = 0, kBlocking = 1, kAsync = 2, kShared = 3, kMethods = 4 };

struct Options {
  int rounds = 21;        // most measurements of each method per size
  double target_ms = 10;  // how long one measurement of MPI_Allreduce lasts
  double budget_s = 4;    // rough time per size; large sizes get fewer rounds
};

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) {
      options.rounds = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--ms") == 0) {
      options.target_ms = std::max(1.0, std::atof(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--budget") == 0) {
      options.budget_s = std::max(0.1, std::atof(argv[i + 1]));
    }
  }
  return options;
}

// The buffers one size is measured on: an ordinary tensor, and one from
// newReductionBuffers() (shared memory between the ranks of a machine), as
// DataParallel's gradient buckets are.
struct Buffers {
  at::Tensor plain;
  at::Tensor shared;
};

// One allreduce by `method`.
void runOnce(Method method, Buffers& b, cohort::Communicator& comm) {
  switch (method) {
    case kMpi:
      MPI_Allreduce(MPI_IN_PLACE, b.plain.data_ptr(), static_cast<int>(b.plain.numel()), MPI_FLOAT,
                    MPI_SUM, MPI_COMM_WORLD);
      break;
    case kBlocking:
      comm.allreduce(b.plain, cohort::ReduceOp::kSum);
      break;
    case kAsync:
      comm.allreduceAsync(b.plain, cohort::ReduceOp::kSum)->wait();
      break;
    case kShared:
      comm.allreduce(b.shared, cohort::ReduceOp::kSum);
      break;
    default:
      break;
  }
}

// Seconds per allreduce on the slowest rank, over `iters` back-to-back calls.
double timeMethod(Method method, Buffers& b, int iters, cohort::Communicator& comm) {
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = Clock::now();
  for (int i = 0; i < iters; ++i) runOnce(method, b, comm);
  const double local = std::chrono::duration<double>(Clock::now() - start).count() / iters;
  double slowest = 0;
  MPI_Allreduce(&local, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

struct Plan {
  int iters = 1;   // allreduces per measurement
  int rounds = 1;  // measurements of each method
};

// Times three warm-up runs of MPI_Allreduce and takes the fastest (the one
// least disturbed by other processes); rank 0 sizes the measurements from it
// and sends the plan to every rank, so all ranks run the same counts.
Plan choosePlan(Buffers& t, const Options& options, cohort::Communicator& comm) {
  const int64_t bytes = t.plain.numel() * 4;
  const int probe = static_cast<int>(std::clamp<int64_t>((16 << 20) / bytes, 1, 4000));
  double seconds = timeMethod(kMpi, t, probe, comm);
  for (int i = 0; i < 2; ++i) seconds = std::min(seconds, timeMethod(kMpi, t, probe, comm));
  int plan[2] = {0, 0};
  if (comm.rank() == 0) {
    const double iters = std::clamp(std::ceil(options.target_ms * 1e-3 / seconds), 1.0, 1e6);
    const double round_s = kMethods * iters * seconds;
    plan[0] = static_cast<int>(iters);
    const double rounds = std::max(5.0, options.budget_s / round_s);
    plan[1] = static_cast<int>(std::min<double>(options.rounds, rounds));
  }
  MPI_Bcast(plan, 2, MPI_INT, 0, MPI_COMM_WORLD);
  return {plan[0], plan[1]};
}

// Every rank contributes rank + 1; the sum must be n(n+1)/2 everywhere. Checks
// that the three methods reduce the same buffer before they are timed.
bool sumIsRight(Method method, Buffers& b, cohort::Communicator& comm) {
  at::Tensor& t = method == kShared ? b.shared : b.plain;
  t.fill_(comm.rank() + 1);
  runOnce(method, b, comm);
  const float want = comm.size() * (comm.size() + 1) / 2.0f;
  const float* data = t.data_ptr<float>();
  int ok = data[0] == want && data[t.numel() - 1] == want && data[t.numel() / 2] == want;
  int all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  t.zero_();  // sums of zeros stay zero: no overflow, no denormals while timing
  return all_ok != 0;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

std::string sizeLabel(int64_t bytes) {
  return bytes >= (1 << 20) ? std::to_string(bytes >> 20) + " MiB"
                            : std::to_string(bytes >> 10) + " KiB";
}

struct Row {
  int64_t bytes = 0;
  Plan plan;
  double seconds[kMethods] = {};   // median seconds per allreduce
  double ratio[kMethods] = {};     // median per-round busbw ratio to MPI (= MPI time / ours)
  double extra_us[kMethods] = {};  // median per-round time over MPI's, in microseconds
};

Row measure(int64_t bytes, const Options& options, cohort::Communicator& comm) {
  Buffers t{at::zeros({bytes / 4}, at::kFloat),
            comm.newReductionBuffers({{bytes / 4, at::kFloat}})[0]};
  for (int m = 0; m < kMethods; ++m) {
    if (!sumIsRight(static_cast<Method>(m), t, comm)) {
      throw cohort::Error(
          "allreduce method " + std::to_string(m) + " gave a wrong sum at " + sizeLabel(bytes),
          "fix the communicator before benchmarking it");
    }
  }
  Row row;
  row.bytes = bytes;
  row.plan = choosePlan(t, options, comm);
  // Warm-up of each method: a tenth of a measurement, at least two calls.
  for (int m = 0; m < kMethods; ++m) {
    timeMethod(static_cast<Method>(m), t, std::max(2, row.plan.iters / 10), comm);
  }
  std::vector<double> seconds[kMethods], ratio[kMethods], extra[kMethods];
  for (int round = 0; round < row.plan.rounds; ++round) {
    double s[kMethods];
    for (int k = 0; k < kMethods; ++k) {
      const int m = (round + k) % kMethods;  // rotate which method goes first
      s[m] = timeMethod(static_cast<Method>(m), t, row.plan.iters, comm);
    }
    for (int m = 0; m < kMethods; ++m) {
      seconds[m].push_back(s[m]);
      ratio[m].push_back(s[kMpi] / s[m]);
      extra[m].push_back((s[m] - s[kMpi]) * 1e6);
    }
  }
  for (int m = 0; m < kMethods; ++m) {
    row.seconds[m] = median(seconds[m]);
    row.ratio[m] = median(ratio[m]);
    row.extra_us[m] = median(extra[m]);
  }
  return row;
}

void printGroup(const char* title, Method ours, const std::vector<Row>& rows, double bus_factor,
                double floor) {
  std::printf("\n%s\n", title);
  std::printf("%8s %6s %6s | %10s %7s | %10s %7s | %6s %9s | %s\n", "size", "iters", "rounds",
              "MPI us", "GB/s", "cohort us", "GB/s", "ratio", "extra us", "floor");
  for (const Row& r : rows) {
    const auto busbw = [&](Method m) { return r.bytes / r.seconds[m] * bus_factor * 1e-9; };
    std::printf("%8s %6d %6d | %10.2f %7.3f | %10.2f %7.3f | %6.3f %9.2f | %s\n",
                sizeLabel(r.bytes).c_str(), r.plan.iters, r.plan.rounds, r.seconds[kMpi] * 1e6,
                busbw(kMpi), r.seconds[ours] * 1e6, busbw(ours), r.ratio[ours], r.extra_us[ours],
                floor > 0 ? (r.ratio[ours] >= floor ? "met" : "MISSED") : "-");
  }
}

}  // namespace

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    const Options options = parseOptions(argc, argv);
    cohort::Communicator& comm = rt.comm();
    const int n = comm.size();
    if (n < 2) {
      throw cohort::ConfigError("bench_allreduce needs at least 2 ranks (bus bandwidth is 0 at 1)",
                                "run it as: mpirun -n 2 bench_allreduce");
    }
    const double bus_factor = 2.0 * (n - 1) / n;
    const double kFloor = 0.95;

    std::vector<Row> rows;
    for (int64_t bytes = 4 << 10; bytes <= (64 << 20); bytes *= 4) {
      rows.push_back(measure(bytes, options, comm));
    }

    if (rt.rank() == 0) {
      std::printf(
          "allreduce, float32 sum in place, %d ranks; busbw = bytes/time x 2(n-1)/n, "
          "time = slowest rank's\n",
          n);
      std::printf(
          "us and GB/s: median over the rounds; ratio (cohort busbw / MPI busbw) and "
          "extra us (cohort time - MPI time): median of per-round values\n");
      printGroup(
          "[blocking] cohort allreduce(t, kSum)  vs  MPI_Allreduce(MPI_IN_PLACE)  "
          "-- floor: ratio >= 0.95",
          kBlocking, rows, bus_factor, kFloor);
      printGroup(
          "[async] cohort allreduceAsync(t, kSum)->wait()  vs  MPI_Allreduce  "
          "-- includes the comm-thread hand-off; no floor",
          kAsync, rows, bus_factor, 0);
      printGroup(
          "[buckets] cohort allreduce of a newReductionBuffers() tensor (as DataParallel's "
          "buckets)  vs  MPI_Allreduce  -- no floor",
          kShared, rows, bus_factor, 0);
      int missed = 0;
      for (const Row& r : rows) missed += r.ratio[kBlocking] < kFloor;
      const std::string verdict =
          missed == 0 ? "MET" : "MISSED at " + std::to_string(missed) + " size(s)";
      std::printf("\nfloor (blocking ratio >= %.2f at every size): %s\n", kFloor, verdict.c_str());
      std::fflush(stdout);
    }
    return 0;
  });
}
