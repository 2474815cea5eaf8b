// The one HTTP client of the storage backends: a thin wrapper over libcurl
// easy handles, pooled so that connections are kept alive between requests.
// It never follows redirects (WebHDFS's 307 is followed by its backend, which
// must re-send the request body and auth parameters itself).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cohort::storage {

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string url;
  std::vector<std::string> headers;   // "Name: value"
  const std::string* body = nullptr;  // sent for PUT/POST
  // Instead of `body`: body_size bytes of an open file from body_offset,
  // read as they are sent (pread, so one file may feed several requests).
  int body_fd = -1;
  int64_t body_offset = 0;
  int64_t body_size = 0;
  // A successful (2xx) body is handed over piece by piece as it arrives
  // (counted in sink_bytes); returning false aborts the transfer. Without it,
  // the body is kept in HttpResponse::body. Any other response's body goes
  // to HttpResponse::body.
  std::function<bool(const char* data, size_t size)> stream;
};

struct HttpResponse {
  long status = 0;                             // 0 when no response came
  std::map<std::string, std::string> headers;  // names in lowercase
  std::string body;        // non-2xx bodies (first 64 KiB), or 2xx without a stream (up to 64 MiB)
  int64_t sink_bytes = 0;  // body bytes handed to the stream
  std::string transport_error;  // curl's message when the exchange failed
  bool transient = false;       // the failure or status is worth a retry

  bool ok() const { return transport_error.empty() && status >= 200 && status < 300; }
  std::string header(const std::string& lowercase_name) const;
};

class HttpClient {
 public:
  // timeout_s: a request making no progress for this long fails (transiently).
  explicit HttpClient(double timeout_s);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one request and returns what came back; never throws for HTTP
  // or network failures (they are in the response).
  HttpResponse perform(const HttpRequest& request);

  // 408, 429 and 5xx: the server may answer differently next time.
  static bool isTransientStatus(long status);

 private:
  void* takeHandle();
  void giveHandle(void* handle);

  double timeout_s_;
  std::mutex mutex_;
  std::vector<void*> idle_;  // CURL* handles with live connections
};

}  // namespace cohort::storage
