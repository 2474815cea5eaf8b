#include "cohort/storage/storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
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

void Storage::readRange(const std::string& name, int64_t offset, int64_t length, Extent extent,
                        const ByteSink& sink) {
  const bool whole = extent == Extent::kWholeObject;
  // A whole object is asked for with one byte more: getting it means the object is longer.
  const int64_t asked = whole ? length + 1 : length;
  int64_t got = 0;      // survives retries: each try asks for the bytes not yet received
  bool longer = false;  // a byte past `length` arrived
  std::exception_ptr sink_error;
  const auto receive = [&](const char* data, size_t size) {
    const int64_t keep = std::min(length - got, static_cast<int64_t>(size));
    if (keep > 0) {
      try {
        sink(data, static_cast<size_t>(keep));
      } catch (...) {
        sink_error = std::current_exception();
        return false;
      }
      got += keep;
    }
    longer = keep < static_cast<int64_t>(size);
    return !longer;
  };
  retry_.run("reading " + urlOf(name), [&](int) {
    if (!whole && got == length) return;  // a cut after the last byte
    try {
      requestRange(name, offset + got, asked - got, receive);
    } catch (...) {
      if (!sink_error && !longer) throw;  // else the transfer was stopped here, for that reason
    }
    if (sink_error) std::rethrow_exception(sink_error);
    if (longer && whole) throw ObjectSizeError(urlOf(name), -1, length);
    if (longer) {
      throw DataError(urlOf(name) + ": the storage sent more than the " + std::to_string(length) +
                          " bytes asked for from byte " + std::to_string(offset),
                      "check that the location names a storage that honours ranged reads");
    }
    if (got < length) {  // a complete answer, shorter than asked: the object ends there
      if (whole) throw ObjectSizeError(urlOf(name), got, length);
      throw DataError(urlOf(name) + " ends at byte " + std::to_string(offset + got) +
                          ", before the " + std::to_string(offset + length) + " bytes asked for",
                      "the stored object is shorter than its reader expected: it was truncated "
                      "or replaced; restore it from a good copy");
    }
  });
}

void Storage::read(const std::string& name, int64_t offset, int64_t length, char* out) {
  int64_t filled = 0;
  readRange(name, offset, length, Extent::kRange, [&](const char* data, size_t size) {
    std::memcpy(out + filled, data, size);
    filled += static_cast<int64_t>(size);
  });
}

std::shared_ptr<Buffer> Storage::fetch(const std::string& name, int64_t expected_size,
                                       Checksum* checksum) {
  auto buffer = std::make_shared<Buffer>(static_cast<size_t>(expected_size));
  char* filled = buffer->data();
  readRange(name, 0, expected_size, Extent::kWholeObject, [&](const char* data, size_t size) {
    std::memcpy(filled, data, size);
    if (checksum) checksum->update(filled, size);  // while it is in the CPU cache
    filled += size;
  });
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
  constexpr int64_t kPart = int64_t{16} << 20;
  const int threads = parallelReads();
  // Parts are ranged reads that cannot see past their end, so the size is asked first.
  if (threads > 1 && expected_size > kPart) {
    const int64_t size = this->size(name);
    if (size != expected_size) throw ObjectSizeError(urlOf(name), size, expected_size);
  }
  UniqueFd out{openToWrite(path, O_WRONLY | O_CREAT | O_TRUNC)};
  if (out.fd < 0) throw DataError(openToWriteProblem(path, errno), "choose a writable folder");
  const auto keep = [&](const char* data, size_t size) {
    if (checksum) checksum->update(data, size);
    if (!writeAll(out.fd, data, size)) {
      throw DataError("cannot write " + path + ": " + std::strerror(errno),
                      "free some space, or choose another folder");
    }
  };
  if (threads <= 1 || expected_size <= kPart) {  // one request, written as it arrives
    readRange(name, 0, expected_size, Extent::kWholeObject, keep);
    return;
  }
  // Ranged reads on several threads; each part is hashed and written in order.
  const int64_t parts = (expected_size + kPart - 1) / kPart;
  std::vector<std::vector<char>> buffers(static_cast<size_t>(2 * threads));
  forEachPart(
      0, parts, threads, 2 * threads,
      [&](int64_t p) {
        auto& buffer = buffers[static_cast<size_t>(p % (2 * threads))];
        buffer.resize(static_cast<size_t>(std::min(kPart, expected_size - p * kPart)));
        read(name, p * kPart, static_cast<int64_t>(buffer.size()), buffer.data());
      },
      [&](int64_t p) {
        const auto& buffer = buffers[static_cast<size_t>(p % (2 * threads))];
        keep(buffer.data(), buffer.size());
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
