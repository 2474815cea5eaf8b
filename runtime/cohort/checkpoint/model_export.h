// The final model, readable without cohort: OUTPUTS/model/weights.h5 (the
// state dict, one dataset per tensor, see tensor_file.h) and model.json:
//   {"architecture": "...", "tensors": [{"name", "shape", "dtype"}, ...],
//    "metrics": {...}, "dataset": "<digest of the training data set>",
//    "cohort_version": "...", "time": <Unix s>, "config": {...}}
// In PyTorch:
//   net.load_state_dict({k: torch.from_numpy(v[...]) for k, v in h5py.File("weights.h5").items()})
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "cohort/checkpoint/tensor_file.h"

namespace cohort::checkpoint {

struct ModelCard {
  std::string architecture;               // a name the trainer gives its model
  std::map<std::string, double> metrics;  // final metrics
  std::string dataset;                    // the training data set's digest (LoaderState::dataset)
  std::string config = "{}";              // the run's configuration, a JSON object
};

// Writes OUTPUTS/model/ (replacing an older export only once the new one is
// complete on disk) and returns its path. Anything else at OUTPUTS/model (a
// file, a link, a folder without model.json) is refused, left as it was; a
// failed export leaves no temporary folder. Not collective: call it on rank 0.
std::filesystem::path exportModel(const std::filesystem::path& outputs_dir,
                                  const NamedTensors& model, const ModelCard& card);

}  // namespace cohort::checkpoint
