#include "cohort/ddp/data_parallel.h"

#include <ATen/core/grad_mode.h>
#include <torch/nn/module.h>

#include <cmath>
#include <unordered_set>

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/ddp/model_check.h"
#include "cohort/ddp/reducer.h"
#include "cohort/ddp/shared_parameters.h"
#include "cohort/kernels/stepper.h"
#include "cohort/world/runtime.h"

namespace cohort {

namespace {

// Module::named_parameters() lists a shared weight once per owner; keep the first.
NamedTensors unique(const torch::OrderedDict<std::string, at::Tensor>& named) {
  NamedTensors out;
  std::unordered_set<const void*> seen;
  for (const auto& item : named) {
    if (seen.insert(item.value().unsafeGetTensorImpl()).second) {
      out.emplace_back(item.key(), item.value());
    }
  }
  return out;
}

int64_t capBytes(double option_mib, double setting_mib) {
  double mib = option_mib > 0 ? option_mib : setting_mib;
  return static_cast<int64_t>(mib * 1024 * 1024);
}

// The one device every parameter and buffer is on.
c10::Device deviceOf(const NamedTensors& tensors) {
  c10::Device device(c10::kCPU);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const c10::Device here = tensors[i].second.device();
    if (i == 0) device = here;
    COHORT_CHECK(here == device, ConfigError,
                 "the module is on several devices: '" + tensors[0].first + "' on " + device.str() +
                     ", '" + tensors[i].first + "' on " + here.str(),
                 "move the whole module to one device (module->to(device)) before wrapping it");
  }
  return device;
}

Communicator& communicatorFor(Communicator& given, const c10::Device& device) {
  const bool gpu = device.is_cuda();
  if (gpu == (given.backend() == "nccl")) return given;
  COHORT_CHECK(
      current() != nullptr, ConfigError,
      "DataParallel got a " + given.backend() + " communicator for a module on " + device.str(),
      "call cohort::init() first, or pass a communicator for the module's device");
  return current()->comm(device);
}

}  // namespace

DataParallel::DataParallel(std::shared_ptr<torch::nn::Module> module, DataParallelOptions options)
    : DataParallel(
          module,
          [&]() -> Communicator& {
            COHORT_CHECK(current() != nullptr, ConfigError,
                         "DataParallel needs cohort::init() to have run",
                         "call cohort::init() (or cohort::runMain) first");
            return current()->comm();
          }(),
          options) {}

DataParallel::DataParallel(std::shared_ptr<torch::nn::Module> module, Communicator& given,
                           DataParallelOptions options)
    : module_(std::move(module)) {
  COHORT_CHECK(module_ != nullptr, ConfigError, "DataParallel was given no module",
               "pass a constructed module, e.g. std::make_shared<Net>()");
  NamedTensors params = unique(module_->named_parameters(true));
  NamedTensors buffers = unique(module_->named_buffers(true));
  NamedTensors state = params;
  state.insert(state.end(), buffers.begin(), buffers.end());
  Communicator& comm = communicatorFor(given, deviceOf(state));
  comm_ = &comm;

  // Same model everywhere, then rank 0's values everywhere.
  checkSameModel(comm, state);
  {
    at::NoGradGuard no_grad;
    for (auto& [name, tensor] : state) comm.broadcast(tensor, 0);
  }
  if (options.share_parameters) {
    std::vector<at::Tensor> all;
    for (auto& [name, tensor] : params) all.push_back(tensor);
    shares_parameters_ = shareParameters(all, comm);
    log::info(shares_parameters_ ? "DataParallel: parameters shared by the ranks of this machine"
                                 : "DataParallel: parameters not shared: no memory shared "
                                   "between this machine's ranks for " +
                                       deviceOf(state).str() + " over " + comm.backend());
  }

  std::vector<at::Tensor> tensors;
  std::vector<std::string> names;
  for (auto& [name, tensor] : params) {
    if (!tensor.requires_grad()) continue;
    tensors.push_back(tensor);
    names.push_back(name);
  }
  const Settings defaults;
  const Settings& settings = current() != nullptr ? current()->settings() : defaults;
  reducer_ = Reducer::create(std::move(tensors), std::move(names), comm,
                             capBytes(options.first_bucket_mib, settings.first_bucket_mib),
                             capBytes(options.bucket_mib, settings.bucket_mib),
                             options.compress.value_or(settings.compress));
  log::debug("DataParallel: " + std::to_string(params.size()) + " parameters in " +
             std::to_string(reducer_->plan().size()) + " buckets over " + comm.backend() +
             ", between machines as " +
             (reducer_->compression() == Compression::kNone
                  ? std::string("float32")
                  : compressionName(reducer_->compression())));
}

DataParallel::~DataParallel() = default;

GradientReport DataParallel::checkGradients() {
  GradientReport report;
  report.iteration = reducer_->iteration();
  const int buckets = static_cast<int>(reducer_->plan().size());
  double sum = 0;
  for (int b = 0; b < buckets; ++b) {
    const at::Tensor grads = reducer_->bucketGradients(b);
    if (grads.numel() == 0) continue;
    if (!checker_) {
      checker_ = grads.is_cuda() ? makeCudaStepper(grads.device().index()) : makeCpuStepper();
    }
    const auto precision =
        grads.scalar_type() == at::kBFloat16 ? ops::Precision::kBFloat16 : ops::Precision::kFloat32;
    COHORT_CHECK(grads.scalar_type() == at::kFloat || grads.scalar_type() == at::kBFloat16, Error,
                 "checkGradients: bucket " + std::to_string(b) + " holds " +
                     c10::toString(grads.scalar_type()) + " gradients",
                 "gradient checks cover float32 and bfloat16 parameters");
    ops::ParamSlot slot;
    slot.grad = grads.data_ptr();
    slot.numel = grads.numel();
    const ops::GradCheck check = checker_->check({slot}, precision);
    sum += check.sum_of_squares;
    if (check.non_finite > 0) {
      report.non_finite += check.non_finite;
      report.bad_buckets.emplace_back(b, reducer_->bucketNames(b));
    }
  }
  report.norm = std::sqrt(sum);
  return report;
}

std::string GradientReport::describe() const {
  if (finite()) return "every gradient is finite (norm " + std::to_string(norm) + ")";
  std::string text = std::to_string(non_finite) + " non-finite gradient element(s)";
  for (const auto& [bucket, names] : bad_buckets) {
    text += " in bucket " + std::to_string(bucket) + " (";
    for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
    text += ")";
  }
  return text + " at step " + std::to_string(iteration);
}

Compression DataParallel::compression() const { return reducer_->compression(); }

at::Tensor DataParallel::residual(int b) const { return reducer_->residual(b); }

NamedTensors DataParallel::rankState() const {
  NamedTensors state;
  for (int b = 0; b < static_cast<int>(reducer_->plan().size()); ++b) {
    at::Tensor r = reducer_->residual(b);
    if (r.defined()) state.emplace_back("residual-" + std::to_string(b), r);
  }
  return state;
}

const std::vector<BucketSpec>& DataParallel::buckets() const { return reducer_->plan(); }

void DataParallel::setBucketObserver(std::function<void(const BucketTiming&)> observer) {
  reducer_->setBucketObserver(std::move(observer));
}

CommTiming DataParallel::lastCommTiming() const { return reducer_->lastCommTiming(); }

DataParallel::NoSync::NoSync(Reducer& reducer) : reducer_(reducer) { reducer_.enterNoSync(); }

DataParallel::NoSync::~NoSync() { reducer_.exitNoSync(); }

}  // namespace cohort
