#include "cohort/storage/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "cohort/core/error.h"

namespace cohort::storage {

namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;  // kept of a failure's body, for its message
// The most of a successful answer kept without a sink: a listing page (Azure's
// 5,000 blobs are about 5 MB). A longer one fails rather than being cut short.
constexpr size_t kMaxAnswerBody = size_t{64} << 20;
constexpr long kBufferBytes = 2L << 20;  // libcurl's largest upload buffer

struct Transfer {
  CURL* curl;
  const HttpRequest* request;
  HttpResponse* response;
  size_t body_sent = 0;
  bool too_long = false;  // a successful answer over kMaxAnswerBody
};

bool successful(CURL* curl) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status >= 200 && status < 300;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (t->request->stream && successful(t->curl)) {
    if (!t->request->stream(data, bytes)) return 0;  // the receiver gave up: abort
    t->response->sink_bytes += static_cast<int64_t>(bytes);
  } else if (successful(t->curl)) {
    if (t->response->body.size() + bytes > kMaxAnswerBody) {
      t->too_long = true;
      return 0;  // abort
    }
    t->response->body.append(data, bytes);
  } else if (t->response->body.size() < kMaxErrorBody) {
    t->response->body.append(data, std::min(bytes, kMaxErrorBody - t->response->body.size()));
  }
  return bytes;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  std::string line(data, bytes);
  if (line.compare(0, 5, "HTTP/") == 0) t->response->headers.clear();  // a new response
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    t->response->headers[name] = value;
  }
  return bytes;
}

size_t onUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->body_fd >= 0) {
    const int64_t left = t->request->body_size - static_cast<int64_t>(t->body_sent);
    const size_t want =
        static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(size * count), left));
    if (want == 0) return 0;
    ssize_t n;
    do {
      n = ::pread(t->request->body_fd, buffer, want,
                  t->request->body_offset + static_cast<int64_t>(t->body_sent));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return CURL_READFUNC_ABORT;  // unreadable, or shorter than it was
    t->body_sent += static_cast<size_t>(n);
    return static_cast<size_t>(n);
  }
  const std::string& body = *t->request->body;
  const size_t n = std::min(size * count, body.size() - t->body_sent);
  std::memcpy(buffer, body.data() + t->body_sent, n);
  t->body_sent += n;
  return n;
}

bool isTransientCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

std::string HttpResponse::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? "" : it->second;
}

HttpClient::HttpClient(double timeout_s) : timeout_s_(timeout_s) {
  static CurlGlobal global;  // curl_global_init, once per process, before any handle
  (void)global;
}

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::takeHandle() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (!h) throw DataError("libcurl could not create a handle", "the process may be out of memory");
  return h;
}

void HttpClient::giveHandle(void* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(handle);
}

bool HttpClient::isTransientStatus(long status) {
  return status == 408 || status == 429 || (status >= 500 && status < 600);
}

HttpResponse HttpClient::perform(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(takeHandle());
  curl_easy_reset(curl);
  HttpResponse response;
  Transfer transfer{curl, &request, &response};
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(timeout_s_, 30.0) * 1000));
  // No progress (under 1 byte/s) for timeout_s: the request has failed.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(timeout_s_)));
  // Large buffers: fewer callbacks and system calls per byte (measured by
  // bench/run_registry.sh: 2 MiB pieces move a 1 GiB blob about 15% faster).
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, kBufferBytes);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kBufferBytes);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT" || request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(
        curl, CURLOPT_INFILESIZE_LARGE,
        static_cast<curl_off_t>(request.body_fd >= 0 ? request.body_size
                                : request.body       ? static_cast<int64_t>(request.body->size())
                                                     : 0));
    if (request.body || request.body_fd >= 0) {
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, onUpload);
      curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    } else {
      curl_easy_setopt(
          curl, CURLOPT_READFUNCTION, +[](char*, size_t, size_t, void*) -> size_t { return 0; });
    }
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  // No "Expect: 100-continue" round trip before a PUT body.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(headers);

  if (code != CURLE_OK) {
    response.transport_error = error[0] ? error : curl_easy_strerror(code);
    response.transient = isTransientCurlError(code);
    if (code == CURLE_ABORTED_BY_CALLBACK && request.body_fd >= 0) {
      response.transport_error = "the file being sent could not be read, or became shorter";
    }
    if (code == CURLE_WRITE_ERROR && request.stream) {
      response.transport_error = "the receiver stopped the transfer";
    }
    if (code == CURLE_WRITE_ERROR && transfer.too_long) {
      response.transport_error =
          "the answer is longer than " + std::to_string(kMaxAnswerBody >> 20) + " MiB";
    }
  } else if (isTransientStatus(response.status)) {
    response.transient = true;
  }
  if (code == CURLE_OK || response.transient) {
    giveHandle(curl);  // its connection may be reused
  } else {
    curl_easy_cleanup(curl);
  }
  return response;
}

}  // namespace cohort::storage
