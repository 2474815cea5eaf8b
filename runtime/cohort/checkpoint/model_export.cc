#include "cohort/checkpoint/model_export.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/core/error.h"

namespace cohort::checkpoint {

fs::path exportModel(const fs::path& outputs_dir, const NamedTensors& model,
                     const ModelCard& card) {
  const fs::path target = outputs_dir / "model";
  const fs::path temp = outputs_dir / ".model.tmp";
  const fs::path old = outputs_dir / ".model.old";
  std::error_code error;
  fs::remove_all(temp, error);
  fs::create_directories(temp, error);
  if (error) {
    throw Error("cannot create " + temp.string() + ": " + error.message(),
                "check that the outputs folder is writable and has free space");
  }
  NamedTensors host;
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& [name, tensor] : model) {
    host.emplace_back(name, tensor.detach().to(at::kCPU).contiguous());
    tensors.push_back(
        {{"name", name},
         {"shape", std::vector<int64_t>(tensor.sizes().begin(), tensor.sizes().end())},
         {"dtype", c10::toString(tensor.scalar_type())}});
  }
  writeTensorFile((temp / "weights.h5").string(), host,
                  {{"kind", "model"}, {"architecture", card.architecture}});
  int64_t bytes = 0;
  sealFile(temp / "weights.h5", &bytes);
  nlohmann::json doc = {
      {"architecture", card.architecture}, {"tensors", tensors},
      {"metrics", card.metrics},           {"dataset", card.dataset},
      {"cohort_version", COHORT_VERSION},  {"time", static_cast<double>(std::time(nullptr))}};
  doc["config"] = nlohmann::json::parse(card.config, nullptr, false);
  if (doc["config"].is_discarded()) doc["config"] = card.config;
  const std::string text = doc.dump(2) + "\n";
  writeTextFile(temp / "model.json", text);
  sealFile(temp / "model.json", &bytes);
  // Swap the folders: the older export stays whole until the new one is.
  fs::remove_all(old, error);
  if (fs::exists(target)) fs::rename(target, old, error);
  fs::rename(temp, target, error);
  if (error)
    throw Error("cannot move " + temp.string() + " to " + target.string() + ": " + error.message());
  fs::remove_all(old, error);
  return target;
}

}  // namespace cohort::checkpoint
