#include "cohort/storage/storage_webhdfs.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/storage/object_name.h"
#include "cohort/storage/webhdfs_json.h"

namespace cohort::storage {

namespace {

std::string loginName() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
  return "root";
}

std::string webhdfsHint(long status, const std::string& message) {
  if (status == 401 || status == 403 || message.find("SecurityException") != std::string::npos ||
      message.find("AccessControlException") != std::string::npos) {
    return "HDFS refused the request: check COHORT_HDFS_USER or COHORT_HDFS_DELEGATION_TOKEN "
           "(or hdfs_delegation_token in COHORT_CREDENTIALS_FILE) and the path's permissions";
  }
  if (status == 404 || message.find("FileNotFound") != std::string::npos) {
    return "the file does not exist: check the location and the object's name";
  }
  return "check the location (hdfs://NAMENODE:HTTP_PORT/path) and the namenode";
}

}  // namespace

WebHdfsStorage::WebHdfsStorage(const StorageUrl& url, const StorageOptions& options)
    : Storage(RetryPolicy{options.retries, options.first_backoff_s, options.max_backoff_s}),
      url_(url),
      base_("http://" + url.host + ":" + std::to_string(url.port) + "/webhdfs/v1"),
      http_(options.timeout_s) {
  if (!options.hdfs_delegation_token.empty()) {
    auth_ = "delegation=" + percentEncode(options.hdfs_delegation_token);
  } else {
    auth_ =
        "user.name=" + percentEncode(options.hdfs_user.empty() ? loginName() : options.hdfs_user);
  }
}

std::string WebHdfsStorage::pathOf(const std::string& name) const {
  checkObjectName(name, "a file of " + url_.text);
  return url_.hdfs_path + "/" + name;
}

std::string WebHdfsStorage::urlOf(const std::string& name) const {
  return "hdfs://" + url_.host + ":" + std::to_string(url_.port) + pathOf(name);
}

std::string WebHdfsStorage::operationUrl(const std::string& hdfs_path, const std::string& op,
                                         const std::string& extra) const {
  return base_ + percentEncodePath(hdfs_path) + "?op=" + op + (extra.empty() ? "" : "&" + extra) +
         "&" + auth_;
}

void WebHdfsStorage::fail(const std::string& action, const std::string& url,
                          const HttpResponse& r) const {
  // The URL is shown without its query (which may hold a delegation token).
  const std::string shown = url.substr(0, url.find('?'));
  const auto op = url.find("op=");
  std::string what = action + " " + shown;
  if (op != std::string::npos) what += " (" + url.substr(op, url.find('&', op) - op) + ")";
  what += ": ";
  if (!r.transport_error.empty()) {
    what += r.transport_error;
    if (r.transient) throw TransientError(what);
    throw DataError(what, "check that the namenode and datanodes are reachable");
  }
  const std::string message = remoteExceptionText(r.body);
  what += "HTTP " + std::to_string(r.status) + " (" + message + ")";
  if (r.transient) throw TransientError(what);
  if (r.status == 404 || message.find("FileNotFoundException") != std::string::npos)
    throw ObjectMissingError(what, webhdfsHint(r.status, message));
  throw DataError(what, webhdfsHint(r.status, message));
}

HttpResponse WebHdfsStorage::namenode(const std::string& method, const std::string& url) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  HttpResponse r = http_.perform(request);
  if (!r.ok()) fail(method, url, r);
  return r;
}

std::string WebHdfsStorage::redirectTarget(const HttpResponse& r, const std::string& action,
                                           const std::string& url) const {
  if (r.status != 307 || !r.transport_error.empty()) fail(action, url, r);
  const std::string target = r.header("location");
  if (target.compare(0, 7, "http://") != 0 && target.compare(0, 8, "https://") != 0) {
    throw DataError(action + " " + url.substr(0, url.find('?')) +
                        ": the namenode's 307 answer has no usable Location ('" + target + "')",
                    "check that the location names a WebHDFS namenode");
  }
  return target;
}

std::vector<ObjectInfo> WebHdfsStorage::list() {
  const std::string url = operationUrl(url_.hdfs_path, "LISTSTATUS");
  std::vector<ObjectInfo> objects;
  retry_.run("listing " + base_ + url_.hdfs_path, [&](int) {
    HttpRequest request;
    request.url = url;
    HttpResponse r = http_.perform(request);
    if (r.status == 404 && r.transport_error.empty())
      return;  // no folder yet: nothing in it, as locally
    if (!r.ok()) fail("GET", url, r);
    objects = parseListStatus(r.body, base_ + url_.hdfs_path);
  });
  std::vector<ObjectInfo> safe;
  for (auto& o : objects) {
    if (isSafeObjectName(o.name)) safe.push_back(o);
  }
  std::sort(safe.begin(), safe.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.name < b.name; });
  return safe;
}

bool WebHdfsStorage::exists(const std::string& name) {
  const std::string url = operationUrl(pathOf(name), "GETFILESTATUS");
  bool found = false;
  retry_.run("looking for " + urlOf(name), [&](int) {
    HttpRequest request;
    request.url = url;
    HttpResponse r = http_.perform(request);
    found = r.ok();
    if (!found && !(r.status == 404 && r.transport_error.empty())) fail("GET", url, r);
  });
  return found;
}

int64_t WebHdfsStorage::size(const std::string& name) {
  const std::string url = operationUrl(pathOf(name), "GETFILESTATUS");
  int64_t bytes = -1;
  retry_.run("reading the size of " + urlOf(name),
             [&](int) { bytes = parseFileStatusLength(namenode("GET", url).body, urlOf(name)); });
  return bytes;
}

void WebHdfsStorage::requestRange(const std::string& name, int64_t offset, int64_t length,
                                  const std::function<bool(const char*, size_t)>& receive) {
  // Step 1: the namenode redirects OPEN to a datanode holding the blocks.
  const std::string url =
      operationUrl(pathOf(name), "OPEN",
                   "offset=" + std::to_string(offset) + "&length=" + std::to_string(length));
  HttpRequest ask;
  ask.url = url;
  const std::string target = redirectTarget(http_.perform(ask), "GET", url);
  // Step 2: the datanode streams the bytes.
  HttpRequest fetch;
  fetch.url = target;
  fetch.stream = receive;
  HttpResponse r = http_.perform(fetch);
  if (!r.ok()) fail("GET", target, r);
}

void WebHdfsStorage::upload(const std::string& temp, const std::string& bytes, bool overwrite) {
  // Step 1: CREATE without a body; the namenode names the datanode to send it to.
  const std::string url =
      operationUrl(temp, "CREATE", overwrite ? "overwrite=true" : "overwrite=false");
  HttpRequest ask;
  ask.method = "PUT";
  ask.url = url;
  const std::string target = redirectTarget(http_.perform(ask), "PUT", url);
  // Step 2: the body goes to the datanode (201 Created).
  HttpRequest put;
  put.method = "PUT";
  put.url = target;
  put.body = &bytes;
  put.headers.push_back("Content-Type: application/octet-stream");
  HttpResponse r = http_.perform(put);
  if (!r.ok()) fail("PUT", target, r);
}

bool WebHdfsStorage::renameTo(const std::string& temp, const std::string& path,
                              const std::string& name) {
  const std::string rename = operationUrl(temp, "RENAME", "destination=" + percentEncode(path));
  return parseBoolean(namenode("PUT", rename).body, urlOf(name));
}

void WebHdfsStorage::write(const std::string& name, const std::string& bytes) {
  const std::string path = pathOf(name);
  const std::string temp = path + "._COPYING_";
  retry_.run("writing " + urlOf(name), [&](int) {
    upload(temp, bytes, true);
    // Replace the old file, if any, by the new one.
    namenode("DELETE", operationUrl(path, "DELETE"));
    if (!renameTo(temp, path, name)) {
      throw DataError("RENAME " + urlOf(temp.substr(url_.hdfs_path.size() + 1)) + " to " +
                          urlOf(name) + " returned false",
                      "check the HDFS folder's permissions");
    }
  });
}

void WebHdfsStorage::createLocation() {
  retry_.run("creating " + base_ + url_.hdfs_path, [&](int) {
    if (!parseBoolean(namenode("PUT", operationUrl(url_.hdfs_path, "MKDIRS")).body,
                      base_ + url_.hdfs_path)) {
      throw DataError("MKDIRS " + base_ + url_.hdfs_path + " returned false",
                      "check the HDFS folder's permissions");
    }
  });
}

bool WebHdfsStorage::createExclusive(const std::string& name, const std::string& bytes) {
  const std::string path = pathOf(name);
  const std::string temp = path + "._COPYING_." + uniqueSuffix();
  bool created = false;
  retry_.run("creating " + urlOf(name), [&](int attempt) {
    if (attempt == 0 || !exists(name)) upload(temp, bytes, attempt > 0);
    created = renameTo(temp, path, name);
    if (!created) {
      // The name exists: another writer's, or this call's own when a reply was lost.
      created = attempt > 0 && readAll(name) == bytes;
      namenode("DELETE", operationUrl(temp, "DELETE"));
    }
  });
  return created;
}

void WebHdfsStorage::remove(const std::string& name) {
  retry_.run("deleting " + urlOf(name),
             [&](int) { namenode("DELETE", operationUrl(pathOf(name), "DELETE")); });
}

}  // namespace cohort::storage
