#include "cohort/optim/optimizer_state.h"

#include "cohort/core/shape_text.h"

namespace cohort::optim {

namespace {

const at::Tensor* find(const StateTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

}  // namespace

std::string describeMismatch(const StateTensors& saved, const StateTensors& live,
                             const std::string& what) {
  for (const auto& [name, tensor] : live) {
    const at::Tensor* s = find(saved, name);
    if (!s) return what + " has no tensor '" + name + "'";
    if (s->sizes() != tensor.sizes()) {
      return what + "'s '" + name + "' has shape " + shapeText(s->sizes().vec()) + ", this one " +
             shapeText(tensor.sizes().vec());
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
