// Azure Blob Storage: a location is the blobs under CONTAINER/PREFIX/.
//
// Authentication, first that is set: a SAS token (appended to every request),
// a Shared Key (each request signed with HMAC-SHA256), or none (public
// containers). The endpoint is the URL's own (https or path-style forms),
// else COHORT_AZURE_ENDPOINT, else https://ACCOUNT.blob.core.windows.net.
// REST operations used: List Blobs, Get Blob Properties (HEAD), Get Blob with
// x-ms-range, Put Blob; Put Block and Put Block List for large uploads.
#pragma once

#include "cohort/storage/http_client.h"
#include "cohort/storage/retry_policy.h"
#include "cohort/storage/storage.h"
#include "cohort/storage/storage_url.h"

namespace cohort::storage {

class AzureStorage : public Storage {
 public:
  AzureStorage(const StorageUrl& url, const StorageOptions& options);

  std::string location() const override { return url_.text; }
  std::string urlOf(const std::string& name) const override;
  std::vector<ObjectInfo> list() override;
  bool exists(const std::string& name) override;
  int64_t size(const std::string& name) override;
  void write(const std::string& name, const std::string& bytes) override;

  // Creates the container (Create Container); one that exists already is fine.
  void createLocation() override;
  // Put Blob with If-None-Match: * (See Note [Exclusive create]).
  bool createExclusive(const std::string& name, const std::string& bytes) override;
  void remove(const std::string& name) override;  // Delete Blob
  // Large files in blocks: each part staged (Put Block; ids base64, all of a
  // blob the same length), then the list committed as the blob's content (Put
  // Block List). Staged blocks stay on the server, uncommitted, until the list
  // is committed (Azure keeps them a week), so an upload cut short can go on
  // from its next block.
  void putFile(const std::string& name, const std::string& path,
               const PutFileOptions& options) override;
  bool partsResume() const override { return true; }

 protected:
  // Get Blob with x-ms-range (See Note [Ranged reads]).
  void requestRange(const std::string& name, int64_t offset, int64_t length,
                    const std::function<bool(const char*, size_t)>& receive) override;
  // getFile is one Get Blob streamed into the file, hashed as it arrives.
  int parallelReads() const override { return 1; }

 private:
  // One block: `size` bytes of the open file `fd` from `offset`, read as they are sent.
  void putBlock(const std::string& name, const std::string& block_id, int fd, int64_t offset,
                int64_t size);
  void putBlockList(const std::string& name, const std::vector<std::string>& block_ids);
  using Query = std::vector<std::pair<std::string, std::string>>;

  // The URL path of a blob under the location ("/[account/]container/prefix/name").
  std::string blobPath(const std::string& name) const;
  // Sends one signed request to origin_ + path + query.
  HttpResponse send(HttpRequest request, const std::string& path, const Query& query);
  // Throws TransientError or DataError for a failed response.
  [[noreturn]] void fail(const std::string& action, const std::string& shown_url,
                         const HttpResponse& response) const;

  StorageUrl url_;
  std::string origin_;        // scheme://host[:port]
  std::string account_path_;  // "" or "/ACCOUNT" (path-style endpoints)
  std::string key_;           // decoded Shared Key; empty without one
  std::string sas_;           // SAS query string without '?'; empty without one
  HttpClient http_;
};

}  // namespace cohort::storage
