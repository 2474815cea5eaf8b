// Azure Blob Storage: a data set is the blobs under CONTAINER/PREFIX/.
//
// Authentication, first that is set: a SAS token (appended to every request),
// a Shared Key (each request signed with HMAC-SHA256), or none (public
// containers). The endpoint is the URL's own (https or path-style forms),
// else COHORT_AZURE_ENDPOINT, else https://ACCOUNT.blob.core.windows.net.
// REST operations used: List Blobs, Get Blob Properties (HEAD), Get Blob with
// x-ms-range, Put Blob; Put Block and Put Block List for large uploads.
#pragma once

#include "cohort/data/http_client.h"
#include "cohort/data/retry_policy.h"
#include "cohort/data/storage.h"
#include "cohort/data/storage_url.h"

namespace cohort::data {

class AzureStorage : public Storage {
 public:
  AzureStorage(const StorageUrl& url, const StorageOptions& options);

  std::string location() const override { return url_.text; }
  std::string urlOf(const std::string& name) const override;
  std::vector<ObjectInfo> list() override;
  bool exists(const std::string& name) override;
  int64_t size(const std::string& name) override;
  void read(const std::string& name, int64_t offset, int64_t length, char* out) override;
  void write(const std::string& name, const std::string& bytes) override;
  std::shared_ptr<Buffer> fetch(const std::string& name, int64_t expected_size, Checksum* checksum) override;

  // Creates the container (Create Container); one that exists already is fine.
  void createContainer();

  // Block uploads of large objects: stages one block (Put Block; `block_id` is
  // base64, every id of a blob the same length), then commits the listed
  // blocks, in order, as the blob's content (Put Block List). Staged blocks
  // stay on the server, uncommitted, until the list is committed (Azure keeps
  // them a week), so an upload cut short can go on from its next block.
  void putBlock(const std::string& name, const std::string& block_id, const std::string& bytes);
  void putBlockList(const std::string& name, const std::vector<std::string>& block_ids);

 private:
  using Query = std::vector<std::pair<std::string, std::string>>;

  // The URL path of a blob of the data set ("/[account/]container/prefix/name").
  std::string blobPath(const std::string& name) const;
  // Sends one signed request to origin_ + path + query.
  HttpResponse send(HttpRequest request, const std::string& path, const Query& query);
  // Throws TransientError or DataError for a failed response.
  [[noreturn]] void fail(const std::string& action, const std::string& shown_url,
                         const HttpResponse& response) const;

  StorageUrl url_;
  std::string origin_;         // scheme://host[:port]
  std::string account_path_;   // "" or "/ACCOUNT" (path-style endpoints)
  std::string key_;            // decoded Shared Key; empty without one
  std::string sas_;            // SAS query string without '?'; empty without one
  HttpClient http_;
  RetryPolicy retry_;
};

}  // namespace cohort::data
