#include "cohort/optim/optimizer_state.h"

namespace cohort::optim {

namespace {

const at::Tensor* find(const StateTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

}  // namespace

std::string shapeText(at::IntArrayRef sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

std::string describeMismatch(const StateTensors& saved, const StateTensors& live,
                             const std::string& what) {
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
      if (!find(live, name))
        return what + " has the tensor '" + name + "', which this one does not";
    }
  }
  return "";
}

}  // namespace cohort::optim
