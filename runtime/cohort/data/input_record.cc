#include "cohort/data/input_record.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/storage_local.h"
#include "cohort/storage/storage_url.h"

namespace cohort::data {

void recordInput(const std::string& inputs_dir, const std::string& location,
                 const std::string& index_bytes, const Manifest& manifest) {
  // A local folder by its absolute path: a relative one means nothing later.
  std::string shown = location.substr(0, location.find('?'));
  if (storage::parseStorageUrl(shown).kind == storage::StorageUrl::Kind::kLocal) {
    shown =
        std::filesystem::absolute(storage::parseStorageUrl(shown).path).lexically_normal().string();
  }
  nlohmann::json columns = nlohmann::json::array();
  for (const Column& c : manifest.columns) columns.push_back(c.name);
  const nlohmann::json note = {{"location", shown},
                               {"index_sha256", storage::sha256Hex(index_bytes)},
                               {"dataset", manifest.fingerprint()},
                               {"shards", manifest.shards.size()},
                               {"samples", manifest.samples},
                               {"columns", columns}};
  // One note per location and content: a loader opened twice writes the same file.
  const std::string id =
      storage::sha256Hex(shown + "\n" + note["index_sha256"].get<std::string>()).substr(0, 16);
  try {
    storage::LocalStorage folder(inputs_dir);
    folder.write(id + ".json", note.dump(2) + "\n");
  } catch (const Error& e) {
    log::warn("could not note the data set " + shown + " in " + inputs_dir +
              " (its lineage will lack it): " + e.detail());
  }
}

}  // namespace cohort::data
