#include "cohort/checkpoint/checkpointer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/latest_pointer.h"
#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/core/log.h"
#include "cohort/data/sharded_loader.h"
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

const at::Tensor* find(const NamedTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

// Rank 0's tensor (`loaded`, there) on every rank, on the CPU, shaped like `live`.
at::Tensor broadcastLoaded(Communicator& comm, const at::Tensor& loaded, const at::Tensor& live) {
  at::Tensor staging = comm.rank() == 0 ? loaded.contiguous().clone()
                                        : at::empty(live.sizes(), live.options().device(at::kCPU));
  comm.broadcast(staging, 0);
  return staging;
}

// Rank 0's named tensors on every rank: their names, dtypes and shapes first,
// then each tensor.
NamedTensors broadcastTensors(Communicator& comm, const NamedTensors& on_root) {
  json directory = json::array();
  if (comm.rank() == 0) {
    for (const auto& [name, t] : on_root) {
      directory.push_back({name, static_cast<int>(t.scalar_type()), t.sizes().vec()});
    }
  }
  directory = json::parse(broadcastText(comm, directory.dump(), 0));
  NamedTensors out;
  for (size_t i = 0; i < directory.size(); ++i) {
    const auto& entry = directory[i];
    at::Tensor t =
        comm.rank() == 0
            ? on_root[i].second.contiguous().clone()
            : at::empty(
                  entry[2].get<std::vector<int64_t>>(),
                  at::TensorOptions().dtype(static_cast<at::ScalarType>(entry[1].get<int>())));
    comm.broadcast(t, 0);
    out.emplace_back(entry[0].get<std::string>(), t);
  }
  return out;
}

std::map<std::string, std::string> broadcastAttributes(
    Communicator& comm, const std::map<std::string, std::string>& on_root) {
  return json::parse(broadcastText(comm, comm.rank() == 0 ? json(on_root).dump() : "", 0))
      .get<std::map<std::string, std::string>>();
}

// Why a checkpoint with these parts cannot resume `state` ("" when it can):
// every part the checkpoint holds must be in the TrainState, and the reverse.
std::string describeMissingParts(const TrainState& state, const TensorFile* optimizer,
                                 bool has_loader, std::string* hint) {
  const std::string type = optimizer && optimizer->attributes.count("type")
                               ? optimizer->attributes.at("type")
                               : std::string("an unnamed optimizer (written by an older cohort)");
  if (optimizer && !state.optimizer) {
    *hint =
        "set TrainState::optimizer to the trainer's optimizer (state.optimizer = &opt), or start "
        "afresh in "
        "another outputs folder";
    return "it holds the state of " + type +
           ", but the TrainState has no optimizer: resuming would start "
           "the optimizer afresh";
  }
  if (!optimizer && state.optimizer) {
    *hint =
        "start afresh in another outputs folder, or resume without TrainState::optimizer as the "
        "run that "
        "wrote it did";
    return "it holds no optimizer state, but the TrainState has " + state.optimizer->kind();
  }
  if (optimizer && type != state.optimizer->kind()) {
    *hint =
        "resume with the optimizer the checkpoint was written with, or start afresh in another "
        "outputs "
        "folder";
    return "its optimizer state is " + type + "'s, but the TrainState has " +
           state.optimizer->kind();
  }
  if (has_loader && !state.loader) {
    *hint =
        "set TrainState::loader to the training ShardedLoader (state.loader = &loader), so that "
        "the epoch "
        "continues where it stopped";
    return "it holds the training loader's position, but the TrainState has no loader: resuming "
           "would "
           "repeat the epoch's samples";
  }
  if (!has_loader && state.loader) {
    *hint =
        "start afresh in another outputs folder, or resume without TrainState::loader as the run "
        "that "
        "wrote it did";
    return "it holds no loader position, but the TrainState has a loader";
  }
  return "";
}

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
  NamedTensors rng;  // "rank-N"
  std::string meta;  // checkpoint.json
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
  if (rt_.rank() == 0) {
    auto s = std::make_unique<Snapshot>();
    s->step = state.step;
    snapshot(state, s.get());
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

std::optional<Resumed> Checkpointer::resume(TrainState& state) {
  Communicator& comm = rt_.comm();
  // Rank 0 finds and reads the checkpoint; status 0: none, 1: found, 2: unusable (error text).
  int64_t status = 0;
  std::string text;  // checkpoint.json, or the error
  std::string folder_name;
  std::string hint;  // with status 2: what to do
  TensorFile model, optimizer, rng;
  if (rt_.rank() == 0) {
    for (const auto& name : removeUnfinished(dir_)) {
      log::warn("removed " + (fs::path(dir_) / name).string() +
                ", left by a checkpoint write that did not finish");
    }
    std::vector<std::string> unreadable;
    const auto committed = listCheckpoints(dir_, &unreadable);
    for (const auto& entry : unreadable) log::warn("skipping " + entry);
    for (const auto& c : committed) {
      const std::string problem = verifyCheckpoint(c.folder);
      if (!problem.empty()) {
        log::warn("skipping the checkpoint " + c.folder.string() + ": " + problem);
        continue;
      }
      bool has_optimizer = false;
      try {
        model = readTensorFile((c.folder / "model.h5").string());
        has_optimizer = fs::exists(c.folder / "optimizer.h5");
        if (has_optimizer) optimizer = readTensorFile((c.folder / "optimizer.h5").string());
        rng = readTensorFile((c.folder / "rng.h5").string());
        std::ifstream in(c.folder / "checkpoint.json");
        text.assign(std::istreambuf_iterator<char>(in), {});
      } catch (const Error& e) {
        log::warn("skipping the checkpoint " + c.folder.string() + ": " + e.detail());
        continue;
      }
      folder_name = c.folder.string();
      const json saved_meta = parseUntrustedJson(text);  // See Note [Untrusted JSON]
      const bool has_loader = saved_meta.is_object() && saved_meta.contains("loader");
      std::string wrong =
          optim::describeMismatch(model.tensors, state.model, "the checkpoint's model");
      if (!wrong.empty()) {
        hint =
            "resume this model from its own outputs folder (--outputs), or move the old "
            "checkpoints away";
        text = folder_name + " was written by a different model: " + wrong;
      } else if (!(wrong = describeMissingParts(state, has_optimizer ? &optimizer : nullptr,
                                                has_loader, &hint))
                      .empty()) {
        text = "cannot resume from " + folder_name + ": " + wrong;
      }
      status = wrong.empty() ? 1 : 2;
      break;
    }
    if (status != 2) {
      // See Note [Latest pointer]: `latest` must name what is resumed.
      try {
        repairLatest(dir_, status == 1 ? fs::path(folder_name).filename().string() : "");
      } catch (const Error& e) {
        status = 2;
        text = e.detail();
        hint = e.hint();
      }
    }
  }
  at::Tensor header = at::tensor({status}, at::kLong);
  comm.broadcast(header, 0);
  status = header[0].item<int64_t>();
  if (status == 0) return std::nullopt;
  text = broadcastText(comm, text, 0);
  folder_name = broadcastText(comm, folder_name, 0);
  if (status == 2) throw ConfigError(text, broadcastText(comm, hint, 0));
  std::string why;
  const json meta = parseUntrustedJson(text, &why);
  COHORT_CHECK(!meta.is_discarded(), DataError, folder_name + "/checkpoint.json: " + why,
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
    // Every rank checks and loads the same state, so all reach the same verdict.
    const NamedTensors saved = broadcastTensors(comm, optimizer.tensors);
    const auto attributes = broadcastAttributes(comm, optimizer.attributes);
    try {
      state.optimizer->load(saved, attributes);
    } catch (const ConfigError& e) {
      throw ConfigError(folder_name + " was written by a differently configured " +
                            state.optimizer->kind() + ": " + e.detail(),
                        e.hint());
    }
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
    log::warn("the checkpoint has no random generator state for rank " +
              std::to_string(rt_.rank()) + " (it was written by " + std::to_string(saved_world) +
              " ranks); this rank keeps its seed's");
  }
  if (state.loader) {
    state.loader->restore(
        data::LoaderState::fromJson(meta["loader"].dump(), folder_name + "/checkpoint.json"));
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
  if (rt_.rank() == 0)
    log::info("resumed from " + folder_name + " (step " + std::to_string(r.step) + ")");
  last_save_ = Clock::now();
  return r;
}

}  // namespace cohort::checkpoint
