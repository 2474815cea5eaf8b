// The rank program of the launcher tests: a small cohort program that checks
// the environment cohortrun promises, talks to every other rank, and fails on
// purpose when asked (not a gtest program; the check_*.sh drivers read its
// output, its files and cohortrun's records).
//
//   launcher_rank [--seconds S] [--fail-rank R --fail HOW] [--until-restart K]
//                 [--ignore-term] [--fill-disk] [TAG]
//
// Every rank checks COHORT_RUN_ID, COHORT_RESTART_COUNT, COHORT_OUTPUTS_DIR,
// COHORT_LOGS_DIR, the four rank variables and torchrun's (RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) against what cohort::init found
// (MPI's answer), sums the ranks with an allreduce, averages a gradient-bucket
// buffer (printing which path it took), writes
// OUTPUTS/ready-rank-R (its pid) and prints one "contract ok" line. It then
// runs allreduces for about S seconds (default 0), so that a fault finds every
// rank inside a collective: S/0.1 rounds, one count for every rank, since a
// rank that judged S by its own clock could run one round more than another
// and wait in an allreduce the others never join. Rank R then fails with HOW: exception, segv,
// exit3, abort, or exit0 (it leaves while the others still wait in a collective). With --fill-disk,
// rank 0 first writes OUTPUTS/fill until its disk is full. With --until-restart K, the S seconds
// and the failure happen only while COHORT_RESTART_COUNT < K (so a restart succeeds at once).
// --ignore-term makes every rank ignore SIGTERM (to test the grace period). Any other argument is
// ignored: the drivers pass a tag to find the processes by.
#include <ATen/ops/add.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/remainder.h>
#include <ATen/ops/zeros.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "cohort/cohort.h"
#include "cohort/comm/mpi_communicator.h"

namespace {

struct Args {
  double seconds = 0;
  int fail_rank = -1;
  std::string fail_how;
  int until_restart = 1 << 30;
  bool ignore_term = false;
  bool fill_disk = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (arg == "--seconds")
      a.seconds = std::atof(next().c_str());
    else if (arg == "--fail-rank")
      a.fail_rank = std::atoi(next().c_str());
    else if (arg == "--fail")
      a.fail_how = next();
    else if (arg == "--until-restart")
      a.until_restart = std::atoi(next().c_str());
    else if (arg == "--ignore-term")
      a.ignore_term = true;
    else if (arg == "--fill-disk")
      a.fill_disk = true;
  }
  return a;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// A broken contract is an exception: the job fails and the test sees why.
void expect(bool ok, const std::string& what) {
  if (!ok) throw cohort::Error("contract broken: " + what, "fix cohortrun");
}

void checkContract(const cohort::Runtime& rt) {
  const cohort::Settings& s = rt.settings();
  expect(!s.run_id.empty() && s.run_id == env("COHORT_RUN_ID"), "COHORT_RUN_ID missing");
  expect(std::to_string(s.restart_count) == env("COHORT_RESTART_COUNT"), "COHORT_RESTART_COUNT");
  expect(s.outputs_dir.size() > 1 && s.outputs_dir[0] == '/', "COHORT_OUTPUTS_DIR not absolute");
  expect(s.logs_dir.size() > 1 && s.logs_dir[0] == '/', "COHORT_LOGS_DIR not absolute");
  expect(rt.launcher() == "cohortrun", "the rank variables did not come from cohortrun");
  expect(env("COHORT_RANK") == std::to_string(rt.rank()), "COHORT_RANK differs from MPI's rank");
  expect(env("COHORT_WORLD_SIZE") == std::to_string(rt.size()), "COHORT_WORLD_SIZE differs");
  expect(env("COHORT_LOCAL_RANK") == std::to_string(rt.localRank()), "COHORT_LOCAL_RANK differs");
  expect(env("COHORT_LOCAL_SIZE") == std::to_string(rt.localSize()), "COHORT_LOCAL_SIZE differs");
  // torchrun's contract, for PyTorch scripts (launcher/cohortrun/rendezvous.h).
  expect(env("RANK") == std::to_string(rt.rank()), "RANK differs from MPI's rank");
  expect(env("WORLD_SIZE") == std::to_string(rt.size()), "WORLD_SIZE differs");
  expect(env("LOCAL_RANK") == std::to_string(rt.localRank()), "LOCAL_RANK differs");
  expect(env("LOCAL_WORLD_SIZE") == std::to_string(rt.localSize()), "LOCAL_WORLD_SIZE differs");
  expect(!env("MASTER_ADDR").empty(), "MASTER_ADDR missing");
  const std::string port = env("MASTER_PORT");
  expect(!port.empty() && port.find_first_not_of("0123456789") == std::string::npos &&
             std::stoi(port) > 0 && std::stoi(port) < 65536,
         "MASTER_PORT '" + port + "' is not a port");
}

// Writes `path` until the disk is full (as checkpoints can fill it).
void fillDisk(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  static const char block[65536] = {};
  while (file != nullptr && std::fwrite(block, 1, sizeof block, file) == sizeof block) {
  }
  if (file != nullptr) std::fclose(file);
  std::printf("filled the disk of %s\n", path.c_str());
  std::fflush(stdout);
}

void fail(const std::string& how) {
  std::fprintf(stderr, "failing on purpose: %s\n", how.c_str());
  std::fflush(stderr);
  if (how == "exception") throw cohort::Error("the rank failed on purpose", "nothing: a test");
  if (how == "exit3") std::_Exit(3);
  if (how == "exit0") std::_Exit(0);
  if (how == "abort") std::abort();
  if (how == "segv") {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
  }
}

// A gradient bucket's allreduce: shared memory between the ranks of a
// machine and MPI between machines (Note [Shared-memory allreduce]). Prints
// the path, which the multi-host tests check.
void checkBucketAllreduce(cohort::Runtime& rt) {
  // Odd, so the slices of the ranks differ in size, and large enough that
  // between machines each local rank's slice goes as Note [Bucket exchange] says.
  constexpr int64_t kNumel = 300007;
  at::Tensor bucket = rt.comm().newReductionBuffers({{kNumel, at::kFloat}})[0];
  const at::Tensor base = at::arange(kNumel, at::kFloat);
  bucket.copy_(base.add(1000.0 * rt.rank()));
  rt.comm().allreduce(bucket, cohort::ReduceOp::kAvg);
  const at::Tensor want = base.add(500.0 * (rt.size() - 1));
  expect(at::allclose(bucket, want, 1e-6, 0), "the bucket allreduce of the ranks is wrong");
  auto* mpi = dynamic_cast<cohort::MpiCommunicator*>(&rt.comm());
  std::printf("bucket allreduce ok: %s\n", mpi != nullptr ? mpi->allreducePath().c_str() : "-");
}

// With COHORT_COMPRESS set: the same bucket summed as DataParallel sums it
// compressed (Note [Compressed buckets]), the values small integers that
// 16 bits hold exactly; then kept for the loop below, which sends it again and
// again, so a fault finds a compressed exchange in flight.
struct CompressedBucket {
  at::Tensor bucket, residual;
};
CompressedBucket checkCompressedAllreduce(cohort::Runtime& rt) {
  const cohort::Compression compress = rt.settings().compress;
  if (compress == cohort::Compression::kNone) return {};
  constexpr int64_t kNumel = 1 << 20;  // 4 MiB: 2 MiB on the wire each way
  CompressedBucket c{rt.comm().newReductionBuffers({{kNumel, at::kFloat}})[0],
                     at::zeros({2 * kNumel})};
  c.bucket.copy_(at::arange(kNumel, at::kFloat).remainder(64).add(rt.rank()));
  rt.comm().allreduceBucketAsync(c.bucket, c.residual, compress)->wait();
  const at::Tensor want = at::arange(kNumel, at::kFloat)
                              .remainder(64)
                              .mul(rt.size())
                              .add(rt.size() * (rt.size() - 1) / 2.0);
  expect(at::equal(c.bucket, want), "the compressed bucket allreduce of the ranks is wrong");
  std::printf("compressed bucket allreduce ok: %s\n", cohort::compressionName(compress));
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
  if (args.ignore_term) std::signal(SIGTERM, SIG_IGN);
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    checkContract(rt);
    at::Tensor t = at::full({1}, static_cast<double>(rt.rank()), at::kDouble);
    rt.comm().allreduce(t, cohort::ReduceOp::kSum);
    double expected = rt.size() * (rt.size() - 1) / 2.0;
    expect(t.item<double>() == expected, "the allreduce of the ranks is wrong");
    checkBucketAllreduce(rt);
    CompressedBucket compressed = checkCompressedAllreduce(rt);
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::ofstream(rt.settings().outputs_dir + "/ready-rank-" + std::to_string(rt.rank()))
        << getpid() << "\n";
    std::printf("contract ok: rank %d of %d, local %d of %d, on %s, restart %d, run %s\n",
                rt.rank(), rt.size(), rt.localRank(), rt.localSize(), host,
                rt.settings().restart_count, rt.settings().run_id.c_str());
    std::fflush(stdout);

    bool this_attempt = rt.settings().restart_count < args.until_restart;
    bool will_fail = this_attempt && rt.rank() == args.fail_rank;
    const long rounds = this_attempt ? std::lround(std::ceil(args.seconds / 0.1)) : 0;
    for (long round = 0; round < rounds; ++round) {
      if (!will_fail) rt.comm().allreduce(t, cohort::ReduceOp::kSum);
      if (!will_fail && compressed.bucket.defined()) {
        rt.comm()
            .allreduceBucketAsync(compressed.bucket, compressed.residual, rt.settings().compress)
            ->wait();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (args.fill_disk && rt.rank() == 0) fillDisk(rt.settings().outputs_dir + "/fill");
    if (will_fail) fail(args.fail_how);
    rt.comm().barrier();
    if (rt.rank() == 0) std::printf("all ranks finished\n");
    return 0;
  });
}
