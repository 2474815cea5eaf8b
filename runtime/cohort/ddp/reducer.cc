#include "cohort/ddp/reducer.h"

#include <ATen/ATen.h>
#include <c10/util/strides.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

#include "cohort/core/error.h"
#include "cohort/core/log.h"

namespace cohort {

namespace {

// Runs after a parameter's AccumulateGrad node: its .grad() is final for this
// backward pass. Holds the reducer weakly so a dropped DataParallel is inert.
class GradReadyHook : public torch::autograd::FunctionPostHook {
 public:
  GradReadyHook(std::weak_ptr<Reducer> reducer, int index)
      : reducer_(std::move(reducer)), index_(index) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list&) override {
    if (auto reducer = reducer_.lock()) reducer->markReady(index_);
    return outputs;
  }

 private:
  std::weak_ptr<Reducer> reducer_;
  int index_;
};

// A tensor of `sizes` over flat[offset, ...), sharing its memory. It is not an
// autograd view of `flat`: optimizers call detach_() on .grad(), which views
// refuse.
at::Tensor aliasOf(const at::Tensor& flat, int64_t offset, at::IntArrayRef sizes) {
  at::Tensor alias = at::empty({0}, flat.options());
  alias.set_(flat.storage(), flat.storage_offset() + offset, sizes, c10::contiguous_strides(sizes));
  return alias;
}

}  // namespace

std::shared_ptr<Reducer> Reducer::create(std::vector<at::Tensor> params,
                                         std::vector<std::string> names, Communicator& comm,
                                         int64_t first_cap_bytes, int64_t cap_bytes,
                                         Compression compress) {
  std::vector<ParamInfo> infos;
  for (const at::Tensor& p : params) {
    infos.push_back(
        {p.numel(), static_cast<int64_t>(p.element_size()), static_cast<int>(p.scalar_type())});
  }
  auto plan = planBuckets(infos, first_cap_bytes, cap_bytes);
  std::shared_ptr<Reducer> reducer(
      new Reducer(std::move(params), std::move(names), comm, std::move(plan), compress));
  reducer->installHooks();
  return reducer;
}

Reducer::Reducer(std::vector<at::Tensor> params, std::vector<std::string> names, Communicator& comm,
                 std::vector<BucketSpec> plan, Compression compress)
    : params_(std::move(params)),
      names_(std::move(names)),
      comm_(comm),
      plan_(std::move(plan)),
      scale_(1.0 / comm.size()),
      scale_tensor_(at::scalar_tensor(1.0 / comm.size(), at::kDouble)),
      compress_(compress) {
  std::vector<BufferSpec> specs;
  for (size_t b = 0; b < plan_.size(); ++b) {
    const BucketSpec& spec = plan_[b];
    const int64_t flags = static_cast<int64_t>(spec.params.size());
    const at::ScalarType dtype = params_[spec.params.front()].scalar_type();
    COHORT_CHECK(compress_ == Compression::kNone || dtype == at::kFloat, ConfigError,
                 std::string("compress=") + compressionName(compress_) + ": bucket " +
                     std::to_string(b) + " holds " + c10::toString(dtype) + " gradients (" +
                     names_[spec.params.front()] + (spec.params.size() > 1 ? ", ..." : "") + ")",
                 "gradients are compressed from float32 only: train in float32, or set "
                 "compress (COHORT_COMPRESS) to none");
    specs.push_back({spec.numel + flags, dtype});
  }
  std::vector<at::Tensor> flats = comm_.newReductionBuffers(specs);
  slots_.resize(params_.size());
  views_.resize(params_.size());
  used_.assign(params_.size(), 0);
  scaled_.assign(params_.size(), 0);
  for (size_t b = 0; b < plan_.size(); ++b) {
    const BucketSpec& spec = plan_[b];
    Bucket bucket;
    bucket.flat = flats[b];
    bucket.ready.assign(spec.params.size(), 0);
    for (size_t s = 0; s < spec.params.size(); ++s) {
      const int p = spec.params[s];
      slots_[p] = {static_cast<int>(b), static_cast<int>(s)};
      views_[p] = aliasOf(bucket.flat, spec.offsets[s], params_[p].sizes());
    }
    // A sender and an owner half (see Note [Two-sided error feedback]).
    if (compress_ != Compression::kNone) {
      residuals_.push_back(at::zeros({2 * bucket.flat.numel()}, bucket.flat.options()));
    }
    buckets_.push_back(std::move(bucket));
  }
}

Reducer::~Reducer() {
  for (size_t i = 0; i < hook_keys_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
}

void Reducer::installHooks() {
  for (size_t i = 0; i < params_.size(); ++i) {
    // The accumulator is held only weakly by the tensor; keeping it here keeps
    // the hook attached across iterations.
    auto accumulator = torch::autograd::impl::grad_accumulator(params_[i]);
    hook_keys_.push_back(accumulator->add_post_hook(
        std::make_unique<GradReadyHook>(weak_from_this(), static_cast<int>(i))));
    accumulators_.push_back(std::move(accumulator));
  }
}

std::vector<std::string> Reducer::bucketNames(int b) const {
  std::vector<std::string> names;
  for (int p : plan_[b].params) names.push_back(names_[p]);
  return names;
}

void Reducer::setBucketObserver(std::function<void(const BucketTiming&)> observer) {
  std::lock_guard<std::mutex> lock(mutex_);
  observer_ = std::move(observer);
}

CommTiming Reducer::lastCommTiming() {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_timing_;
}

void Reducer::enterNoSync() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++no_sync_depth_;
}

void Reducer::exitNoSync() {
  std::lock_guard<std::mutex> lock(mutex_);
  --no_sync_depth_;
}

void Reducer::markReady(int index) {
  std::lock_guard<std::mutex> lock(mutex_);
  used_[index] = 1;
  if (no_sync_depth_ > 0) return;
  if (!in_iteration_) startIteration();
  const Slot slot = slots_[index];
  if (slot.bucket < 0) return;  // an empty parameter: nothing to reduce
  Bucket& bucket = buckets_[slot.bucket];
  if (bucket.ready[slot.index]) {
    throw CommError("parameter '" + names_[index] + "' produced a second gradient in iteration " +
                        std::to_string(iteration_) +
                        ": a backward pass started before the previous gradient reduction "
                        "finished",
                    "run one backward per iteration and let it finish (an earlier backward may "
                    "have failed part-way); to accumulate gradients over several backward "
                    "passes, run all but the last inside DataParallel::noSync()");
  }
  bucket.ready[slot.index] = 1;
  --bucket.pending;
  const at::Tensor& grad = params_[index].grad();
  if (grad.defined() && !grad.is_sparse()) adopt(index);
  launchReadyBuckets();
}

void Reducer::startIteration() {
  in_iteration_ = true;
  next_launch_ = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    buckets_[b].issued = {};
    buckets_[b].pending = static_cast<int>(plan_[b].params.size());
    std::fill(buckets_[b].ready.begin(), buckets_[b].ready.end(), 0);
    buckets_[b].work.reset();
  }
  // Runs when this backward pass ends, whichever parameters reported.
  std::weak_ptr<Reducer> weak = weak_from_this();
  torch::autograd::Engine::get_default_engine().queue_callback([weak] {
    if (auto reducer = weak.lock()) reducer->finishIteration();
  });
}

bool Reducer::gradIsView(int p) const {
  const at::Tensor& grad = params_[p].grad();
  const at::Tensor& view = views_[p];
  return grad.defined() && grad.data_ptr() == view.data_ptr() &&
         grad.scalar_type() == view.scalar_type() && grad.sizes() == view.sizes() &&
         grad.strides() == view.strides();
}

void Reducer::adopt(int p) {
  if (gradIsView(p)) return;
  // Copying as soon as the gradient is final, while it is still in cache, and
  // dropping it at once hands its memory back while backward still
  // allocates: the next gradient reuses it instead of faulting in new pages.
  if (scale_ == 1) {
    views_[p].copy_(params_[p].grad());
  } else {
    at::mul_out(views_[p], params_[p].grad(), scale_tensor_);
  }
  scaled_[p] = 1;
  params_[p].mutable_grad() = views_[p];
}

void Reducer::scaleInPlace(int p) {
  if (scaled_[p]) return;
  if (scale_ != 1) views_[p].mul_(scale_tensor_);
  scaled_[p] = 1;
}

void Reducer::stage(int b) {
  const BucketSpec& spec = plan_[b];
  at::Tensor& flat = buckets_[b].flat;
  const int64_t count = static_cast<int64_t>(spec.params.size());
  bool all_used = true;
  for (int64_t s = 0; s < count; ++s) {
    const int p = spec.params[s];
    const at::Tensor& grad = params_[p].grad();
    const bool used = used_[p] && grad.defined();
    if (used && grad.is_sparse()) {
      throw CommError("parameter '" + names_[p] + "' has a sparse gradient",
                      "DataParallel reduces dense gradients; use a dense embedding");
    }
    // See Note [Gradient buckets] and Note [Unused parameters].
    if (!used) {
      views_[p].zero_();
      all_used = false;
    } else {
      adopt(p);
      scaleInPlace(p);
    }
  }
  // The used-flags: one fill when every parameter was used (on a GPU each
  // write is a launch), else one per parameter.
  at::Tensor flags = flat.narrow(0, spec.numel, count);
  if (all_used) {
    flags.fill_(1);
  } else {
    for (int64_t s = 0; s < count; ++s) {
      const int p = spec.params[s];
      flags.narrow(0, s, 1).fill_(used_[p] && params_[p].grad().defined() ? 1 : 0);
    }
  }
}

void Reducer::launchReadyBuckets() {
  while (next_launch_ < static_cast<int>(buckets_.size()) && buckets_[next_launch_].pending == 0) {
    const int b = next_launch_++;
    stage(b);
    if (observer_) buckets_[b].issued = std::chrono::steady_clock::now();
    at::Tensor none;
    buckets_[b].work = comm_.allreduceBucketAsync(
        buckets_[b].flat, compress_ == Compression::kNone ? none : residuals_[b], compress_);
  }
}

void Reducer::finishIteration() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!in_iteration_) return;
  // Buckets with parameters that did not report start now (Note [Unused parameters]).
  for (size_t b = next_launch_; b < buckets_.size(); ++b) buckets_[b].pending = 0;
  launchReadyBuckets();
  using Clock = std::chrono::steady_clock;
  const Clock::time_point wait_start = Clock::now();
  CommTiming timing;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    buckets_[b].work->wait();
    if (observer_ && buckets_[b].issued != Clock::time_point{}) {
      // NCCL work has no host-side end: the time the wait returned stands in.
      Clock::time_point end = buckets_[b].work->doneAt();
      if (end == Clock::time_point{}) end = Clock::now();
      const BucketTiming t{static_cast<int>(b), static_cast<int64_t>(buckets_[b].flat.nbytes()),
                           buckets_[b].issued, end};
      timing.allreduce_s += std::chrono::duration<double>(t.end - t.start).count();
      observer_(t);
    }
    // Only parameters this rank did not use need the flags (stage() pointed
    // the others at their views); in steady state there are none, and (on a
    // GPU) nothing is read back.
    const BucketSpec& spec = plan_[b];
    const int64_t count = static_cast<int64_t>(spec.params.size());
    at::Tensor used;
    for (int64_t s = 0; s < count; ++s) {
      const int p = spec.params[s];
      if (gradIsView(p)) continue;
      if (!used.defined()) {
        used = buckets_[b].flat.narrow(0, spec.numel, count).to(at::kCPU, at::kFloat);
      }
      // A parameter no rank used keeps the gradient it had (none, usually).
      if (used.data_ptr<float>()[s] > 0) params_[p].mutable_grad() = views_[p];
    }
  }
  timing.wait_s = std::chrono::duration<double>(Clock::now() - wait_start).count();
  last_timing_ = timing;
  std::fill(used_.begin(), used_.end(), 0);
  std::fill(scaled_.begin(), scaled_.end(), 0);
  in_iteration_ = false;
  ++iteration_;
}

}  // namespace cohort
