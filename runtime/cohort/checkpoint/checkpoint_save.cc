// Checkpointer's save side: when a save is due, the snapshot of the state
// into host memory, and the (background) write of the checkpoint's files.
// Resuming is in checkpoint_resume.cc.
#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/tensor.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/cpu_rng_state.h"
#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/world/runtime.h"

namespace cohort::checkpoint {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Whether an error's text says the disk (or the user's quota) is full.
bool saysDiskFull(const std::string& detail) {
  return detail.find(std::strerror(ENOSPC)) != std::string::npos ||
         detail.find(std::strerror(EDQUOT)) != std::string::npos;
}

// What to do about a full disk, in the words of whoever sets `rule`.
std::string diskFullHint(const std::string& dir, const Retention& rule) {
  const std::string setting =
      rule.keep_last_option.empty()
          ? std::string("the trainer's CheckpointPolicy::retention.keep_last")
          : rule.keep_last_option;
  const std::string now = rule.keep_last > 0 ? "now " + std::to_string(rule.keep_last)
                                             : std::string("now 0: every checkpoint is kept");
  return "free space on the disk of " + dir + ", or keep fewer checkpoints (" + setting + ", " +
         now + ")";
}

}  // namespace

struct Checkpointer::Snapshot {
  int64_t step = 0;
  NamedTensors model;
  NamedTensors optimizer;  // its tensors() (See Note [Optimizer state])
  std::map<std::string, std::string> optimizer_attributes;
  NamedTensors rng;    // "rank-N"
  NamedTensors ranks;  // "rank-N.name": TrainState::rank_state of every rank
  std::string meta;    // checkpoint.json
};

Checkpointer::Checkpointer(Runtime& rt, std::string checkpoints_dir, CheckpointPolicy policy)
    : rt_(rt),
      dir_(std::move(checkpoints_dir)),
      policy_(std::move(policy)),
      last_save_(Clock::now()) {}

Checkpointer::~Checkpointer() {
  try {
    wait();
  } catch (const std::exception& e) {
    log::error(std::string("the last checkpoint was not written: ") + e.what());
  }
}

bool Checkpointer::due(int64_t step) {
  const bool by_steps = policy_.every_steps > 0 && step % policy_.every_steps == 0;
  const bool by_time =
      policy_.every_seconds > 0 && secondsSince(last_save_) >= policy_.every_seconds;
  at::Tensor flags = at::tensor({by_time ? 1 : 0, cohort::stopRequested() ? 1 : 0}, at::kInt);
  // Clocks and signals differ between ranks; the decision must not.
  if (rt_.size() > 1) rt_.comm().allreduce(flags, ReduceOp::kMax);
  stop_ = flags[1].item<int>() != 0;
  if (stop_ && !stop_announced_ && rt_.rank() == 0) {
    log::info("a rank was sent SIGTERM: checkpoint at step " + std::to_string(step) +
              ", then stop");
  }
  stop_announced_ = stop_announced_ || stop_;
  return by_steps || flags[0].item<int>() != 0 || stop_;
}

void Checkpointer::wait() {
  if (writer_.joinable()) writer_.join();
  pending_.reset();
  if (write_error_) {
    auto error = write_error_;
    write_error_ = nullptr;
    std::rethrow_exception(error);
  }
}

void Checkpointer::snapshot(const TrainState& state, Snapshot* out) {
  // The tensors to copy, and where each goes in the arena (64-byte aligned).
  std::vector<std::pair<NamedTensors*, std::pair<std::string, at::Tensor>>> sources;
  for (const auto& item : state.model) sources.push_back({&out->model, item});
  if (state.optimizer) {
    for (const auto& item : state.optimizer->tensors()) sources.push_back({&out->optimizer, item});
    out->optimizer_attributes = state.optimizer->attributes();
    out->optimizer_attributes["type"] = state.optimizer->kind();
  }
  int64_t total = 0;
  bool any_cuda = false;
  for (const auto& s : sources) {
    total += (static_cast<int64_t>(s.second.second.nbytes()) + 63) / 64 * 64;
    any_cuda = any_cuda || s.second.second.is_cuda();
  }
  if (!arena_.defined() || arena_.numel() < total) {
    // Allocated (and its pages touched) once; later saves reuse it.
    arena_ = at::empty({std::max<int64_t>(total, 1)},
                       at::TensorOptions().dtype(at::kByte).pinned_memory(any_cuda));
    std::memset(arena_.data_ptr(), 0, static_cast<size_t>(arena_.numel()));
  }
  auto* base = static_cast<char*>(arena_.data_ptr());
  int64_t offset = 0;
  for (auto& [into, item] : sources) {
    const at::Tensor& from = item.second;
    at::Tensor to =
        at::from_blob(base + offset, from.sizes(), at::TensorOptions().dtype(from.scalar_type()));
    if (from.device().is_cpu() && from.is_contiguous()) {
      std::memcpy(to.data_ptr(), from.data_ptr(), from.nbytes());
    } else {
      at::NoGradGuard no_grad;
      to.copy_(from);
    }
    into->emplace_back(item.first, to);
    offset += (static_cast<int64_t>(from.nbytes()) + 63) / 64 * 64;
  }
}

void Checkpointer::save(const TrainState& state) {
  const auto start = Clock::now();
  wait();  // at most one write in flight
  // Every rank's generator state, gathered to rank 0.
  const at::Tensor mine = cpuRngState().contiguous();
  at::Tensor all = at::empty({rt_.size(), mine.numel()}, at::kByte);
  rt_.comm().allgather(mine, all);
  // Every rank's own tensors, to rank 0 one rank at a time (a broadcast from
  // each), so that no rank holds more than one rank's copy but rank 0.
  NamedTensors ranks;
  for (int r = 0; r < rt_.size(); ++r) {
    for (const auto& [name, live] : state.rank_state) {
      at::Tensor t = rt_.rank() == r ? live.to(at::kCPU).contiguous().clone()
                                     : at::empty(live.sizes(), live.options().device(at::kCPU));
      if (rt_.size() > 1) rt_.comm().broadcast(t, r);
      if (rt_.rank() == 0) ranks.emplace_back("rank-" + std::to_string(r) + "." + name, t);
    }
  }
  if (rt_.rank() == 0) {
    auto s = std::make_unique<Snapshot>();
    s->step = state.step;
    snapshot(state, s.get());
    s->ranks = std::move(ranks);
    for (int r = 0; r < rt_.size(); ++r)
      s->rng.emplace_back("rank-" + std::to_string(r), all[r].clone());
    json meta = {{"format", 1},
                 {"step", state.step},
                 {"epoch", state.epoch},
                 {"world_size", rt_.size()},
                 {"time", static_cast<double>(std::time(nullptr))},
                 {"cohort_version", COHORT_VERSION},
                 {"metrics", state.metrics}};
    meta["config"] = json::parse(state.config, nullptr, false);
    if (meta["config"].is_discarded()) meta["config"] = state.config;
    if (state.loader) meta["loader"] = json::parse(state.loader->state().toJson());
    if (!state.rank_state.empty()) {
      meta["rank_state"] = json::array();
      for (const auto& item : state.rank_state) meta["rank_state"].push_back(item.first);
    }
    s->meta = meta.dump(2) + "\n";
    pending_ = std::move(s);
    if (policy_.async) {
      writer_ = std::thread([this] {
        try {
          write(*pending_);
        } catch (...) {
          write_error_ = std::current_exception();
        }
      });
    } else {
      write(*pending_);
      pending_.reset();
    }
  }
  last_save_ = Clock::now();
  last_blocked_s_ = secondsSince(start);
  total_blocked_s_ += last_blocked_s_;
}

void Checkpointer::write(const Snapshot& s) {
  try {
    writeFiles(s);
  } catch (const Error& e) {
    if (!saysDiskFull(e.detail())) throw;
    throw Error(e.detail(), diskFullHint(dir_, policy_.retention));
  }
}

void Checkpointer::writeFiles(const Snapshot& s) {
  const auto start = Clock::now();
  PendingCheckpoint folder(dir_, s.step);
  writeTensorFile(folder.path("model.h5").string(), s.model, {{"kind", "model"}});
  folder.seal("model.h5");
  if (!s.optimizer_attributes.empty()) {
    auto attributes = s.optimizer_attributes;
    attributes["kind"] = "optimizer";
    writeTensorFile(folder.path("optimizer.h5").string(), s.optimizer, attributes);
    folder.seal("optimizer.h5");
  }
  writeTensorFile(folder.path("rng.h5").string(), s.rng,
                  {{"kind", "rng"}, {"generator", "torch CPU default"}});
  folder.seal("rng.h5");
  if (!s.ranks.empty()) {
    writeTensorFile(folder.path("ranks.h5").string(), s.ranks, {{"kind", "ranks"}});
    folder.seal("ranks.h5");
  }
  writeTextFile(folder.path("checkpoint.json"), s.meta);
  folder.seal("checkpoint.json");
  const fs::path committed = folder.commit();
  int64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(committed))
    bytes += static_cast<int64_t>(entry.file_size());
  last_bytes_ = bytes;
  last_write_s_ = secondsSince(start);
  for (const auto& name : pruneCheckpoints(dir_, policy_.retention))
    log::debug("deleted the old checkpoint " + name);
  log::info("checkpoint " + committed.filename().string() + " committed (" +
            std::to_string(bytes >> 20) + " MiB in " + std::to_string(last_write_s_) + " s)");
}

}  // namespace cohort::checkpoint
