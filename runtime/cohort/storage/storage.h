// One interface over the places a data set can live: local folders and NFS
// mounts, Azure Blob Storage, and HDFS over WebHDFS. A Storage is rooted at a
// data set's location; every name passed to it is relative to that location
// and checked by checkObjectName, so nothing is read or written outside it.
//
// Remote backends retry transient failures (HTTP 5xx, 408, 429, timeouts,
// resets) with exponential backoff, resuming a read from the byte already
// received (See Note [Ranged reads]); a permanent failure is a DataError naming
// the URL, the HTTP status and the storage's own message, in storage terms
// (See Note [Storage messages] in object_errors.h). Implementations are
// thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cohort/core/settings.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/object_errors.h"
#include "cohort/storage/retry_policy.h"

namespace cohort::storage {

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
  int retries = 8;               // tries of one request before its failure is final
  double first_backoff_s = 0.2;  // then doubling, up to max_backoff_s
  double max_backoff_s = 8;
  double timeout_s = 60;  // a request with no progress this long counts as failed

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

  // The objects directly inside the location, sorted by name (none when the
  // location does not exist yet).
  virtual std::vector<ObjectInfo> list() = 0;
  // Whether the object exists (other failures, such as refused credentials, throw).
  virtual bool exists(const std::string& name) = 0;
  // The size of one object in bytes; an ObjectMissingError when it does not exist.
  virtual int64_t size(const std::string& name) = 0;
  // Reads `length` bytes from `offset` into `out` (which must hold them), in
  // ranged requests (See Note [Ranged reads]). A short object is a DataError.
  void read(const std::string& name, int64_t offset, int64_t length, char* out);
  // Creates or replaces one object with `bytes`. A reader never sees it half written
  // (local: rename; Azure: one Put Blob; HDFS: the file appears when closed).
  virtual void write(const std::string& name, const std::string& bytes) = 0;

  // Reads a whole object, which must be `expected_size` bytes (else an
  // ObjectSizeError saying how long it is), feeding `checksum` (if not null)
  // block by block as the bytes arrive: one ranged read of the whole object.
  virtual std::shared_ptr<Buffer> fetch(const std::string& name, int64_t expected_size,
                                        Checksum* checksum);

  // Reads a whole object.
  std::string readAll(const std::string& name);

  // Makes the location exist where a backend needs that (an Azure container,
  // a local folder); one that exists is fine. Also a first test of the
  // credentials: a refused one fails here.
  virtual void createLocation() = 0;

  // Note [Exclusive create]
  // Creates `name` holding `bytes` only if no object has that name: true when
  // this call created it, false when one existed (it is left as it was).
  // Atomic against any number of writers of the same name, on every backend,
  // and a reader never sees the object half written:
  //   local and NFS: a temporary file, hard-linked to the name (link(2) fails
  //     when the name exists; an NFS reply lost after the link is told apart
  //     by the temporary's link count);
  //   Azure: Put Blob with If-None-Match: * (409 when the blob exists; a retry
  //     after a lost reply reads the blob back and compares it with `bytes`);
  //   WebHDFS: CREATE of a unique temporary with overwrite=false, then RENAME,
  //     which HDFS refuses when the destination exists.
  // So `bytes` should be unique to the writer (the registry's claims hold the
  // host, the process and a random token).
  virtual bool createExclusive(const std::string& name, const std::string& bytes) = 0;

  // Removes `name`; one that does not exist is fine.
  virtual void remove(const std::string& name) = 0;

  struct PutFileOptions {
    int64_t part_bytes = int64_t{8} << 20;  // files larger than this go in parts (where staged)
    int64_t first_part = 0;  // continue after the parts staged before (partsResume())
    std::function<void(int64_t parts_done)> on_part;  // after each staged part
  };
  // Copies the local file `path` to `name`, which readers see whole or not at
  // all. Where the backend stages parts (Azure: Put Block, then Put Block List),
  // a large file goes part by part, and an upload cut short can continue from
  // its next part (first_part).
  virtual void putFile(const std::string& name, const std::string& path,
                       const PutFileOptions& options);
  // Whether staged parts survive a failed upload, so first_part > 0 makes sense.
  virtual bool partsResume() const { return false; }

  // Copies `name`, which must be `expected_size` bytes (else an
  // ObjectSizeError), into the new local file `path` (replaced if there),
  // feeding `checksum` (if not null) the bytes: one ranged read of the whole
  // object, or several at once (parallelReads()) whose parts are hashed and
  // written in order.
  virtual void getFile(const std::string& name, const std::string& path, int64_t expected_size,
                       Checksum* checksum);

 protected:
  Storage() = default;
  explicit Storage(RetryPolicy retry) : retry_(retry) {}

  // Note [Ranged reads]
  // Every read of a stored object's bytes (read, fetch, getFile) is one loop,
  // readRange below, over one primitive each backend supplies: requestRange,
  // one ranged request (Azure: Get Blob with x-ms-range; WebHDFS: OPEN with
  // offset and length through the namenode's redirect; local: pread). The
  // loop counts the bytes as they arrive; when a request fails transiently
  // (a TransientError: a connection cut mid-answer, a 5xx, a timeout) it asks
  // again, after retry_'s backoff, for the bytes not yet received, so a cut
  // 1 GiB answer costs only what was missing. A complete answer may stop
  // short only at the object's end, so one that does tells the object's
  // length; a read of a whole object asks for one byte more than expected,
  // and getting it means the object is longer. The checks and their
  // messages are the loop's, the same for every backend.
  //
  // Where a read's bytes go: `sink` receives them in order as they arrive;
  // an exception it throws ends the read and is rethrown as it is.
  using ByteSink = std::function<void(const char* data, size_t size)>;
  enum class Extent {
    kRange,        // [offset, offset + length) must exist; the object may be longer
    kWholeObject,  // offset is 0 and the object must be exactly `length` bytes
  };
  // Reads bytes [offset, offset + length) of `name` into `sink`, resuming and
  // retrying as Note [Ranged reads] says. Short objects are DataErrors
  // (kWholeObject: an ObjectSizeError).
  void readRange(const std::string& name, int64_t offset, int64_t length, Extent extent,
                 const ByteSink& sink);

  // One ranged request for bytes [offset, offset + length) of `name`: hands
  // the answer's bytes in order to `receive`, which returns false to stop the
  // transfer (then the request may end in any way; what it throws is
  // ignored). Returning means the answer is complete, and one shorter than
  // asked means the object ends there; a range starting at or past the end
  // is a complete answer without bytes (Azure's 416) or a DataError (a
  // datanode's refusal). Throws TransientError for what is worth
  // another try (the bytes handed over so far count), another DataError for
  // the rest (ObjectMissingError when the object does not exist).
  virtual void requestRange(const std::string& name, int64_t offset, int64_t length,
                            const std::function<bool(const char*, size_t)>& receive) = 0;
  // How many ranged requests getFile keeps in flight (1: one request for the
  // whole object).
  virtual int parallelReads() const { return 4; }

  RetryPolicy retry_;
};

// The whole of the local file `path`, and `length` bytes of the open file
// `fd` (named `path`) from `offset`; a DataError naming it when they cannot be read.
std::string readLocalFile(const std::string& path);
std::string readLocalRange(int fd, const std::string& path, int64_t offset, int64_t length);

// Opens the storage for `location` (see storage_url.h for the forms).
std::unique_ptr<Storage> openStorage(const std::string& location, const StorageOptions& options);

}  // namespace cohort::storage
