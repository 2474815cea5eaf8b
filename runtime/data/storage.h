// One interface over the places a data set can live: local folders and NFS
// mounts, Azure Blob Storage, and HDFS over WebHDFS. A Storage is rooted at a
// data set's location; every name passed to it is relative to that location
// and checked by checkObjectName, so nothing is read or written outside it.
//
// Remote backends retry transient failures (HTTP 5xx, 408, 429, timeouts,
// resets) with exponential backoff, resuming a read from the byte already
// received; a permanent failure is a DataError naming the URL, the HTTP
// status and the storage's own message. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cohort/core/settings.h"
#include "cohort/data/checksum.h"

namespace cohort::data {

// A byte buffer that is not zero-filled when made (a shard is written over at once).
class Buffer {
 public:
  explicit Buffer(size_t size) : data_(new char[size]), size_(size) {}
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  // Forgets the bytes past `size` (it never grows).
  void truncate(size_t size) { size_ = size < size_ ? size : size_; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

struct ObjectInfo {
  std::string name;  // relative to the location
  int64_t size = 0;
};

// What the backends need besides the location: credentials, retries, timeouts.
struct StorageOptions {
  std::string azure_endpoint;
  std::string azure_account_key;  // base64, as the portal shows it
  std::string azure_sas_token;    // the query string, with or without a leading '?'
  std::string hdfs_user;          // user.name for WebHDFS simple authentication
  std::string hdfs_delegation_token;
  int retries = 8;                // tries of one request before its failure is final
  double first_backoff_s = 0.2;   // then doubling, up to max_backoff_s
  double max_backoff_s = 8;
  double timeout_s = 60;          // a request with no progress this long counts as failed

  // From the COHORT_* settings; credentials missing from the environment are
  // taken from COHORT_CREDENTIALS_FILE (key=value lines), if set.
  static StorageOptions fromSettings(const Settings& settings);
};

class Storage {
 public:
  virtual ~Storage() = default;

  // The location, as given (for messages).
  virtual std::string location() const = 0;
  // The URL (or path) of one object, for messages.
  virtual std::string urlOf(const std::string& name) const = 0;

  // The objects directly inside the location, sorted by name.
  virtual std::vector<ObjectInfo> list() = 0;
  // Whether the object exists (other failures, such as refused credentials, throw).
  virtual bool exists(const std::string& name) = 0;
  // The size of one object in bytes; a DataError when it does not exist.
  virtual int64_t size(const std::string& name) = 0;
  // Reads `length` bytes from `offset` into `out` (which must hold them).
  // A short object is a DataError.
  virtual void read(const std::string& name, int64_t offset, int64_t length, char* out) = 0;
  // Creates or replaces one object with `bytes`. A reader never sees it half written
  // (local: rename; Azure: one Put Blob; HDFS: the file appears when closed).
  virtual void write(const std::string& name, const std::string& bytes) = 0;

  // Reads a whole object, which must be `expected_size` bytes (else a DataError
  // saying how long it is), feeding `checksum` (if not null) block by block as
  // the bytes arrive. Backends do it in one request where they can.
  virtual std::shared_ptr<Buffer> fetch(const std::string& name, int64_t expected_size, Checksum* checksum);

  // Reads a whole object.
  std::string readAll(const std::string& name);
};

// Opens the storage for `location` (see storage_url.h for the forms).
std::unique_ptr<Storage> openStorage(const std::string& location, const StorageOptions& options);

}  // namespace cohort::data
