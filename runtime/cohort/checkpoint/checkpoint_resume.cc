// Checkpointer's resume(): rank 0 finds the newest usable checkpoint and
// reads it; every rank gets what it read by broadcast and loads it into its
// TrainState. Saving is in checkpoint_save.cc.
#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <vector>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/cpu_rng_state.h"
#include "cohort/checkpoint/latest_pointer.h"
#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/core/log.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/world/runtime.h"

namespace cohort::checkpoint {

namespace {

using nlohmann::json;

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
// The names of a checkpoint's per-rank state (checkpoint.json's "rank_state").
std::vector<std::string> rankStateNames(const json& meta) {
  std::vector<std::string> names;
  if (!meta.is_object() || !meta.contains("rank_state") || !meta["rank_state"].is_array()) {
    return names;
  }
  for (const auto& n : meta["rank_state"])
    names.push_back(n.is_string() ? n.get<std::string>() : "?");
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text.empty() ? "none" : text;
}

std::string describeMissingParts(const TrainState& state, const TensorFile* optimizer,
                                 bool has_loader, const std::vector<std::string>& rank_state,
                                 std::string* hint) {
  std::vector<std::string> live;
  for (const auto& item : state.rank_state) live.push_back(item.first);
  if (live != rank_state) {
    *hint =
        "resume with the compression the run was written with (DataParallelOptions::compress "
        "or COHORT_COMPRESS) and TrainState::rank_state = dp.rankState(), or start afresh in "
        "another outputs folder";
    return "it holds per-rank state (" + joined(rank_state) + ") but the TrainState has (" +
           joined(live) + "): the compression residuals would be lost or made up";
  }
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

// What rank 0 found to resume from.
struct Found {
  int64_t status = 0;  // 0: none, 1: found, 2: unusable (`text` says why, `hint` what to do)
  std::string text;    // checkpoint.json, or the error
  std::string folder_name;
  std::string hint;
  TensorFile model, optimizer, rng, ranks;
};

// Rank 0: the newest committed checkpoint in `dir` that passes its checksums
// and can be read, and whether it fits `state`; `latest` is made to name it.
Found findOnRoot(const std::string& dir, const TrainState& state) {
  Found found;
  refuseUnusableFolder(dir);
  for (const auto& name : removeUnfinished(dir)) {
    log::warn("removed " + (fs::path(dir) / name).string() +
              ", left by a checkpoint write that did not finish");
  }
  std::vector<std::string> unreadable;
  const auto committed = listCheckpoints(dir, &unreadable);
  for (const auto& entry : unreadable) log::warn("skipping " + entry);
  for (const auto& c : committed) {
    const std::string problem = verifyCheckpoint(c.folder);
    if (!problem.empty()) {
      log::warn("skipping the checkpoint " + c.folder.string() + ": " + problem);
      continue;
    }
    bool has_optimizer = false;
    try {
      found.model = readTensorFile((c.folder / "model.h5").string());
      has_optimizer = fs::exists(c.folder / "optimizer.h5");
      if (has_optimizer) found.optimizer = readTensorFile((c.folder / "optimizer.h5").string());
      found.rng = readTensorFile((c.folder / "rng.h5").string());
      if (fs::exists(c.folder / "ranks.h5")) {
        found.ranks = readTensorFile((c.folder / "ranks.h5").string());
      }
      std::ifstream in(c.folder / "checkpoint.json");
      found.text.assign(std::istreambuf_iterator<char>(in), {});
    } catch (const Error& e) {
      log::warn("skipping the checkpoint " + c.folder.string() + ": " + e.detail());
      continue;
    }
    found.folder_name = c.folder.string();
    const json saved_meta = parseUntrustedJson(found.text);  // See Note [Untrusted JSON]
    const bool has_loader = saved_meta.is_object() && saved_meta.contains("loader");
    std::string wrong =
        optim::describeMismatch(found.model.tensors, state.model, "the checkpoint's model");
    if (!wrong.empty()) {
      found.hint =
          "resume this model from its own outputs folder (--outputs), or move the old "
          "checkpoints away";
      found.text = found.folder_name + " was written by a different model: " + wrong;
    } else if (!(wrong = describeMissingParts(state, has_optimizer ? &found.optimizer : nullptr,
                                              has_loader, rankStateNames(saved_meta), &found.hint))
                    .empty()) {
      found.text = "cannot resume from " + found.folder_name + ": " + wrong;
    }
    found.status = wrong.empty() ? 1 : 2;
    break;
  }
  if (found.status != 2) {
    // See Note [Latest pointer]: `latest` must name what is resumed.
    try {
      repairLatest(dir, found.status == 1 ? fs::path(found.folder_name).filename().string() : "");
    } catch (const Error& e) {
      found.status = 2;
      found.text = e.detail();
      found.hint = e.hint();
    }
  }
  return found;
}

}  // namespace

std::optional<Resumed> Checkpointer::resume(TrainState& state) {
  Communicator& comm = rt_.comm();
  // Rank 0 finds and reads the checkpoint.
  Found found;
  if (rt_.rank() == 0) found = findOnRoot(dir_, state);
  int64_t status = found.status;
  std::string text = std::move(found.text);
  std::string folder_name = std::move(found.folder_name);
  std::string hint = std::move(found.hint);
  const TensorFile& model = found.model;
  const TensorFile& optimizer = found.optimizer;
  const TensorFile& rng = found.rng;
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
  const int64_t saved_world = jsonField<int64_t>(meta, "world_size", 0);
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
  // Each rank's own tensors (the names were checked against the checkpoint's).
  const bool same_world = saved_world == rt_.size();
  if (!state.rank_state.empty() && !same_world && rt_.rank() == 0) {
    log::warn(folder_name + " was written by " + std::to_string(saved_world) + " ranks, not " +
              std::to_string(rt_.size()) +
              ": its per-rank state (the compression residuals) "
              "cannot be given out, and starts at zero");
  }
  for (int r = 0; r < rt_.size() && same_world; ++r) {
    for (auto& [name, live] : state.rank_state) {
      at::Tensor t = at::zeros(live.sizes(), live.options().device(at::kCPU));
      bool fits = true;
      if (rt_.rank() == 0) {
        const at::Tensor* saved =
            find(found.ranks.tensors, "rank-" + std::to_string(r) + "." + name);
        fits = saved != nullptr && saved->sizes() == live.sizes() &&
               saved->scalar_type() == live.scalar_type();
        if (fits) t.copy_(*saved);
      }
      at::Tensor ok = at::tensor({fits ? 1 : 0}, at::kInt);
      comm.broadcast(ok, 0);
      COHORT_CHECK(ok[0].item<int>() == 1, DataError,
                   folder_name + "/ranks.h5 has no " +
                       std::string(c10::toString(live.scalar_type())) + " tensor 'rank-" +
                       std::to_string(r) + "." + name + "' of the live shape",
                   "the checkpoint is damaged or from another model; move it away to resume from "
                   "the one before");
      comm.broadcast(t, 0);
      if (rt_.rank() == r) {
        at::NoGradGuard no_grad;
        live.copy_(t);
      }
    }
  }
  if (!same_world) {
    at::NoGradGuard no_grad;
    for (auto& [name, live] : state.rank_state) live.zero_();
  }
  if (state.loader) {
    state.loader->restore(
        data::LoaderState::fromJson(meta["loader"].dump(), folder_name + "/checkpoint.json"));
  }
  Resumed r;
  r.step = jsonField<int64_t>(meta, "step", 0);
  r.epoch = jsonField<int64_t>(meta, "epoch", 0);
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
  last_save_ = std::chrono::steady_clock::now();
  return r;
}

}  // namespace cohort::checkpoint
