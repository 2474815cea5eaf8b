// Checking that every rank wraps the same model before training starts.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

#include "cohort/comm/communicator.h"

namespace cohort {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// One line per tensor: "name dtype [d0, d1, ...]".
std::string describeTensors(const NamedTensors& tensors);

// Collective: every rank must call it. Throws CommError on every rank, naming
// the first rank whose parameters or buffers differ from rank 0's and the first
// difference, when the models disagree in names, dtypes or shapes.
void checkSameModel(Communicator& comm, const NamedTensors& tensors);

}  // namespace cohort
