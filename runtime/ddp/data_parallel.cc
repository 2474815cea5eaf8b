#include "cohort/ddp/data_parallel.h"

#include <torch/nn/module.h>

#include <unordered_set>

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/ddp/model_check.h"
#include "cohort/ddp/reducer.h"
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

}  // namespace

DataParallel::DataParallel(std::shared_ptr<torch::nn::Module> module, Communicator& comm,
                           DataParallelOptions options)
    : module_(std::move(module)) {
  COHORT_CHECK(module_ != nullptr, ConfigError, "DataParallel was given no module",
               "pass a constructed module, e.g. std::make_shared<Net>()");
  NamedTensors params = unique(module_->named_parameters(true));
  NamedTensors buffers = unique(module_->named_buffers(true));

  // Same model everywhere, then rank 0's values everywhere.
  NamedTensors state = params;
  state.insert(state.end(), buffers.begin(), buffers.end());
  checkSameModel(comm, state);
  {
    at::NoGradGuard no_grad;
    for (auto& [name, tensor] : state) comm.broadcast(tensor, 0);
  }

  std::vector<at::Tensor> tensors;
  std::vector<std::string> names;
  for (auto& [name, tensor] : params) {
    if (!tensor.requires_grad()) continue;
    COHORT_CHECK(tensor.device().is_cpu(), ConfigError,
                 "parameter '" + name + "' is on " + tensor.device().str() +
                     "; this build reduces CPU parameters over MPI",
                 "keep the model on the CPU");
    tensors.push_back(tensor);
    names.push_back(name);
  }
  const Settings defaults;
  const Settings& settings = current() != nullptr ? current()->settings() : defaults;
  reducer_ = Reducer::create(std::move(tensors), std::move(names), comm,
                             capBytes(options.first_bucket_mib, settings.first_bucket_mib),
                             capBytes(options.bucket_mib, settings.bucket_mib));
  log::debug("DataParallel: " + std::to_string(params.size()) + " parameters in " +
             std::to_string(reducer_->plan().size()) + " buckets");
}

DataParallel::~DataParallel() = default;

const std::vector<BucketSpec>& DataParallel::buckets() const { return reducer_->plan(); }

DataParallel::NoSync::NoSync(Reducer& reducer) : reducer_(reducer) { reducer_.enterNoSync(); }

DataParallel::NoSync::~NoSync() { reducer_.exitNoSync(); }

}  // namespace cohort
