// The data set's advice on a storage failure (See Note [Storage messages] in
// cohort/storage/object_errors.h): storage says which object is missing or
// how long it is; the data layer knows that the object is a data set's
// index.json or shard, that index.json gave the size, and that cohort-pack
// makes a data set again.
#pragma once

#include <functional>
#include <string>

namespace cohort::data {

// Runs `read`, a read of the data set's object `file` (index.json or a shard);
// an ObjectMissingError or ObjectSizeError from it becomes a DataError that
// keeps the storage's words and adds the data set's advice. Other errors pass
// as they are (refused credentials, an unreachable storage: no repack helps).
void withDataSetAdvice(const std::string& file, const std::function<void()>& read);

}  // namespace cohort::data
