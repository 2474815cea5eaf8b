// HDFS over the WebHDFS REST API (http://NAMENODE:PORT/webhdfs/v1/PATH?op=...).
//
// Reads are OPEN with offset and length: the namenode answers 307 with a
// datanode's URL, which serves the bytes. Writes are CREATE (again a 307 to a
// datanode, which takes the body) into NAME._COPYING_, then RENAME onto NAME,
// so a reader never sees a half-written file. LISTSTATUS and GETFILESTATUS
// list and size. Authentication: a delegation token (delegation=) when one is
// set, else simple authentication (user.name=, the login name by default).
#pragma once

#include "cohort/storage/http_client.h"
#include "cohort/storage/retry_policy.h"
#include "cohort/storage/storage.h"
#include "cohort/storage/storage_url.h"

namespace cohort::storage {

class WebHdfsStorage : public Storage {
 public:
  WebHdfsStorage(const StorageUrl& url, const StorageOptions& options);

  std::string location() const override { return url_.text; }
  std::string urlOf(const std::string& name) const override;
  std::vector<ObjectInfo> list() override;
  bool exists(const std::string& name) override;
  int64_t size(const std::string& name) override;
  void write(const std::string& name, const std::string& bytes) override;
  void createLocation() override;  // MKDIRS
  // CREATE of a unique temporary (overwrite=false), then RENAME, which HDFS
  // refuses when the name exists (See Note [Exclusive create]).
  bool createExclusive(const std::string& name, const std::string& bytes) override;
  void remove(const std::string& name) override;  // DELETE

 protected:
  // OPEN with offset and length: the namenode's 307, then the datanode's
  // bytes (See Note [Ranged reads]).
  void requestRange(const std::string& name, int64_t offset, int64_t length,
                    const std::function<bool(const char*, size_t)>& receive) override;

 private:
  // CREATE of `temp` with `bytes` (through the namenode's redirect to a datanode).
  void upload(const std::string& temp, const std::string& bytes, bool overwrite);
  // RENAME `temp` to `path` (the object `name`); false when HDFS refuses (the destination exists).
  bool renameTo(const std::string& temp, const std::string& path, const std::string& name);
  // The namenode URL of an operation on an HDFS path, with the auth parameters.
  std::string operationUrl(const std::string& hdfs_path, const std::string& op,
                           const std::string& extra = "") const;
  // Namenode request (no redirect expected); the failure says `action`.
  HttpResponse namenode(const std::string& method, const std::string& url);
  // The Location of a 307 answer, or a thrown failure.
  std::string redirectTarget(const HttpResponse& r, const std::string& action,
                             const std::string& url) const;
  [[noreturn]] void fail(const std::string& action, const std::string& url,
                         const HttpResponse& r) const;
  std::string pathOf(const std::string& name) const;

  StorageUrl url_;
  std::string base_;  // http://host:port/webhdfs/v1
  std::string auth_;  // "user.name=..." or "delegation=..."
  HttpClient http_;
};

}  // namespace cohort::storage
