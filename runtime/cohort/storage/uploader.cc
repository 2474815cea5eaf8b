#include "cohort/storage/uploader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cohort/core/error.h"

namespace cohort::storage {

namespace fs = std::filesystem;

namespace {

std::string joinRemote(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "/" + name;
}

// Whether any part of a relative path starts with '.'.
bool hidden(const std::string& relative) {
  for (const auto& part : fs::path(relative)) {
    const std::string text = part.string();
    if (!text.empty() && text[0] == '.') return true;
  }
  return false;
}

struct LocalStat {
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

bool statFile(const std::string& path, LocalStat* out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  out->size = st.st_size;
  out->mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

}  // namespace

std::string redactUrl(const std::string& url) {
  const auto query = url.find('?');
  return query == std::string::npos ? url : url.substr(0, query) + "?<redacted>";
}

Uploader::Uploader(UploadOptions options)
    : options_(std::move(options)), state_(options_.state_path, options_.url) {
  if (options_.url.find('?') != std::string::npos) {
    throw ConfigError(
        "the upload URL " + redactUrl(options_.url) + " has a query string",
        "give the URL without '?...' and the SAS token in COHORT_AZURE_SAS_TOKEN "
        "(or COHORT_CREDENTIALS_FILE), so that it stays out of logs and process lists");
  }
  COHORT_CHECK(options_.block_bytes > 0, ConfigError, "the upload block size must be positive",
               "set COHORT_UPLOAD_BLOCK_MB to a positive number");
  storage_ = storage::openStorage(options_.url, options_.storage);
  storage_->createLocation();  // also the first test of the credentials: a refused one fails here,
                               // not mid-run
}

Uploader::~Uploader() = default;

SyncResult Uploader::syncFolder(const std::string& local_dir, const std::string& remote_prefix) {
  std::vector<std::string> names;
  std::error_code error;
  if (!fs::is_directory(local_dir, error)) return {};
  for (auto it = fs::recursive_directory_iterator(local_dir, error); !error && it != fs::end(it);
       it.increment(error)) {
    const std::string relative = fs::relative(it->path(), local_dir).generic_string();
    if (hidden(relative)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) names.push_back(relative);
  }
  std::sort(names.begin(), names.end());
  return syncFiles(local_dir, names, remote_prefix);
}

SyncResult Uploader::syncFiles(const std::string& local_dir,
                               const std::vector<std::string>& relative,
                               const std::string& remote_prefix) {
  SyncResult result;
  for (const auto& name : relative) {
    if (hidden(name)) continue;
    syncFile(local_dir + "/" + name, joinRemote(remote_prefix, name), &result);
  }
  return result;
}

SyncResult Uploader::syncLatestCheckpoint(const std::string& outputs_dir,
                                          const std::string& remote_prefix) {
  std::ifstream in(outputs_dir + "/checkpoints/latest");
  std::string folder;
  if (!in || !std::getline(in, folder)) return {};
  while (!folder.empty() && (folder.back() == '\r' || folder.back() == ' ')) folder.pop_back();
  // Only a committed folder directly inside checkpoints/ (never "../x" or ".tmp-...").
  if (folder.empty() || folder == last_checkpoint_ || folder.find('/') != std::string::npos ||
      folder[0] == '.') {
    return {};
  }
  const std::string checkpoints = outputs_dir + "/checkpoints";
  SyncResult result =
      syncFolder(checkpoints + "/" + folder, joinRemote(remote_prefix, "checkpoints/" + folder));
  SyncResult pointer = syncFiles(checkpoints, {"latest"}, joinRemote(remote_prefix, "checkpoints"));
  result.uploaded += pointer.uploaded;
  result.unchanged += pointer.unchanged;
  result.bytes += pointer.bytes;
  last_checkpoint_ = folder;
  return result;
}

bool Uploader::syncFile(const std::string& local_path, const std::string& remote_name,
                        SyncResult* result) {
  LocalStat st;
  if (!statFile(local_path, &st)) return false;  // gone since it was listed
  const UploadedFile* known = state_.find(remote_name);
  if (known && known->complete && known->size == st.size && known->mtime_ns == st.mtime_ns) {
    ++result->unchanged;
    return false;
  }
  UploadedFile entry;
  entry.size = st.size;
  entry.mtime_ns = st.mtime_ns;
  if (st.size > options_.block_bytes && storage_->partsResume()) {
    int64_t start = 0;
    if (known && !known->complete && known->size == st.size && known->mtime_ns == st.mtime_ns &&
        known->block_bytes == options_.block_bytes) {
      start = known->blocks_done;  // the same file, cut short before: go on
    }
    try {
      uploadInBlocks(local_path, remote_name, entry, start);
    } catch (const DataError&) {
      if (start == 0) throw;
      // The staged blocks may be gone (expired, or another writer replaced the blob).
      if (reporter_)
        reporter_("committing the resumed blocks of " + remote_name +
                  " failed; uploading it again");
      uploadInBlocks(local_path, remote_name, entry, 0);
    }
  } else {
    storage_->putFile(remote_name, local_path, {});
  }
  entry.complete = true;
  state_.put(remote_name, entry);
  ++result->uploaded;
  result->bytes += st.size;
  return true;
}

void Uploader::uploadInBlocks(const std::string& local_path, const std::string& remote_name,
                              UploadedFile entry, int64_t start_block) {
  const int64_t block = options_.block_bytes;
  const int64_t blocks = (entry.size + block - 1) / block;
  if (start_block > 0 && reporter_) {
    reporter_("resuming " + remote_name + " at block " + std::to_string(start_block) + " of " +
              std::to_string(blocks));
  }
  entry.complete = false;
  entry.block_bytes = block;
  Storage::PutFileOptions put;
  put.part_bytes = block;
  put.first_part = start_block;
  put.on_part = [&](int64_t done) {  // recorded after each block, so a kill -9 loses at most one
    entry.blocks_done = done;
    state_.put(remote_name, entry);
  };
  storage_->putFile(remote_name, local_path, put);
}

}  // namespace cohort::storage
