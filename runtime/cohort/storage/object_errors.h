// The two failures of a read that its caller may want to explain in its own
// terms: the object is not there, or it is not the size the caller expected.
//
// Note [Storage messages]
// Storage is shared: data sets, the model registry and uploads all keep their
// objects in it. So a storage message speaks only of objects and locations:
// which object, where, what was expected and what was found, and what to do
// in storage terms (check the location, the credentials, restore the object).
// The layer that knows where a name or a size came from adds its own advice
// where it catches these errors: the data layer says that index.json gave the
// size and that cohort-pack repacks a data set (cohort/data/dataset_errors.h);
// the registry says that a registration can be made again.
#pragma once

#include <cstdint>
#include <string>

#include "cohort/core/error.h"

namespace cohort::storage {

// The object named to a read does not exist (HTTP 404, ENOENT); the message
// is the storage's own (the URL, the status, the server's words).
class ObjectMissingError : public DataError {
  using DataError::DataError;
};

// The object exists but is not `expected` bytes: it is `actual` bytes, or
// longer than expected when actual is -1 (a read that stops at the first
// byte past the end does not learn more).
class ObjectSizeError : public DataError {
 public:
  ObjectSizeError(const std::string& url, int64_t actual, int64_t expected);

  const std::string& url() const { return url_; }
  int64_t actual() const { return actual_; }
  int64_t expected() const { return expected_; }

 private:
  std::string url_;
  int64_t actual_;
  int64_t expected_;
};

}  // namespace cohort::storage
