// checkpoint_save_loop: a trainer stand-in for the crash checks
// (check_kill_during_write.sh, check_disk_full.sh). Its state is MB MiB of
// float32 in 30 tensors whose values are a function of the step, so a resumed
// state can be checked against the step it claims to be.
//
//   checkpoint_save_loop --dir DIR [--mb MB] [--first-step S] [--steps N] [--keep K]
//       saves (sync mode, keeping the last K, default 2) steps S, S+1, ... (N
//       of them; 0: until killed), printing "committed step K" after each
//   checkpoint_save_loop --dir DIR [--mb MB] --verify
//       resumes from DIR and checks the state against its step: prints
//       "resumed step K: state verified" and exits 0, or exits 1
//
// Runs without a launcher (a world of one).
#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cohort/checkpoint/checkpointer.h"
#include "cohort/cohort.h"

namespace {

constexpr int kTensors = 30;

struct Options {
  std::string dir;
  int64_t mb = 150;
  int64_t first_step = 1;
  int64_t steps = 0;
  int keep = 2;
  bool verify = false;
};

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--verify") {
      o.verify = true;
    } else if (arg == "--dir" && has_value) {
      o.dir = argv[++i];
    } else if (arg == "--mb" && has_value) {
      o.mb = std::atoll(argv[++i]);
    } else if (arg == "--first-step" && has_value) {
      o.first_step = std::atoll(argv[++i]);
    } else if (arg == "--steps" && has_value) {
      o.steps = std::atoll(argv[++i]);
    } else if (arg == "--keep" && has_value) {
      o.keep = std::atoi(argv[++i]);
    } else {
      throw cohort::ConfigError("checkpoint_save_loop: unknown argument " + arg,
                                "usage: checkpoint_save_loop --dir DIR [--mb MB] [--first-step S] "
                                "[--steps N] [--keep K] [--verify]");
    }
  }
  if (o.dir.empty() || o.mb <= 0)
    throw cohort::ConfigError("checkpoint_save_loop: --dir is required and --mb > 0");
  return o;
}

// The step-independent part of each tensor: integers below 2^20, so that
// adding any step below 2^23 stays exact in float32.
std::vector<at::Tensor> basePattern(int64_t mb) {
  const int64_t per_tensor = std::max<int64_t>(1, (mb << 20) / 4 / kTensors / 64) * 64;
  std::vector<at::Tensor> base;
  for (int i = 0; i < kTensors; ++i) {
    at::Tensor t =
        at::arange(per_tensor, at::kLong).mul_(31).add_(17 * i).remainder_(1 << 20).to(at::kFloat);
    base.push_back(t.reshape({64, per_tensor / 64}));
  }
  return base;
}

std::string tensorName(int i) { return "layers." + std::to_string(i) + ".weight"; }

int saveLoop(cohort::Runtime& rt, const Options& o) {
  const auto base = basePattern(o.mb);
  cohort::checkpoint::CheckpointPolicy policy;
  policy.async = false;
  policy.retention.keep_last = o.keep;
  policy.retention.keep_last_option = "--keep";  // named when the disk fills up
  cohort::checkpoint::Checkpointer ckpt(rt, o.dir, policy);
  cohort::checkpoint::TrainState state;
  for (int i = 0; i < kTensors; ++i)
    state.model.emplace_back(tensorName(i), at::empty_like(base[i]));
  for (int64_t step = o.first_step; o.steps == 0 || step < o.first_step + o.steps; ++step) {
    for (int i = 0; i < kTensors; ++i)
      at::add_out(state.model[i].second, base[i], static_cast<double>(step));
    state.step = step;
    ckpt.save(state);
    std::printf("committed step %lld\n", static_cast<long long>(step));
    std::fflush(stdout);
  }
  return 0;
}

int verify(cohort::Runtime& rt, const Options& o) {
  const auto base = basePattern(o.mb);
  cohort::checkpoint::Checkpointer ckpt(rt, o.dir, cohort::checkpoint::CheckpointPolicy{});
  cohort::checkpoint::TrainState state;
  for (int i = 0; i < kTensors; ++i)
    state.model.emplace_back(tensorName(i), at::full_like(base[i], -1));
  const auto resumed = ckpt.resume(state);
  if (!resumed) {
    std::printf("no checkpoint to resume from in %s\n", o.dir.c_str());
    return 1;
  }
  for (int i = 0; i < kTensors; ++i) {
    if (!at::equal(state.model[i].second, base[i] + static_cast<double>(resumed->step))) {
      std::printf("resumed step %lld: %s does not hold that step's values\n",
                  static_cast<long long>(resumed->step), tensorName(i).c_str());
      return 1;
    }
  }
  std::printf("resumed step %lld: state verified\n", static_cast<long long>(resumed->step));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    const Options o = parseOptions(argc, argv);
    return o.verify ? verify(rt, o) : saveLoop(rt, o);
  });
}
