#include "cohort/storage/storage_azure.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <vector>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/number.h"
#include "cohort/storage/azure_auth.h"
#include "cohort/storage/azure_xml.h"
#include "cohort/storage/object_name.h"
#include "cohort/storage/parts.h"

namespace cohort::storage {

namespace {

constexpr const char* kApiVersion = "2021-08-06";

std::string encodeQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::string text;
  for (const auto& [name, value] : query) {
    text += (text.empty() ? "" : "&") + percentEncode(name) + "=" + percentEncode(value);
  }
  return text;
}

std::string azureHint(long status, const std::string& message) {
  if (status == 403 || status == 401) {
    return "the storage refused the credentials: check COHORT_AZURE_ACCOUNT_KEY or "
           "COHORT_AZURE_SAS_TOKEN (or the keys in COHORT_CREDENTIALS_FILE), the SAS token's "
           "permissions and expiry, and the machine's clock";
  }
  if (message.compare(0, 17, "ContainerNotFound") == 0) {
    return "the container does not exist: check the location's account and container names";
  }
  if (status == 404) return "the blob does not exist: check the location and the object's name";
  return "check the location and the storage account";
}

}  // namespace

AzureStorage::AzureStorage(const StorageUrl& url, const StorageOptions& options)
    : Storage(RetryPolicy{options.retries, options.first_backoff_s, options.max_backoff_s}),
      url_(url),
      http_(options.timeout_s) {
  std::string endpoint = url.endpoint;
  if (endpoint.empty()) endpoint = options.azure_endpoint;
  if (endpoint.empty()) endpoint = "https://" + url.account + ".blob.core.windows.net";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos || (endpoint.compare(0, scheme_end, "http") != 0 &&
                                          endpoint.compare(0, scheme_end, "https") != 0)) {
    throw ConfigError("the Azure endpoint '" + endpoint + "' is not an http(s) URL",
                      "set COHORT_AZURE_ENDPOINT to the account's blob endpoint, e.g. "
                      "http://127.0.0.1:10000/devstoreaccount1 for Azurite");
  }
  const auto path_start = endpoint.find('/', scheme_end + 3);
  origin_ = endpoint.substr(0, path_start);
  account_path_ = path_start == std::string::npos ? "" : endpoint.substr(path_start);

  sas_ = options.azure_sas_token;
  if (!sas_.empty() && sas_[0] == '?') sas_.erase(0, 1);
  if (sas_.empty() && !options.azure_account_key.empty()) {
    key_ =
        base64Decode(options.azure_account_key, "the Azure account key (COHORT_AZURE_ACCOUNT_KEY)");
  }
}

std::string AzureStorage::blobPath(const std::string& name) const {
  checkObjectName(name, "a blob of " + url_.text);
  return account_path_ + "/" + url_.container + "/" +
         percentEncodePath(joinName(url_.prefix, name));
}

std::string AzureStorage::urlOf(const std::string& name) const { return origin_ + blobPath(name); }

HttpResponse AzureStorage::send(HttpRequest request, const std::string& path, const Query& query) {
  request.headers.push_back("x-ms-date: " + rfc1123Date(std::time(nullptr)));
  request.headers.push_back(std::string("x-ms-version: ") + kApiVersion);
  std::string query_text = encodeQuery(query);
  if (!sas_.empty()) {
    query_text += (query_text.empty() ? "" : "&") + sas_;
  } else if (!key_.empty()) {
    SignedRequest signable{request.method, path, query, {}, 0};
    for (const auto& h : request.headers) {
      const auto colon = h.find(':');
      signable.headers.emplace_back(h.substr(0, colon),
                                    h.substr(h.find_first_not_of(' ', colon + 1)));
    }
    if (request.body) signable.content_length = static_cast<long long>(request.body->size());
    if (request.body_fd >= 0) signable.content_length = static_cast<long long>(request.body_size);
    request.headers.push_back("Authorization: " +
                              sharedKeyAuthorization(url_.account, key_, signable));
  }
  request.url = origin_ + path + (query_text.empty() ? "" : "?" + query_text);
  return http_.perform(request);
}

void AzureStorage::fail(const std::string& action, const std::string& shown_url,
                        const HttpResponse& r) const {
  std::string what = action + " " + shown_url + ": ";
  if (!r.transport_error.empty()) {
    what += r.transport_error;
  } else {
    const std::string message = azureErrorText(r.body, r.header("x-ms-error-code"));
    what += "HTTP " + std::to_string(r.status) + " (" + message + ")";
    if (r.status == 404 && message.compare(0, 12, "BlobNotFound") == 0)
      throw ObjectMissingError(what, azureHint(r.status, message));
    if (!r.transient) throw DataError(what, azureHint(r.status, message));
  }
  if (r.transient) throw TransientError(what);
  throw DataError(what, "check the location and that the storage endpoint is reachable");
}

std::vector<ObjectInfo> AzureStorage::list() {
  const std::string path = account_path_ + "/" + url_.container;
  const std::string prefix = url_.prefix.empty() ? "" : url_.prefix + "/";
  std::vector<ObjectInfo> objects;
  std::string marker;
  do {
    Query query = {{"comp", "list"}, {"delimiter", "/"}, {"restype", "container"}};
    if (!prefix.empty()) query.emplace_back("prefix", prefix);
    if (!marker.empty()) query.emplace_back("marker", marker);
    BlobListPage page;
    retry_.run("listing " + origin_ + path, [&](int) {
      HttpResponse r = send(HttpRequest{}, path, query);
      if (!r.ok()) fail("GET", origin_ + path + "?comp=list", r);
      page = parseBlobList(r.body, origin_ + path);
    });
    for (auto& blob : page.blobs) {
      if (blob.name.compare(0, prefix.size(), prefix) != 0) continue;
      blob.name.erase(0, prefix.size());
      if (isSafeObjectName(blob.name)) objects.push_back(blob);
    }
    marker = page.next_marker;
  } while (!marker.empty());
  return objects;
}

bool AzureStorage::exists(const std::string& name) {
  const std::string path = blobPath(name);
  bool found = false;
  retry_.run("looking for " + origin_ + path, [&](int) {
    HttpRequest request;
    request.method = "HEAD";
    HttpResponse r = send(request, path, {});
    found = r.ok();
    if (!found && !(r.status == 404 && r.transport_error.empty())) fail("HEAD", origin_ + path, r);
  });
  return found;
}

void AzureStorage::createLocation() {
  const std::string path = account_path_ + "/" + url_.container;
  retry_.run("creating the container " + origin_ + path, [&](int) {
    HttpRequest request;
    request.method = "PUT";
    HttpResponse r = send(request, path, {{"restype", "container"}});
    if (r.status == 409 && r.transport_error.empty()) return;  // ContainerAlreadyExists
    if (!r.ok()) fail("PUT", origin_ + path + "?restype=container", r);
  });
}

int64_t AzureStorage::size(const std::string& name) {
  const std::string path = blobPath(name);
  int64_t bytes = -1;
  retry_.run("reading the size of " + origin_ + path, [&](int) {
    HttpRequest request;
    request.method = "HEAD";
    HttpResponse r = send(request, path, {});
    if (!r.ok()) fail("HEAD", origin_ + path, r);
    const auto length = parseInteger(r.header("content-length"));
    if (!length)
      throw DataError("HEAD " + origin_ + path + " gave no Content-Length", "check the endpoint");
    bytes = *length;
  });
  return bytes;
}

void AzureStorage::requestRange(const std::string& name, int64_t offset, int64_t length,
                                const std::function<bool(const char*, size_t)>& receive) {
  const std::string path = blobPath(name);
  HttpRequest request;
  request.headers.push_back("x-ms-range: bytes=" + std::to_string(offset) + "-" +
                            std::to_string(offset + length - 1));
  request.stream = receive;
  HttpResponse r = send(request, path, {});
  if (r.status == 416 && r.transport_error.empty()) return;  // the range starts past the end
  if (!r.ok()) fail("GET", origin_ + path, r);
}

void AzureStorage::write(const std::string& name, const std::string& bytes) {
  const std::string path = blobPath(name);
  retry_.run("writing " + origin_ + path, [&](int) {
    HttpRequest request;
    request.method = "PUT";
    request.body = &bytes;
    request.headers.push_back("x-ms-blob-type: BlockBlob");
    request.headers.push_back("Content-Type: application/octet-stream");
    HttpResponse r = send(request, path, {});
    if (!r.ok()) fail("PUT", origin_ + path, r);
  });
}

bool AzureStorage::createExclusive(const std::string& name, const std::string& bytes) {
  const std::string path = blobPath(name);
  bool created = false;
  retry_.run("creating " + origin_ + path, [&](int attempt) {
    HttpRequest request;
    request.method = "PUT";
    request.body = &bytes;
    request.headers.push_back("x-ms-blob-type: BlockBlob");
    request.headers.push_back("Content-Type: application/octet-stream");
    request.headers.push_back("If-None-Match: *");
    HttpResponse r = send(request, path, {});
    if (r.status == 409 && r.transport_error.empty()) {
      // BlobAlreadyExists. After a lost reply the blob may be this call's own.
      created = attempt > 0 && readAll(name) == bytes;
      return;
    }
    if (!r.ok()) fail("PUT (If-None-Match: *)", origin_ + path, r);
    created = true;
  });
  return created;
}

void AzureStorage::remove(const std::string& name) {
  const std::string path = blobPath(name);
  retry_.run("deleting " + origin_ + path, [&](int) {
    HttpRequest request;
    request.method = "DELETE";
    HttpResponse r = send(request, path, {});
    if (r.status == 404 && r.transport_error.empty()) return;
    if (!r.ok()) fail("DELETE", origin_ + path, r);
  });
}

namespace {

constexpr int kParallelBlocks = 4;  // Put Block requests in flight at once

// Block ids of one blob must all have the same length: "cohort-block-00000042", base64.
std::string blockId(int64_t index) {
  char text[48];
  std::snprintf(text, sizeof text, "cohort-block-%08lld", static_cast<long long>(index));
  return base64Encode(text);
}

}  // namespace

void AzureStorage::putFile(const std::string& name, const std::string& path,
                           const PutFileOptions& options) {
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) {
    throw DataError("cannot open " + path + ": " + std::strerror(errno),
                    "check that it exists and is readable");
  }
  const int64_t size = st.st_size, part = std::max<int64_t>(options.part_bytes, 1);
  if (size <= part) {  // one Put Blob, the body read from the file as it is sent
    const std::string blob = blobPath(name);
    retry_.run("writing " + origin_ + blob, [&](int) {
      HttpRequest request;
      request.method = "PUT";
      request.body_fd = file.fd;
      request.body_size = size;
      request.headers.push_back("x-ms-blob-type: BlockBlob");
      request.headers.push_back("Content-Type: application/octet-stream");
      HttpResponse r = send(request, blob, {});
      if (!r.ok()) fail("PUT", origin_ + blob, r);
    });
    return;
  }
  const int64_t parts = (size + part - 1) / part;
  std::vector<std::string> ids;
  for (int64_t b = 0; b < parts; ++b) ids.push_back(blockId(b));
  // Several blocks in flight at once; the resume point (on_part) moves only
  // past blocks that are all staged.
  forEachPart(
      options.first_part, parts, kParallelBlocks, 2 * kParallelBlocks,
      [&](int64_t b) {
        const int64_t offset = b * part;
        putBlock(name, ids[static_cast<size_t>(b)], file.fd, offset, std::min(part, size - offset));
      },
      [&](int64_t b) {
        if (options.on_part) options.on_part(b + 1);
      });
  putBlockList(name, ids);
}

void AzureStorage::putBlock(const std::string& name, const std::string& block_id, int fd,
                            int64_t offset, int64_t size) {
  const std::string path = blobPath(name);
  retry_.run("writing a block of " + origin_ + path, [&](int) {
    HttpRequest request;
    request.method = "PUT";
    request.body_fd = fd;
    request.body_offset = offset;
    request.body_size = size;
    request.headers.push_back("Content-Type: application/octet-stream");
    HttpResponse r = send(request, path, {{"blockid", block_id}, {"comp", "block"}});
    if (!r.ok()) fail("PUT (Put Block)", origin_ + path, r);
  });
}

void AzureStorage::putBlockList(const std::string& name,
                                const std::vector<std::string>& block_ids) {
  const std::string path = blobPath(name);
  std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<BlockList>";
  for (const auto& id : block_ids) xml += "<Latest>" + id + "</Latest>";
  xml += "</BlockList>";
  retry_.run("committing the blocks of " + origin_ + path, [&](int) {
    HttpRequest request;
    request.method = "PUT";
    request.body = &xml;
    request.headers.push_back("Content-Type: application/xml");
    HttpResponse r = send(request, path, {{"comp", "blocklist"}});
    if (!r.ok()) fail("PUT (Put Block List)", origin_ + path, r);
  });
}

}  // namespace cohort::storage
