#include "cohort/optim/torch_optimizer_state.h"

#include <c10/util/string_utils.h>
#include <torch/optim.h>

#include <algorithm>
#include <cstdio>

#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "cohort/core/shape_text.h"

namespace cohort::optim {

namespace {

using torch::optim::OptimizerParamState;

const char* kHint =
    "resume with the optimizer (type, options and parameters) the checkpoint was written with";

// The fields of one parameter's state: the tensors under libtorch's names,
// and the step count where the optimizer keeps one.
struct ParamFields {
  std::vector<std::pair<std::string, at::Tensor>> tensors;  // undefined ones left out
  bool has_step = false;
  int64_t step = 0;
};

// What each supported optimizer keeps per parameter: required and optional
// tensor fields, and whether it counts steps.
struct KindInfo {
  std::vector<std::string> required;
  std::vector<std::string> optional;
  bool has_step;
};

const KindInfo& infoOf(const std::string& kind) {
  static const std::map<std::string, KindInfo> kinds = {
      {"torch.optim.SGD", {{"momentum_buffer"}, {}, false}},
      {"torch.optim.Adam", {{"exp_avg", "exp_avg_sq"}, {"max_exp_avg_sq"}, true}},
      {"torch.optim.AdamW", {{"exp_avg", "exp_avg_sq"}, {"max_exp_avg_sq"}, true}},
      {"torch.optim.RMSprop", {{"square_avg"}, {"momentum_buffer", "grad_avg"}, true}},
      {"torch.optim.Adagrad", {{"sum"}, {}, true}},
  };
  return kinds.at(kind);
}

bool keeps(const KindInfo& info, const std::string& field) {
  if (field == "step") return info.has_step;
  auto in = [&](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), field) != names.end();
  };
  return in(info.required) || in(info.optional);
}

std::string kindOf(torch::optim::Optimizer& o) {
  if (dynamic_cast<torch::optim::SGD*>(&o)) return "torch.optim.SGD";
  if (dynamic_cast<torch::optim::AdamW*>(&o)) return "torch.optim.AdamW";
  if (dynamic_cast<torch::optim::Adam*>(&o)) return "torch.optim.Adam";
  if (dynamic_cast<torch::optim::RMSprop*>(&o)) return "torch.optim.RMSprop";
  if (dynamic_cast<torch::optim::Adagrad*>(&o)) return "torch.optim.Adagrad";
  throw ConfigError("cohort cannot checkpoint this torch::optim optimizer (" +
                        std::string(typeid(o).name()) + ")",
                    "use torch::optim::SGD, Adam, AdamW, RMSprop or Adagrad, or cohort::optim::SGD "
                    "or AdamW; LBFGS state cannot be checkpointed");
}

void add(ParamFields* out, const char* name, const at::Tensor& t) {
  if (t.defined()) out->tensors.emplace_back(name, t);
}

ParamFields fieldsOf(const std::string& kind, const OptimizerParamState& s) {
  ParamFields f;
  if (kind == "torch.optim.SGD") {
    add(&f, "momentum_buffer",
        static_cast<const torch::optim::SGDParamState&>(s).momentum_buffer());
  } else if (kind == "torch.optim.Adam") {
    const auto& a = static_cast<const torch::optim::AdamParamState&>(s);
    f = {{}, true, a.step()};
    add(&f, "exp_avg", a.exp_avg());
    add(&f, "exp_avg_sq", a.exp_avg_sq());
    add(&f, "max_exp_avg_sq", a.max_exp_avg_sq());
  } else if (kind == "torch.optim.AdamW") {
    const auto& a = static_cast<const torch::optim::AdamWParamState&>(s);
    f = {{}, true, a.step()};
    add(&f, "exp_avg", a.exp_avg());
    add(&f, "exp_avg_sq", a.exp_avg_sq());
    add(&f, "max_exp_avg_sq", a.max_exp_avg_sq());
  } else if (kind == "torch.optim.RMSprop") {
    const auto& r = static_cast<const torch::optim::RMSpropParamState&>(s);
    f = {{}, true, r.step()};
    add(&f, "square_avg", r.square_avg());
    add(&f, "momentum_buffer", r.momentum_buffer());
    add(&f, "grad_avg", r.grad_avg());
  } else {
    const auto& a = static_cast<const torch::optim::AdagradParamState&>(s);
    f = {{}, true, a.step()};
    add(&f, "sum", a.sum());
  }
  return f;
}

// A fresh libtorch state object holding `tensors` (already on the parameter's device).
std::unique_ptr<OptimizerParamState> makeState(const std::string& kind,
                                               const std::map<std::string, at::Tensor>& t,
                                               int64_t step) {
  auto get = [&](const char* name) {
    auto found = t.find(name);
    return found == t.end() ? at::Tensor() : found->second;
  };
  if (kind == "torch.optim.SGD") {
    auto s = std::make_unique<torch::optim::SGDParamState>();
    s->momentum_buffer(get("momentum_buffer"));
    return s;
  }
  if (kind == "torch.optim.Adam" || kind == "torch.optim.AdamW") {
    auto fill = [&](auto s) {
      s->step(step);
      s->exp_avg(get("exp_avg"));
      s->exp_avg_sq(get("exp_avg_sq"));
      s->max_exp_avg_sq(get("max_exp_avg_sq"));
      return std::unique_ptr<OptimizerParamState>(std::move(s));
    };
    if (kind == "torch.optim.Adam") return fill(std::make_unique<torch::optim::AdamParamState>());
    return fill(std::make_unique<torch::optim::AdamWParamState>());
  }
  if (kind == "torch.optim.RMSprop") {
    auto s = std::make_unique<torch::optim::RMSpropParamState>();
    s->step(step);
    s->square_avg(get("square_avg"));
    s->momentum_buffer(get("momentum_buffer"));
    s->grad_avg(get("grad_avg"));
    return s;
  }
  auto s = std::make_unique<torch::optim::AdagradParamState>();
  s->step(step);
  s->sum(get("sum"));
  return s;
}

std::string keyOf(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

std::string exact(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// "g.i.field" split in three; false when the name has another form.
bool splitName(const std::string& name, size_t* group, size_t* index, std::string* field) {
  const size_t a = name.find('.');
  const size_t b = a == std::string::npos ? a : name.find('.', a + 1);
  if (b == std::string::npos || a == 0 || b == a + 1 || b + 1 == name.size()) return false;
  const std::string g = name.substr(0, a), i = name.substr(a + 1, b - a - 1);
  const auto group_number = readWhole(g, 0, 999999999), index_number = readWhole(i, 0, 999999999);
  if (!group_number || !index_number) return false;
  *group = static_cast<size_t>(*group_number);
  *index = static_cast<size_t>(*index_number);
  *field = name.substr(b + 1);
  return true;
}

}  // namespace

TorchOptimizerState::TorchOptimizerState(torch::optim::Optimizer& optimizer)
    : optimizer_(optimizer), kind_(kindOf(optimizer)) {}

StateTensors TorchOptimizerState::tensors() const {
  StateTensors out;
  const auto& state = optimizer_.state();
  size_t found = 0;
  const auto& groups = optimizer_.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      auto entry = state.find(keyOf(params[i]));
      if (entry == state.end()) continue;  // not stepped yet
      ++found;
      const std::string prefix = std::to_string(g) + "." + std::to_string(i) + ".";
      const ParamFields f = fieldsOf(kind_, *entry->second);
      if (f.has_step) out.emplace_back(prefix + "step", at::scalar_tensor(f.step, at::kLong));
      for (const auto& [name, t] : f.tensors) out.emplace_back(prefix + name, t);
    }
  }
  // State that belongs to no parameter would be lost without a word.
  COHORT_CHECK(found == state.size(), Error,
               kind_ + " holds state for " + std::to_string(state.size() - found) +
                   " tensors that are not among its parameters",
               "this libtorch keys optimizer state in a way cohort does not know; report it");
  return out;
}

StateAttributes TorchOptimizerState::attributes() const {
  StateAttributes out;
  const auto& groups = optimizer_.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    out["group." + std::to_string(g) + ".lr"] = exact(groups[g].options().get_lr());
  }
  return out;
}

void TorchOptimizerState::load(const StateTensors& tensors, const StateAttributes& attributes) {
  const KindInfo& info = infoOf(kind_);
  auto& groups = optimizer_.param_groups();
  // Everything is checked before anything changes.
  std::map<std::pair<size_t, size_t>, std::map<std::string, at::Tensor>> by_param;
  for (const auto& [name, t] : tensors) {
    size_t g = 0, i = 0;
    std::string field;
    const bool named = splitName(name, &g, &i, &field);
    COHORT_CHECK(named && keeps(info, field), ConfigError,
                 "the checkpoint's optimizer has the tensor '" + name + "', which a " + kind_ +
                     " does not keep",
                 kHint);
    COHORT_CHECK(g < groups.size() && i < groups[g].params().size(), ConfigError,
                 "the checkpoint's optimizer has state for parameter " + std::to_string(i) +
                     " of group " + std::to_string(g) + ", which this " + kind_ +
                     " does not have (it has " + std::to_string(groups.size()) +
                     " parameter group(s))",
                 kHint);
    const at::Tensor& p = groups[g].params()[i];
    if (field == "step") {
      COHORT_CHECK(
          t.dim() == 0 && t.scalar_type() == at::kLong, ConfigError,
          "the checkpoint's optimizer tensor '" + name + "' is not a step count (a 0-d int64)",
          kHint);
    } else {
      COHORT_CHECK(t.sizes() == p.sizes() && t.scalar_type() == p.scalar_type(), ConfigError,
                   "the checkpoint's optimizer tensor '" + name + "' is " +
                       c10::toString(t.scalar_type()) + " " + shapeText(t.sizes().vec()) +
                       ", but parameter " + std::to_string(i) + " of group " + std::to_string(g) +
                       " is " + c10::toString(p.scalar_type()) + " " + shapeText(p.sizes().vec()),
                   kHint);
    }
    by_param[{g, i}][field] = t;
  }
  for (const auto& [where, fields] : by_param) {
    for (const auto& field : info.required) {
      COHORT_CHECK(fields.count(field) != 0, ConfigError,
                   "the checkpoint's optimizer has no '" + std::to_string(where.first) + "." +
                       std::to_string(where.second) + "." + field + "' for a " + kind_,
                   kHint);
    }
    COHORT_CHECK(!info.has_step || fields.count("step") != 0, ConfigError,
                 "the checkpoint's optimizer has no step count for parameter " +
                     std::to_string(where.second) + " of group " + std::to_string(where.first),
                 kHint);
  }
  std::vector<double> lrs(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string key = "group." + std::to_string(g) + ".lr";
    auto found = attributes.find(key);
    COHORT_CHECK(found != attributes.end(), ConfigError,
                 "the checkpoint's optimizer has no learning rate for parameter group " +
                     std::to_string(g) + " (it was written for fewer groups)",
                 kHint);
    const auto lr = parseDecimal(found->second);
    if (lr) lrs[g] = *lr;
    COHORT_CHECK(
        lr.has_value(), ConfigError,
        "the checkpoint's optimizer attribute " + key + "='" + found->second + "' is not a number",
        "the checkpoint is damaged; move it away to resume from the one before");
  }
  for (const auto& [key, value] : attributes) {
    if (key.rfind("group.", 0) != 0) continue;
    const size_t end = key.size() > 9 ? key.size() - 3 : 0;  // "group." N ".lr"
    const auto g = key.compare(end, 3, ".lr") == 0 ? readWhole(key.substr(6, end - 6), 0, 999999999)
                                                   : std::nullopt;
    const bool ok = g && static_cast<size_t>(*g) < groups.size();
    COHORT_CHECK(ok, ConfigError,
                 "the checkpoint's optimizer has " + key + ", but this " + kind_ + " has " +
                     std::to_string(groups.size()) + " parameter group(s)",
                 kHint);
  }

  // Exactly the saved parameters get state, so each next step takes the branch it would have.
  auto& state = optimizer_.state();
  for (auto& group : groups) {
    for (const auto& p : group.params()) state.erase(keyOf(p));
  }
  at::NoGradGuard no_grad;
  for (const auto& [where, fields] : by_param) {
    const at::Tensor& p = groups[where.first].params()[where.second];
    std::map<std::string, at::Tensor> placed;
    int64_t step = 0;
    for (const auto& [field, t] : fields) {
      if (field == "step") {
        step = t.item<int64_t>();
      } else {
        placed[field] = t.to(p.device(), /*non_blocking=*/false, /*copy=*/true).contiguous();
      }
    }
    state[keyOf(p)] = makeState(kind_, placed, step);
  }
  for (size_t g = 0; g < groups.size(); ++g) groups[g].options().set_lr(lrs[g]);
}

OptimizerRef::OptimizerRef(torch::optim::Optimizer* optimizer) {
  if (optimizer) owned_ = std::make_shared<TorchOptimizerState>(*optimizer);
}

}  // namespace cohort::optim
