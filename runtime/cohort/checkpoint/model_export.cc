#include "cohort/checkpoint/model_export.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/core/error.h"

namespace cohort::checkpoint {

namespace {

// An earlier export at `target` is replaced; anything else there (a file, a
// link, a folder without model.json) is not cohort's to remove.
void refuseForeignModel(const fs::path& target) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(target, error);
  if (status.type() == fs::file_type::not_found) return;
  const bool ours = fs::is_directory(status) &&
                    fs::is_regular_file(fs::symlink_status(target / "model.json", error));
  if (ours) return;
  const char* what = fs::is_symlink(status)     ? "a symbolic link"
                     : fs::is_directory(status) ? "a folder without model.json"
                                                : "not a folder";
  throw Error(target.string() + " is " + what +
                  ", not a model cohort exported, and cohort replaces only its own exports",
              "move it out of the outputs folder, then run again");
}

// The export's files, in the folder `temp`.
void writeExport(const fs::path& temp, const NamedTensors& model, const ModelCard& card) {
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
}

}  // namespace

fs::path exportModel(const fs::path& outputs_dir, const NamedTensors& model,
                     const ModelCard& card) {
  const fs::path target = outputs_dir / "model";
  const fs::path temp = outputs_dir / ".model.tmp";
  const fs::path old = outputs_dir / ".model.old";
  refuseForeignModel(target);
  std::error_code error;
  fs::remove_all(temp, error);
  fs::create_directories(temp, error);
  if (error) {
    throw Error("cannot create " + temp.string() + ": " + error.message(),
                "check that the outputs folder is writable and has free space");
  }
  try {
    writeExport(temp, model, card);
  } catch (...) {
    fs::remove_all(temp, error);  // no half export left behind
    throw;
  }
  // Swap the folders: the older export stays whole until the new one is.
  fs::remove_all(old, error);
  error.clear();
  if (fs::exists(target)) fs::rename(target, old, error);
  if (!error) fs::rename(temp, target, error);
  if (error) {
    const std::string why = error.message();
    fs::remove_all(temp, error);
    if (!fs::exists(target, error) && fs::exists(old, error)) fs::rename(old, target, error);
    throw Error("cannot move " + temp.string() + " to " + target.string() + ": " + why,
                "check that the outputs folder is writable");
  }
  fs::remove_all(old, error);
  return target;
}

}  // namespace cohort::checkpoint
