#include "cohort/serve/model_source.h"

#include <algorithm>
#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/json.h"
#include "cohort/registry/model_ref.h"
#include "cohort/registry/registry.h"
#include "cohort/registry/registry_location.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/storage.h"

namespace cohort::serve {

namespace fs = std::filesystem;

namespace {

// "PATH SHA256" lines of the regular files under `dir`, in path order.
std::vector<std::pair<std::string, std::string>> hashFiles(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (!it->is_regular_file()) continue;
    files.emplace_back(
        fs::relative(it->path(), dir).string(),
        storage::fileChecksumHex(storage::ChecksumKind::kSha256, it->path().string()));
  }
  if (error) throw Error("cannot list the model folder " + dir.string() + ": " + error.message());
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json modelJsonIn(const fs::path& dir) {
  std::error_code error;
  if (!fs::exists(dir / "model.json", error)) {
    throw Error(dir.string() + " has no model.json",
                "serve an OUTPUTS/model folder or a registered version");
  }
  nlohmann::json doc = parseUntrustedJson(storage::readLocalFile((dir / "model.json").string()));
  if (!doc.is_object())
    throw Error(dir.string() + "/model.json is not a JSON object", "export the model again");
  return doc;
}

ModelFiles fromFolder(const std::string& folder) {
  ModelFiles files;
  files.dir = folder;
  files.model_json = modelJsonIn(folder);
  files.identity.name = "model";  // cohort-serve --name gives another
  files.identity.sha256 = registry::filesDigest(hashFiles(folder));
  return files;
}

ModelFiles fromRegistry(const std::string& text, const std::string& named, const Settings& settings,
                        const std::string& scratch) {
  const registry::ModelRef ref = registry::parseModelRef(text);
  registry::Registry reg = registry::openRegistry(named, settings);
  const registry::VersionRecord version = reg.resolve(ref);
  const fs::path dir = downloadFolder(scratch, version.name, std::to_string(version.version));
  std::error_code error;
  fs::remove_all(dir, error);
  fs::create_directories(dir.parent_path(), error);
  reg.download(version, dir.string());
  // Every file against the record's sha256 (See Note [Two digests] in registry.h).
  const auto hashed = hashFiles(dir);
  for (const auto& record : version.files) {
    const auto it = std::find_if(hashed.begin(), hashed.end(),
                                 [&](const auto& f) { return f.first == record.path; });
    if (it == hashed.end()) throw Error(ref.text() + ": " + record.path + " is missing");
    if (it->second != record.sha256) {
      throw Error(ref.text() + ": the file " + record.path + " has sha256 " + it->second +
                      ", not the registered " + record.sha256 +
                      "; it was changed after it was "
                      "registered",
                  "run `cohort-model verify " + ref.text() + "`, and register the model again");
    }
  }
  if (hashed.size() != version.files.size()) {
    throw Error(ref.text() + ": the download holds files the record does not name",
                "run `cohort-model verify " + ref.text() + "`");
  }
  ModelFiles files;
  files.dir = dir.string();
  files.model_json = modelJsonIn(dir);
  files.identity.name = version.name;
  files.identity.version = std::to_string(version.version);
  files.identity.sha256 = registry::filesDigest(hashed);
  files.identity.lineage = reg.lineage(version);
  return files;
}

}  // namespace

std::string downloadFolder(const std::string& scratch, const std::string& name,
                           const std::string& version) {
  return (fs::path(scratch) / (name + "-" + version)).string();
}

ModelFiles fetchModel(const std::string& model, const std::string& registry,
                      const Settings& settings, const std::string& scratch) {
  std::error_code error;
  if (model.find('/') != std::string::npos) {  // a bare word is a registered name
    if (!fs::is_directory(model, error)) {
      throw Error(model + " is not a folder",
                  "name a model folder (OUTPUTS/model) or a registered NAME, NAME:VERSION or "
                  "NAME@ALIAS");
    }
    return fromFolder(model);
  }
  return fromRegistry(model, registry, settings, scratch);
}

std::unique_ptr<ServedModel> loadModel(const ModelFiles& files, const ModelFactory& factory) {
  const fs::path dir(files.dir);
  std::error_code error;
  if (fs::is_regular_file(dir / "model.pt", error))
    return loadTorchScript((dir / "model.pt").string(), files.identity);
  if (factory) {
    if (auto built = factory(files.model_json)) {
      return loadBuiltModel(std::move(*built), (dir / "weights.h5").string(), files.identity);
    }
  }
  const std::string architecture = jsonField(files.model_json, "architecture", std::string("?"));
  throw Error("cannot serve " + files.dir + ": its architecture '" + architecture.substr(0, 80) +
                  "' is neither TorchScript (no model.pt) nor one this program builds",
              "serve it with the binary that trained it (a C++ trainer serves its own "
              "architecture through cohort::serve::run), or save the model with torch.jit.save as "
              "model.pt beside model.json");
}

}  // namespace cohort::serve
