// A request the server refuses, with the HTTP status that says why (400 for
// a malformed request, 404 for an unknown model, 413 for a body over the
// limit, 503 when the queue is full, 504 past the deadline) and a message
// for the client, sent as the Open Inference Protocol's {"error": "..."}.
#pragma once

#include <stdexcept>
#include <string>

namespace cohort::serve {

class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace cohort::serve
