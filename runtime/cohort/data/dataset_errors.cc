#include "cohort/data/dataset_errors.h"

#include "cohort/data/manifest.h"
#include "cohort/storage/object_errors.h"

namespace cohort::data {

void withDataSetAdvice(const std::string& file, const std::function<void()>& read) {
  const bool index = file == Manifest::kFileName;
  try {
    read();
  } catch (const storage::ObjectSizeError& e) {
    throw DataError(
        e.url() + " is " +
            (e.actual() < 0
                 ? "longer than the " + std::to_string(e.expected()) + " bytes index.json says"
                 : std::to_string(e.actual()) + " bytes but index.json says " +
                       std::to_string(e.expected())),
        "the shard was truncated or replaced after the data set was packed: restore "
        "it from a good copy, or repack the data set with cohort-pack");
  } catch (const storage::ObjectMissingError& e) {
    throw DataError(e.detail(),
                    e.hint() + (index ? "; a data set's location holds its index.json: check that "
                                        "the location names a data set packed with cohort-pack"
                                      : "; the data set's index.json names this shard: restore "
                                        "it from a good copy, or repack the data set with "
                                        "cohort-pack"));
  }
}

}  // namespace cohort::data
