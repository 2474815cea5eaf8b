// A model being served: what it is (name, version, digest, lineage) and a
// batched forward pass. One implementation runs libtorch (torch_model.h);
// the server and the batcher know only this interface.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cohort/serve/batcher.h"
#include "cohort/serve/infer_request.h"

namespace cohort::serve {

struct ModelIdentity {
  std::string name;     // as clients address it: /v2/models/NAME
  std::string version;  // the registry's version, or "" for a folder
  std::string sha256;   // of the version: its files' sha256s, in order, hashed (See model_source.h)
  std::string platform;    // "pytorch_torchscript" or "pytorch_libtorch"
  nlohmann::json lineage;  // the registry's lineage record, or null
};

class ServedModel {
 public:
  virtual ~ServedModel() = default;
  const ModelIdentity& identity() const { return identity_; }

  // The rows `request` adds to a batch (its input's leading dimension);
  // throws RequestError (400) when the request cannot be this model's input,
  // before it is queued.
  virtual int64_t rowsOf(const InferRequest& request) const = 0;
  // One result per item, in order. A request the model cannot take gets its
  // own 400, and the rest of the batch still runs.
  virtual std::vector<BatchResult> run(const std::vector<BatchItem*>& batch) = 0;
  // The protocol's model metadata: {"name", "versions", "platform", "inputs", "outputs"}.
  virtual nlohmann::json metadata() const = 0;
  // One forward pass before the model serves, where its input's shape is
  // known (first calls allocate); throws when the model cannot run.
  virtual void warm() = 0;

 protected:
  explicit ServedModel(ModelIdentity identity) : identity_(std::move(identity)) {}
  ModelIdentity identity_;
};

}  // namespace cohort::serve
