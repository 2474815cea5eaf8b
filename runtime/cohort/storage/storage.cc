#include "cohort/storage/storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/storage/credentials.h"
#include "cohort/storage/parts.h"
#include "cohort/storage/storage_azure.h"
#include "cohort/storage/storage_local.h"
#include "cohort/storage/storage_url.h"
#include "cohort/storage/storage_webhdfs.h"

namespace cohort::storage {

StorageOptions StorageOptions::fromSettings(const Settings& settings) {
  StorageOptions o;
  o.azure_endpoint = settings.azure_endpoint;
  o.azure_account_key = settings.azure_account_key;
  o.azure_sas_token = settings.azure_sas_token;
  o.hdfs_user = settings.hdfs_user;
  o.hdfs_delegation_token = settings.hdfs_delegation_token;
  o.retries = settings.data_retries;
  o.timeout_s = settings.data_timeout_s;
  if (!settings.credentials_file.empty()) {
    // The environment wins over the file, key by key.
    const auto file = readCredentialsFile(settings.credentials_file);
    auto fill = [&](std::string* value, const char* key) {
      auto it = file.find(key);
      if (value->empty() && it != file.end()) *value = it->second;
    };
    fill(&o.azure_account_key, "azure_account_key");
    fill(&o.azure_sas_token, "azure_sas_token");
    fill(&o.hdfs_delegation_token, "hdfs_delegation_token");
  }
  return o;
}

std::shared_ptr<Buffer> Storage::fetch(const std::string& name, int64_t expected_size,
                                       Checksum* checksum) {
  const int64_t size = this->size(name);
  if (size != expected_size) {
    throw DataError(urlOf(name) + " is " + std::to_string(size) + " bytes but index.json says " +
                        std::to_string(expected_size),
                    "the file was truncated or replaced: repack the data set with cohort-pack");
  }
  auto buffer = std::make_shared<Buffer>(static_cast<size_t>(size));
  if (size > 0) read(name, 0, size, buffer->data());
  if (checksum) checksum->update(buffer->data(), buffer->size());
  return buffer;
}

std::string Storage::readAll(const std::string& name) {
  std::string bytes(static_cast<size_t>(size(name)), '\0');
  if (!bytes.empty()) read(name, 0, static_cast<int64_t>(bytes.size()), bytes.data());
  return bytes;
}

std::string readLocalRange(int fd, const std::string& path, int64_t offset, int64_t length) {
  std::string bytes(static_cast<size_t>(length), '\0');
  for (int64_t got = 0; got < length;) {
    const ssize_t n =
        ::pread(fd, bytes.data() + got, static_cast<size_t>(length - got), offset + got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw DataError("cannot read " + path + " at byte " + std::to_string(offset + got) + ": " +
                          (n == 0 ? std::string("the file got shorter") : std::strerror(errno)),
                      "the file changed while it was read; copy it again");
    }
    got += n;
  }
  return bytes;
}

std::string readLocalFile(const std::string& path) {
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) {
    throw DataError("cannot open " + path + ": " + std::strerror(errno),
                    "check that it exists and is readable");
  }
  return readLocalRange(file.fd, path, 0, st.st_size);
}

void Storage::putFile(const std::string& name, const std::string& path, const PutFileOptions&) {
  write(name, readLocalFile(path));
}

void Storage::getFile(const std::string& name, const std::string& path, int64_t expected_size,
                      Checksum* checksum) {
  const int64_t size = this->size(name);
  if (size != expected_size) {
    throw DataError(urlOf(name) + " is " + std::to_string(size) + " bytes, not the " +
                        std::to_string(expected_size) + " recorded for it",
                    "the stored object was truncated or replaced");
  }
  UniqueFd out{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (out.fd < 0)
    throw DataError("cannot create " + path + ": " + std::strerror(errno),
                    "choose a writable folder");
  // Ranged reads on several threads; each part is hashed and written in order.
  constexpr int64_t kPart = int64_t{16} << 20;
  constexpr int kThreads = 4;
  const int64_t parts = (size + kPart - 1) / kPart;
  std::vector<std::vector<char>> buffers(static_cast<size_t>(2 * kThreads));
  forEachPart(
      0, parts, kThreads, 2 * kThreads,
      [&](int64_t p) {
        auto& buffer = buffers[static_cast<size_t>(p % (2 * kThreads))];
        buffer.resize(static_cast<size_t>(std::min(kPart, size - p * kPart)));
        read(name, p * kPart, static_cast<int64_t>(buffer.size()), buffer.data());
      },
      [&](int64_t p) {
        const auto& buffer = buffers[static_cast<size_t>(p % (2 * kThreads))];
        if (checksum) checksum->update(buffer.data(), buffer.size());
        if (!writeAll(out.fd, buffer.data(), buffer.size())) {
          throw DataError("cannot write " + path + ": " + std::strerror(errno),
                          "free some space, or choose another folder");
        }
      });
}

std::unique_ptr<Storage> openStorage(const std::string& location, const StorageOptions& options) {
  const StorageUrl url = parseStorageUrl(location);
  switch (url.kind) {
    case StorageUrl::Kind::kAzure:
      return std::make_unique<AzureStorage>(url, options);
    case StorageUrl::Kind::kWebHdfs:
      return std::make_unique<WebHdfsStorage>(url, options);
    case StorageUrl::Kind::kLocal:
      break;
  }
  return std::make_unique<LocalStorage>(url.path);
}

}  // namespace cohort::storage
