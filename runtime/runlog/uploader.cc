#include "cohort/runlog/uploader.h"

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
#include "cohort/data/azure_auth.h"
#include "cohort/data/storage_azure.h"
#include "cohort/data/storage_url.h"

namespace cohort::runlog {

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

std::string readRange(int fd, const std::string& path, int64_t offset, int64_t length) {
  std::string bytes(static_cast<size_t>(length), '\0');
  int64_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, &bytes[got], static_cast<size_t>(length - got), offset + got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw DataError("cannot read " + path + " at byte " + std::to_string(offset + got) + ": " +
                          (n == 0 ? std::string("the file got shorter") : std::strerror(errno)),
                      "the file changed while it was uploaded; the next sync copies it again");
    }
    got += n;
  }
  return bytes;
}

// Block ids of one blob must all have the same length: "cohort-block-00000042", base64.
std::string blockId(int64_t index) {
  char text[48];
  std::snprintf(text, sizeof text, "cohort-block-%08lld", static_cast<long long>(index));
  return data::base64Encode(text);
}

}  // namespace

std::string redactUrl(const std::string& url) {
  const auto query = url.find('?');
  return query == std::string::npos ? url : url.substr(0, query) + "?<redacted>";
}

Uploader::Uploader(UploadOptions options)
    : options_(std::move(options)), state_(options_.state_path, options_.url) {
  if (options_.url.find('?') != std::string::npos) {
    throw ConfigError("the upload URL " + redactUrl(options_.url) + " has a query string",
                      "give the URL without '?...' and the SAS token in COHORT_AZURE_SAS_TOKEN "
                      "(or COHORT_CREDENTIALS_FILE), so that it stays out of logs and process lists");
  }
  COHORT_CHECK(options_.block_bytes > 0, ConfigError, "the upload block size must be positive",
               "set COHORT_UPLOAD_BLOCK_MB to a positive number");
  storage_ = data::openStorage(options_.url, options_.storage);
  if (auto* azure = dynamic_cast<data::AzureStorage*>(storage_.get())) {
    azure->createContainer();  // also the first test of the credentials
  } else if (data::parseStorageUrl(options_.url).kind == data::StorageUrl::Kind::kWebHdfs) {
    storage_->exists("cohort-upload-check");  // a refused token fails here, not mid-run
  }
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

SyncResult Uploader::syncFiles(const std::string& local_dir, const std::vector<std::string>& relative,
                               const std::string& remote_prefix) {
  SyncResult result;
  for (const auto& name : relative) {
    if (hidden(name)) continue;
    syncFile(local_dir + "/" + name, joinRemote(remote_prefix, name), &result);
  }
  return result;
}

SyncResult Uploader::syncLatestCheckpoint(const std::string& outputs_dir, const std::string& remote_prefix) {
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
  SyncResult result = syncFolder(checkpoints + "/" + folder, joinRemote(remote_prefix, "checkpoints/" + folder));
  SyncResult pointer = syncFiles(checkpoints, {"latest"}, joinRemote(remote_prefix, "checkpoints"));
  result.uploaded += pointer.uploaded;
  result.unchanged += pointer.unchanged;
  result.bytes += pointer.bytes;
  last_checkpoint_ = folder;
  return result;
}

bool Uploader::syncFile(const std::string& local_path, const std::string& remote_name, SyncResult* result) {
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
  auto* azure = dynamic_cast<data::AzureStorage*>(storage_.get());
  if (azure && st.size > options_.block_bytes) {
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
      if (reporter_) reporter_("committing the resumed blocks of " + remote_name + " failed; uploading it again");
      uploadInBlocks(local_path, remote_name, entry, 0);
    }
  } else {
    int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw DataError("cannot open " + local_path + ": " + std::strerror(errno), "check its permissions");
    std::string bytes;
    try {
      bytes = readRange(fd, local_path, 0, st.size);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    storage_->write(remote_name, bytes);
  }
  entry.complete = true;
  state_.put(remote_name, entry);
  ++result->uploaded;
  result->bytes += st.size;
  return true;
}

void Uploader::uploadInBlocks(const std::string& local_path, const std::string& remote_name, UploadedFile entry,
                              int64_t start_block) {
  auto& azure = dynamic_cast<data::AzureStorage&>(*storage_);
  const int64_t block = options_.block_bytes;
  const int64_t blocks = (entry.size + block - 1) / block;
  if (start_block > 0 && reporter_) {
    reporter_("resuming " + remote_name + " at block " + std::to_string(start_block) + " of " +
              std::to_string(blocks));
  }
  int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError("cannot open " + local_path + ": " + std::strerror(errno), "check its permissions");
  entry.complete = false;
  entry.block_bytes = block;
  std::vector<std::string> ids;
  try {
    for (int64_t b = 0; b < blocks; ++b) {
      ids.push_back(blockId(b));
      if (b < start_block) continue;
      const int64_t offset = b * block;
      azure.putBlock(remote_name, ids.back(), readRange(fd, local_path, offset, std::min(block, entry.size - offset)));
      entry.blocks_done = b + 1;
      state_.put(remote_name, entry);
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  azure.putBlockList(remote_name, ids);
}

}  // namespace cohort::runlog
