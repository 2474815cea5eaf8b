#include "cohort/storage/object_errors.h"

namespace cohort::storage {

ObjectSizeError::ObjectSizeError(const std::string& url, int64_t actual, int64_t expected)
    : DataError(
          url + (actual < 0 ? " is longer than the " + std::to_string(expected) + " bytes expected"
                            : " is " + std::to_string(actual) + " bytes, not the " +
                                  std::to_string(expected) + " expected"),
          "the stored object was truncated or replaced after its size was recorded: "
          "restore it from a good copy, or write it again"),
      url_(url),
      actual_(actual),
      expected_(expected) {}

}  // namespace cohort::storage
