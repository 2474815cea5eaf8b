#include "cohort/checkpoint/checkpointer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/optim/fused_optimizer.h"
#include "cohort/world/runtime.h"

namespace cohort::checkpoint {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

at::Tensor cpuRngState() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void setCpuRngState(const at::Tensor& state) {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

std::string shapeText(at::IntArrayRef sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

// Rank 0's tensor (`loaded`, there) on every rank, on the CPU, shaped like `live`.
at::Tensor broadcastLoaded(Communicator& comm, const at::Tensor& loaded, const at::Tensor& live) {
  at::Tensor staging = comm.rank() == 0 ? loaded.contiguous().clone()
                                        : at::empty(live.sizes(), live.options().device(at::kCPU));
  comm.broadcast(staging, 0);
  return staging;
}

const at::Tensor* find(const NamedTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

// Why the saved tensors cannot be loaded into `live` ("" when they can).
std::string describeMismatch(const NamedTensors& saved, const NamedTensors& live, const std::string& what) {
  for (const auto& [name, tensor] : live) {
    const at::Tensor* s = find(saved, name);
    if (!s) return what + " has no tensor '" + name + "'";
    if (s->sizes() != tensor.sizes()) {
      return what + "'s '" + name + "' has shape " + shapeText(s->sizes()) + ", this one " +
             shapeText(tensor.sizes());
    }
    if (s->scalar_type() != tensor.scalar_type()) {
      return what + "'s '" + name + "' is " + c10::toString(s->scalar_type()) + ", this one " +
             c10::toString(tensor.scalar_type());
    }
  }
  if (saved.size() != live.size()) {
    for (const auto& [name, tensor] : saved) {
      if (!find(live, name)) return what + " has the tensor '" + name + "', which this one does not";
    }
  }
  return "";
}

}  // namespace

struct Checkpointer::Snapshot {
  int64_t step = 0;
  NamedTensors model;
  NamedTensors optimizer;      // state tensors, then "stepped"
  std::map<std::string, std::string> optimizer_attributes;
  NamedTensors rng;            // "rank-N"
  std::string meta;            // checkpoint.json
};

Checkpointer::Checkpointer(Runtime& rt, std::string checkpoints_dir, CheckpointPolicy policy)
    : rt_(rt), dir_(std::move(checkpoints_dir)), policy_(std::move(policy)), last_save_(Clock::now()) {}

Checkpointer::~Checkpointer() {
  try {
    wait();
  } catch (const std::exception& e) {
    log::error(std::string("the last checkpoint was not written: ") + e.what());
  }
}

bool Checkpointer::due(int64_t step) {
  const bool by_steps = policy_.every_steps > 0 && step % policy_.every_steps == 0;
  const bool by_time = policy_.every_seconds > 0 && secondsSince(last_save_) >= policy_.every_seconds;
  at::Tensor flags = at::tensor({by_time ? 1 : 0, cohort::stopRequested() ? 1 : 0}, at::kInt);
  // Clocks and signals differ between ranks; the decision must not.
  if (rt_.size() > 1) rt_.comm().allreduce(flags, ReduceOp::kMax);
  stop_ = flags[1].item<int>() != 0;
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
    for (const auto& item : state.optimizer->state()) sources.push_back({&out->optimizer, item});
  }
  int64_t total = 0;
  bool any_cuda = false;
  for (const auto& s : sources) {
    total += (static_cast<int64_t>(s.second.second.nbytes()) + 63) / 64 * 64;
    any_cuda = any_cuda || s.second.second.is_cuda();
  }
  if (!arena_.defined() || arena_.numel() < total) {
    // Allocated (and its pages touched) once; later saves reuse it.
    arena_ = at::empty({std::max<int64_t>(total, 1)}, at::TensorOptions().dtype(at::kByte).pinned_memory(any_cuda));
    std::memset(arena_.data_ptr(), 0, static_cast<size_t>(arena_.numel()));
  }
  auto* base = static_cast<char*>(arena_.data_ptr());
  int64_t offset = 0;
  for (auto& [into, item] : sources) {
    const at::Tensor& from = item.second;
    at::Tensor to = at::from_blob(base + offset, from.sizes(), at::TensorOptions().dtype(from.scalar_type()));
    if (from.device().is_cpu() && from.is_contiguous()) {
      std::memcpy(to.data_ptr(), from.data_ptr(), from.nbytes());
    } else {
      at::NoGradGuard no_grad;
      to.copy_(from);
    }
    into->emplace_back(item.first, to);
    offset += (static_cast<int64_t>(from.nbytes()) + 63) / 64 * 64;
  }
  if (state.optimizer) {
    const auto stepped = state.optimizer->stepped();
    at::Tensor mask = at::empty({static_cast<int64_t>(stepped.size())}, at::kByte);
    for (size_t i = 0; i < stepped.size(); ++i) mask.data_ptr<uint8_t>()[i] = stepped[i] ? 1 : 0;
    out->optimizer.emplace_back("stepped", mask);
    out->optimizer_attributes = {{"steps", std::to_string(state.optimizer->steps())},
                                 {"lr", std::to_string(state.optimizer->lr())}};
  }
}

void Checkpointer::save(const TrainState& state) {
  const auto start = Clock::now();
  wait();  // at most one write in flight
  // Every rank's generator state, gathered to rank 0.
  const at::Tensor mine = cpuRngState().contiguous();
  at::Tensor all = at::empty({rt_.size(), mine.numel()}, at::kByte);
  rt_.comm().allgather(mine, all);
  if (rt_.rank() == 0) {
    auto s = std::make_unique<Snapshot>();
    s->step = state.step;
    snapshot(state, s.get());
    for (int r = 0; r < rt_.size(); ++r) s->rng.emplace_back("rank-" + std::to_string(r), all[r].clone());
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
  const auto start = Clock::now();
  PendingCheckpoint folder(dir_, s.step);
  writeTensorFile(folder.path("model.h5").string(), s.model, {{"kind", "model"}});
  folder.seal("model.h5");
  if (!s.optimizer.empty()) {
    auto attributes = s.optimizer_attributes;
    attributes["kind"] = "optimizer";
    writeTensorFile(folder.path("optimizer.h5").string(), s.optimizer, attributes);
    folder.seal("optimizer.h5");
  }
  writeTensorFile(folder.path("rng.h5").string(), s.rng, {{"kind", "rng"}, {"generator", "torch CPU default"}});
  folder.seal("rng.h5");
  writeTextFile(folder.path("checkpoint.json"), s.meta);
  folder.seal("checkpoint.json");
  const fs::path committed = folder.commit();
  int64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(committed)) bytes += static_cast<int64_t>(entry.file_size());
  last_bytes_ = bytes;
  last_write_s_ = secondsSince(start);
  for (const auto& name : pruneCheckpoints(dir_, policy_.retention)) log::debug("deleted the old checkpoint " + name);
  log::info("checkpoint " + committed.filename().string() + " committed (" + std::to_string(bytes >> 20) +
            " MiB in " + std::to_string(last_write_s_) + " s)");
}

std::optional<Resumed> Checkpointer::resume(TrainState& state) {
  Communicator& comm = rt_.comm();
  // Rank 0 finds and reads the checkpoint; status 0: none, 1: found, 2: unusable (error text).
  int64_t status = 0;
  std::string text;  // checkpoint.json, or the error
  std::string folder_name;
  TensorFile model, optimizer, rng;
  if (rt_.rank() == 0) {
    for (const auto& name : removeUnfinished(dir_)) {
      log::warn("removed " + (fs::path(dir_) / name).string() + ", a checkpoint whose write did not finish");
    }
    for (const auto& c : listCheckpoints(dir_)) {
      const std::string problem = verifyCheckpoint(c.folder);
      if (!problem.empty()) {
        log::warn("skipping the checkpoint " + c.folder.string() + ": " + problem);
        continue;
      }
      try {
        model = readTensorFile((c.folder / "model.h5").string());
        if (state.optimizer) optimizer = readTensorFile((c.folder / "optimizer.h5").string());
        rng = readTensorFile((c.folder / "rng.h5").string());
        std::ifstream in(c.folder / "checkpoint.json");
        text.assign(std::istreambuf_iterator<char>(in), {});
      } catch (const Error& e) {
        log::warn("skipping the checkpoint " + c.folder.string() + ": " + e.detail());
        continue;
      }
      folder_name = c.folder.string();
      std::string wrong = describeMismatch(model.tensors, state.model, "the checkpoint's model");
      if (wrong.empty() && state.optimizer) {
        NamedTensors live = state.optimizer->state();
        live.emplace_back("stepped", at::empty({static_cast<int64_t>(state.optimizer->stepped().size())}, at::kByte));
        wrong = describeMismatch(optimizer.tensors, live, "the checkpoint's optimizer");
      }
      status = wrong.empty() ? 1 : 2;
      if (!wrong.empty()) text = folder_name + " was written by a different model or optimizer: " + wrong;
      break;
    }
  }
  at::Tensor header = at::tensor({status}, at::kLong);
  comm.broadcast(header, 0);
  status = header[0].item<int64_t>();
  if (status == 0) return std::nullopt;
  text = broadcastText(comm, text, 0);
  folder_name = broadcastText(comm, folder_name, 0);
  if (status == 2) {
    throw ConfigError(text, "resume this model from its own outputs folder (--outputs), or move the old checkpoints away");
  }
  const json meta = json::parse(text, nullptr, false);
  COHORT_CHECK(!meta.is_discarded(), DataError, folder_name + "/checkpoint.json is not valid JSON",
               "the checkpoint is damaged; move it away to resume from the one before");
  // The model, in the order of the live tensors.
  auto loadedOf = [&](const TensorFile& file, const std::string& name, const at::Tensor& live) {
    const at::Tensor* loaded = rt_.rank() == 0 ? find(file.tensors, name) : nullptr;
    return broadcastLoaded(comm, loaded ? *loaded : at::Tensor(), live);
  };
  {
    at::NoGradGuard no_grad;
    for (auto& [name, live] : state.model) live.copy_(loadedOf(model, name, live));
  }
  if (state.optimizer) {
    NamedTensors loaded;
    for (const auto& [name, live] : state.optimizer->state()) loaded.emplace_back(name, loadedOf(optimizer, name, live));
    const at::Tensor stepped = loadedOf(
        optimizer, "stepped", at::empty({static_cast<int64_t>(state.optimizer->stepped().size())}, at::kByte));
    const std::string steps = broadcastText(comm, rt_.rank() == 0 ? optimizer.attributes["steps"] : "", 0);
    std::vector<bool> flags(static_cast<size_t>(stepped.numel()));
    for (size_t i = 0; i < flags.size(); ++i) flags[i] = stepped.data_ptr<uint8_t>()[i] != 0;
    state.optimizer->loadState(loaded, std::stoll(steps.empty() ? "0" : steps), flags);
  }
  // Each rank's generator, if the checkpoint has one for this rank.
  const int64_t saved_world = meta.value("world_size", int64_t{0});
  at::Tensor mine = cpuRngState().contiguous();
  at::Tensor all = at::empty({saved_world, mine.numel()}, at::kByte);
  if (rt_.rank() == 0) {
    for (int64_t r = 0; r < saved_world; ++r) {
      const at::Tensor* t = find(rng.tensors, "rank-" + std::to_string(r));
      if (t && t->numel() == mine.numel()) all[r].copy_(*t);
    }
  }
  comm.broadcast(all, 0);
  if (rt_.rank() < saved_world) {
    setCpuRngState(all[rt_.rank()].clone());
  } else {
    log::warn("the checkpoint has no random generator state for rank " + std::to_string(rt_.rank()) +
              " (it was written by " + std::to_string(saved_world) + " ranks); this rank keeps its seed's");
  }
  if (state.loader && meta.contains("loader")) {
    state.loader->restore(data::LoaderState::fromJson(meta["loader"].dump(), folder_name + "/checkpoint.json"));
  }
  Resumed r;
  r.step = meta.value("step", int64_t{0});
  r.epoch = meta.value("epoch", int64_t{0});
  r.folder = folder_name;
  if (meta.contains("metrics") && meta["metrics"].is_object()) {
    for (const auto& [k, v] : meta["metrics"].items()) {
      if (v.is_number()) r.metrics[k] = v.get<double>();
    }
  }
  state.step = r.step;
  state.epoch = r.epoch;
  if (rt_.rank() == 0) log::info("resumed from " + folder_name + " (step " + std::to_string(r.step) + ")");
  last_save_ = Clock::now();
  return r;
}

}  // namespace cohort::checkpoint
