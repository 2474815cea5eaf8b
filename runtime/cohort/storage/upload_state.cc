#include "cohort/storage/upload_state.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/log.h"

namespace cohort::storage {

using nlohmann::json;

UploadState::UploadState(std::string path, std::string url)
    : path_(std::move(path)), url_(std::move(url)) {
  std::ifstream in(path_);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  try {
    const json doc = json::parse(text.str());
    if (doc.at("url").get<std::string>() != url_) return;  // another destination: start afresh
    for (const auto& [name, entry] : doc.at("files").items()) {
      UploadedFile f;
      f.size = entry.at("size").get<int64_t>();
      f.mtime_ns = entry.at("mtime_ns").get<int64_t>();
      f.complete = entry.at("complete").get<bool>();
      f.block_bytes = entry.value("block_bytes", int64_t{0});
      f.blocks_done = entry.value("blocks_done", int64_t{0});
      files_[name] = f;
    }
  } catch (const json::exception& e) {
    log::warn("ignoring the upload state " + path_ + " (" + e.what() +
              "); every file is uploaded again");
    files_.clear();
  }
}

const UploadedFile* UploadState::find(const std::string& name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

void UploadState::put(const std::string& name, const UploadedFile& file) {
  files_[name] = file;
  save();
}

void UploadState::save() const {
  json files = json::object();
  for (const auto& [name, f] : files_) {
    json entry = {{"size", f.size}, {"mtime_ns", f.mtime_ns}, {"complete", f.complete}};
    if (!f.complete) {
      entry["block_bytes"] = f.block_bytes;
      entry["blocks_done"] = f.blocks_done;
    }
    files[name] = entry;
  }
  const std::string text = json{{"url", url_}, {"files", files}}.dump() + "\n";
  std::error_code error;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  // Saved after every file and block: not flushed to disk each time (a state
  // lost in a crash only means some files are sent again).
  std::string problem;
  if (!writeFileAtomically(path_, text, &problem, {/*durable=*/false, ""})) {
    throw Error("cannot save the upload state: " + problem,
                "free space on its disk, or move the logs folder");
  }
}

}  // namespace cohort::storage
