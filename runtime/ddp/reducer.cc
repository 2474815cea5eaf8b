#include "cohort/ddp/reducer.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/kernels/cpu/bucket_copy.h"

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

}  // namespace

std::shared_ptr<Reducer> Reducer::create(std::vector<at::Tensor> params,
                                         std::vector<std::string> names, Communicator& comm,
                                         int64_t first_cap_bytes, int64_t cap_bytes) {
  std::vector<ParamInfo> infos;
  for (const at::Tensor& p : params) {
    infos.push_back({p.numel(), static_cast<int64_t>(p.element_size()),
                     static_cast<int>(p.scalar_type())});
  }
  auto plan = planBuckets(infos, first_cap_bytes, cap_bytes);
  std::shared_ptr<Reducer> reducer(
      new Reducer(std::move(params), std::move(names), comm, std::move(plan)));
  // With one rank there is nothing to average: no hooks, no copies.
  if (comm.size() > 1) reducer->installHooks();
  return reducer;
}

Reducer::Reducer(std::vector<at::Tensor> params, std::vector<std::string> names,
                 Communicator& comm, std::vector<BucketSpec> plan)
    : params_(std::move(params)), names_(std::move(names)), comm_(comm), plan_(std::move(plan)) {
  slots_.resize(params_.size());
  for (size_t b = 0; b < plan_.size(); ++b) {
    const BucketSpec& spec = plan_[b];
    Bucket bucket;
    const auto dtype = params_[spec.params.front()].scalar_type();
    const int64_t flags = static_cast<int64_t>(spec.params.size());
    bucket.flat = at::zeros({spec.numel + flags}, at::TensorOptions().dtype(dtype));
    bucket.ready.assign(spec.params.size(), 0);
    buckets_.push_back(std::move(bucket));
    for (size_t s = 0; s < spec.params.size(); ++s) {
      slots_[spec.params[s]] = {static_cast<int>(b), static_cast<int>(s)};
    }
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
  copyIn(slot.bucket, slot.index);
  bucket.ready[slot.index] = 1;
  --bucket.pending;
  launchReadyBuckets();
}

void Reducer::startIteration() {
  in_iteration_ = true;
  next_launch_ = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
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

void Reducer::copyIn(int b, int s) {
  const BucketSpec& spec = plan_[b];
  const int p = spec.params[s];
  at::Tensor& flat = buckets_[b].flat;
  const at::Tensor& grad = params_[p].grad();
  at::Tensor segment = flat.narrow(0, spec.offsets[s], params_[p].numel());
  at::Tensor flag = flat.narrow(0, spec.numel + s, 1);
  if (!grad.defined()) {  // reported without a gradient: counts as unused
    segment.zero_();
    flag.zero_();
    return;
  }
  if (grad.is_sparse()) {
    throw CommError("parameter '" + names_[p] + "' has a sparse gradient",
                    "DataParallel reduces dense gradients; use a dense embedding");
  }
  const at::Tensor src = grad.is_contiguous() ? grad : grad.contiguous();
  const double scale = 1.0 / comm_.size();
  switch (flat.scalar_type()) {
    case at::kFloat:
      cpu::scaleCopy(src.data_ptr<float>(), segment.data_ptr<float>(), segment.numel(),
                     static_cast<float>(scale));
      break;
    case at::kDouble:
      cpu::scaleCopy(src.data_ptr<double>(), segment.data_ptr<double>(), segment.numel(), scale);
      break;
    default:
      segment.copy_(src.reshape({-1}));
      segment.mul_(scale);
  }
  flag.fill_(1);
}

void Reducer::launchReadyBuckets() {
  while (next_launch_ < static_cast<int>(buckets_.size()) && buckets_[next_launch_].pending == 0) {
    launch(next_launch_++);
  }
}

void Reducer::launch(int b) { buckets_[b].work = comm_.allreduceAsync(buckets_[b].flat, ReduceOp::kSum); }

void Reducer::finishIteration() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!in_iteration_) return;
  // Parameters that did not report: zero slot and flag (Note [Unused parameters]).
  for (int b = next_launch_; b < static_cast<int>(buckets_.size()); ++b) {
    Bucket& bucket = buckets_[b];
    const BucketSpec& spec = plan_[b];
    for (size_t s = 0; s < spec.params.size(); ++s) {
      if (bucket.ready[s]) continue;
      bucket.flat.narrow(0, spec.offsets[s], params_[spec.params[s]].numel()).zero_();
      bucket.flat.narrow(0, spec.numel + static_cast<int64_t>(s), 1).zero_();
    }
    bucket.pending = 0;
  }
  launchReadyBuckets();
  for (int b = 0; b < static_cast<int>(buckets_.size()); ++b) {
    buckets_[b].work->wait();
    copyOut(b);
  }
  in_iteration_ = false;
  ++iteration_;
}

void Reducer::copyOut(int b) {
  const BucketSpec& spec = plan_[b];
  at::Tensor flags = buckets_[b].flat.narrow(0, spec.numel, static_cast<int64_t>(spec.params.size()))
                         .to(at::kDouble);
  const double* used = flags.data_ptr<double>();
  for (size_t s = 0; s < spec.params.size(); ++s) {
    if (used[s] <= 0) continue;  // no rank used it: leave the gradient as it is
    at::Tensor& param = params_[spec.params[s]];
    at::Tensor segment = buckets_[b].flat.narrow(0, spec.offsets[s], param.numel()).view(param.sizes());
    at::Tensor& grad = param.mutable_grad();
    if (grad.defined()) {
      grad.copy_(segment);
    } else {
      grad = segment.clone();
    }
  }
}

}  // namespace cohort
