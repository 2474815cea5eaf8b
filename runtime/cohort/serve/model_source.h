// Where a served model comes from, and the check that it is what was
// registered.
//
// MODEL is a registered version (NAME, NAME:VERSION or NAME@ALIAS, in the
// registry --registry or COHORT_REGISTRY names) or a folder holding a
// model.json (an OUTPUTS/model folder), written as a path with a '/'
// (./model): a bare word is always a registered name. A registered version is downloaded
// into a fresh folder, and every file's sha256 is computed and compared with
// the registry's record: a file that differs is refused, naming it, and the
// model never serves. The version's digest (ModelIdentity::sha256) is the
// sha256 of its files' "PATH SHA256" lines in path order, the same text for
// the same files whether they came from the registry or a folder.
//
// The model's code: a file model.pt is TorchScript; otherwise model.json's
// architecture must be one the factory builds (a C++ trainer's
// cohort::serve::run), with weights.h5. Anything else (a scikit-learn
// pipeline) is refused saying what to do. Nothing here loads a model named
// by a request: the model is fixed when the server starts.
#pragma once

#include <memory>
#include <string>

#include "cohort/core/settings.h"
#include "cohort/serve/torch_model.h"

namespace cohort::serve {

struct ModelFiles {
  std::string dir;  // the folder the files are in
  ModelIdentity identity;
  nlohmann::json model_json;  // model.json, as the exporter wrote it
};

// Fetches and checks MODEL (see above); a registered version goes into a new
// folder under `scratch`. Throws Error naming what failed and what to do.
ModelFiles fetchModel(const std::string& model, const std::string& registry,
                      const Settings& settings, const std::string& scratch);

// The folder under `scratch` a registered version is downloaded into.
std::string downloadFolder(const std::string& scratch, const std::string& name,
                           const std::string& version);

// Builds the model in `files` (TorchScript, or `factory`'s architecture).
std::unique_ptr<ServedModel> loadModel(const ModelFiles& files, const ModelFactory& factory);

}  // namespace cohort::serve
