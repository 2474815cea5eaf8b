#include "cohort/optim/fused_optimizer.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>

#include <cstdio>
#include <cstdlib>

#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "cohort/ddp/shared_parameters.h"

namespace cohort::optim {

namespace {

ops::Precision precisionOf(const at::Tensor& p, int index, const char* name) {
  if (p.scalar_type() == at::kFloat) return ops::Precision::kFloat32;
  if (p.scalar_type() == at::kBFloat16) return ops::Precision::kBFloat16;
  throw ConfigError(std::string(name) + ": parameter " + std::to_string(index) + " is " +
                        c10::toString(p.scalar_type()),
                    "fused optimizers take float32 and bfloat16 parameters");
}

}  // namespace

FusedOptimizer::FusedOptimizer(std::vector<at::Tensor> params, double lr, int moments,
                               const char* name)
    : params_(std::move(params)),
      kind_(std::string("cohort.optim.") + name),
      lr_(lr),
      moments_(moments) {
  std::map<std::pair<std::string, int>, size_t> group_of;  // (device, precision) -> group
  state_.resize(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const at::Tensor& p = params_[i];
    const int index = static_cast<int>(i);
    COHORT_CHECK(p.defined() && p.is_contiguous(), ConfigError,
                 std::string(name) + ": parameter " + std::to_string(i) +
                     (p.defined() ? " is not contiguous" : " is undefined"),
                 "pass the module's parameters (module.parameters())");
    const ops::Precision precision = precisionOf(p, index, name);
    const auto key = std::make_pair(p.device().str(), static_cast<int>(precision));
    auto found = group_of.find(key);
    if (found == group_of.end()) {
      Group group;
      group.precision = precision;
      group.stepper = p.is_cuda() ? makeCudaStepper(p.device().index()) : makeCpuStepper();
      found = group_of.emplace(key, groups_.size()).first;
      groups_.push_back(std::move(group));
    }
    groups_[found->second].members.push_back(index);
    const auto options = p.options().dtype(at::kFloat);
    ParamState& s = state_[i];
    at::NoGradGuard no_grad;
    if (precision == ops::Precision::kBFloat16) s.master = p.detach().to(at::kFloat).contiguous();
    // Shared parameters get their state in shared memory (shareState).
    if (sharedGroupOf(params_[0]) != nullptr) continue;
    for (int m = 0; m < moments_; ++m) s.moment[m] = at::zeros(p.sizes(), options);
  }
  shareState(name);
}

void FusedOptimizer::shareState(const char* name) {
  if (params_.empty() || sharedGroupOf(params_[0]) == nullptr) {
    checkStillPrivate();
    return;
  }
  const SharedGroup* group = sharedGroupOf(params_[0]);
  int64_t total = 0;
  for (size_t i = 0; i < params_.size(); ++i) {
    const SharedGroup* other = sharedGroupOf(params_[i]);
    COHORT_CHECK(other != nullptr && other->comm == group->comm, ConfigError,
                 std::string(name) +
                     ": parameter 0 is shared by the ranks of this machine and parameter " +
                     std::to_string(i) + " is not",
                 "give one optimizer either the parameters of DataParallel modules built with "
                 "share_parameters, or none of them");
    total += params_[i].numel();
  }
  // One shared block for every moment of every parameter, laid out like the
  // parameters, so each rank's share of the state lines up with its share of
  // the parameters.
  at::Tensor block = moments_ > 0 ? allocateShared(*group->comm, moments_ * total) : at::Tensor();
  COHORT_CHECK(moments_ == 0 || block.defined(), Error,
               std::string(name) + ": no room for the optimizer state (" +
                   std::to_string(moments_ * total * 4 >> 20) +
                   " MiB) in memory shared by this machine's ranks",
               "free space in /dev/shm, or leave DataParallel's share_parameters off");
  const auto [begin, end] = shareOf(total, group->local_rank, group->local_size);
  int64_t offset = 0;
  own_.resize(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const int64_t n = params_[i].numel();
    for (int m = 0; m < moments_; ++m) {
      state_[i].moment[m] = block.narrow(0, m * total + offset, n).view(params_[i].sizes());
    }
    own_[i] = {std::max(begin, offset) - offset, std::min(end, offset + n) - offset};
    offset += n;
  }
  shared_ = group;
}

// Parameters private at construction must still be: DataParallel's
// share_parameters moving them later would have every rank of the machine
// apply the whole update to the one copy.
void FusedOptimizer::checkStillPrivate() const {
  for (const at::Tensor& p : params_) {
    COHORT_CHECK(sharedGroupOf(p) == nullptr, ConfigError,
                 "the optimizer's parameters were moved into memory shared by this machine's "
                 "ranks after it was built",
                 "build the optimizer after the DataParallel with share_parameters");
  }
}

int FusedOptimizer::sharedBy() const { return shared_ != nullptr ? shared_->local_size : 1; }

FusedOptimizer::~FusedOptimizer() = default;

std::vector<ops::ParamSlot> FusedOptimizer::slotsOf(const Group& group, bool fresh) const {
  std::vector<ops::ParamSlot> slots;
  for (int i : group.members) {
    const at::Tensor& p = params_[i];
    const at::Tensor& g = p.grad();
    if (!g.defined() || state_[i].fresh != fresh || p.numel() == 0) continue;
    COHORT_CHECK(g.scalar_type() == p.scalar_type() && g.is_contiguous() &&
                     g.device() == p.device() && !g.is_sparse(),
                 Error,
                 "the gradient of parameter " + std::to_string(i) + " (" +
                     c10::toString(g.scalar_type()) + " on " + g.device().str() +
                     (g.is_contiguous() ? "" : ", not contiguous") +
                     ") does not match the parameter",
                 "gradients must be dense, contiguous, and of the parameter's dtype and device");
    const ParamState& s = state_[i];
    ops::ParamSlot slot;
    slot.param = p.data_ptr();
    slot.grad = g.data_ptr();
    slot.master = s.master.defined() ? s.master.data_ptr<float>() : nullptr;
    slot.exp_avg = moments_ > 0 ? s.moment[0].data_ptr<float>() : nullptr;
    slot.exp_avg_sq = moments_ > 1 ? s.moment[1].data_ptr<float>() : nullptr;
    slot.numel = p.numel();
    if (shared_ != nullptr) {  // float32 only: offset every pointer to this rank's share
      const auto [lo, hi] = own_[i];
      if (lo >= hi) continue;
      slot.param = static_cast<float*>(slot.param) + lo;
      slot.grad = static_cast<const float*>(slot.grad) + lo;
      if (slot.exp_avg != nullptr) slot.exp_avg += lo;
      if (slot.exp_avg_sq != nullptr) slot.exp_avg_sq += lo;
      slot.numel = hi - lo;
    }
    slots.push_back(slot);
  }
  return slots;
}

void FusedOptimizer::step(float grad_multiplier) {
  if (shared_ == nullptr) {
    checkStillPrivate();
  } else {
    shared_->comm->barrier();  // every rank of the machine is done with backward
  }
  ++steps_;
  for (Group& group : groups_) {
    for (bool fresh : {true, false}) {
      const std::vector<ops::ParamSlot> slots = slotsOf(group, fresh);
      if (slots.empty()) continue;
      stepGroup(*group.stepper, slots, group.precision, fresh, grad_multiplier);
    }
    for (int i : group.members) {
      if (params_[i].grad().defined()) state_[i].fresh = false;
    }
  }
  if (shared_ != nullptr) shared_->comm->barrier();  // every share is updated
}

void FusedOptimizer::zeroGrad(bool set_to_none) {
  at::NoGradGuard no_grad;
  for (at::Tensor& p : params_) {
    if (!p.grad().defined()) continue;
    if (set_to_none) {
      p.mutable_grad() = at::Tensor();
    } else {
      p.mutable_grad().zero_();
    }
  }
}

ops::GradCheck FusedOptimizer::checkGradients() {
  ops::GradCheck total;
  for (Group& group : groups_) {
    for (bool fresh : {true, false}) {
      const std::vector<ops::ParamSlot> slots = slotsOf(group, fresh);
      if (slots.empty()) continue;
      const ops::GradCheck part = group.stepper->check(slots, group.precision);
      total.sum_of_squares += part.sum_of_squares;
      total.non_finite += part.non_finite;
    }
  }
  return total;
}

std::vector<std::pair<std::string, at::Tensor>> FusedOptimizer::state() const {
  static const char* kMoments[] = {"exp_avg", "exp_avg_sq"};
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (size_t i = 0; i < state_.size(); ++i) {
    if (state_[i].master.defined())
      out.emplace_back(std::to_string(i) + ".master", state_[i].master);
    for (int m = 0; m < moments_; ++m) {
      out.emplace_back(std::to_string(i) + "." + kMoments[m], state_[i].moment[m]);
    }
  }
  return out;
}

std::vector<bool> FusedOptimizer::stepped() const {
  std::vector<bool> out(state_.size());
  for (size_t i = 0; i < state_.size(); ++i) out[i] = !state_[i].fresh;
  return out;
}

void FusedOptimizer::loadState(const std::vector<std::pair<std::string, at::Tensor>>& state,
                               int64_t steps, const std::vector<bool>& stepped) {
  const auto mine = this->state();
  const char* hint =
      "resume with the optimizer (kind and parameters) the checkpoint was written with";
  COHORT_CHECK(state.size() == mine.size() && stepped.size() == state_.size(), ConfigError,
               "the checkpoint's optimizer state has " + std::to_string(state.size()) +
                   " tensors for " + std::to_string(stepped.size()) +
                   " parameters; this optimizer has " + std::to_string(mine.size()) + " for " +
                   std::to_string(state_.size()),
               hint);
  for (size_t i = 0; i < mine.size(); ++i) {
    const auto& [name, tensor] = state[i];
    COHORT_CHECK(name == mine[i].first && tensor.sizes() == mine[i].second.sizes(), ConfigError,
                 "the checkpoint's optimizer tensor '" + name +
                     "' does not match this optimizer's '" + mine[i].first +
                     "' (names or shapes differ)",
                 hint);
  }
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < mine.size(); ++i) {
    at::Tensor target = mine[i].second;  // shares storage with state_
    if (shared_ == nullptr) {
      target.copy_(state[i].second);
      continue;
    }
    // Shared state: each rank writes its share (names are "<param>.<kind>").
    const std::string& name = mine[i].first;
    const auto param = readWhole(name.substr(0, name.find('.')), 0, INT64_MAX);
    COHORT_CHECK(param && static_cast<size_t>(*param) < own_.size(), ConfigError,
                 "the checkpoint's optimizer state '" + name + "' names no parameter of this one",
                 hint);
    const auto [lo, hi] = own_[static_cast<size_t>(*param)];
    if (lo < hi) {
      target.view(-1)
          .narrow(0, lo, hi - lo)
          .copy_(state[i].second.reshape(-1).narrow(0, lo, hi - lo));
    }
  }
  if (shared_ != nullptr) shared_->comm->barrier();
  for (size_t i = 0; i < state_.size(); ++i) state_[i].fresh = !stepped[i];
  steps_ = steps;
}

StateTensors FusedOptimizer::tensors() const {
  StateTensors out = state();
  const auto flags = stepped();
  at::Tensor mask = at::empty({static_cast<int64_t>(flags.size())}, at::kByte);
  for (size_t i = 0; i < flags.size(); ++i) mask.data_ptr<uint8_t>()[i] = flags[i] ? 1 : 0;
  out.emplace_back("stepped", mask);
  return out;
}

StateAttributes FusedOptimizer::attributes() const {
  char lr[32];
  std::snprintf(lr, sizeof lr, "%.17g", lr_);
  return {{"steps", std::to_string(steps_)}, {"lr", lr}};
}

void FusedOptimizer::load(const StateTensors& tensors, const StateAttributes& attributes) {
  const char* hint =
      "resume with the optimizer (kind and parameters) the checkpoint was written with";
  const std::string wrong =
      describeMismatch(tensors, this->tensors(), "the checkpoint's optimizer");
  COHORT_CHECK(wrong.empty(), ConfigError, wrong, hint);
  auto steps = attributes.find("steps");
  const bool counted = steps != attributes.end() && !steps->second.empty() &&
                       steps->second.size() < 19 &&
                       steps->second.find_first_not_of("0123456789") == std::string::npos;
  COHORT_CHECK(counted, ConfigError, "the checkpoint's optimizer has no step count",
               "the checkpoint is damaged; move it away to resume from the one before");
  double lr = lr_;
  if (auto found = attributes.find("lr"); found != attributes.end()) {
    const auto read = parseDecimal(found->second);
    if (read) lr = *read;
    COHORT_CHECK(read.has_value(), ConfigError,
                 "the checkpoint's optimizer attribute lr='" + found->second + "' is not a number",
                 "the checkpoint is damaged; move it away to resume from the one before");
  }
  // In this optimizer's order (the file holds them in name order).
  StateTensors ordered;
  at::Tensor mask;
  for (const auto& [name, live] : state()) {
    for (const auto& [n, t] : tensors) {
      if (n == name) ordered.emplace_back(name, t);
    }
  }
  for (const auto& [n, t] : tensors) {
    if (n == "stepped") mask = t.contiguous();
  }
  std::vector<bool> flags(static_cast<size_t>(mask.numel()));
  for (size_t i = 0; i < flags.size(); ++i) flags[i] = mask.data_ptr<uint8_t>()[i] != 0;
  const auto step_count = readWhole(steps->second, 0, INT64_MAX);
  COHORT_CHECK(
      step_count.has_value(), ConfigError,
      "the checkpoint's optimizer step count '" + steps->second + "' is not a whole number",
      "the checkpoint is damaged; move it away to resume from the one before");
  loadState(ordered, *step_count, flags);
  lr_ = lr;
}

}  // namespace cohort::optim
