// The registry's stored records as another process (or a damaged store)
// left them: a version's record and an alias event; and the names users
// give (NAME, NAME:VERSION, NAME@ALIAS, a storage URL).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/registry/model_ref.h"
#include "cohort/registry/registry.h"
#include "cohort/storage/storage_url.h"
#include "fuzz_util.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::refusedOrRead([&] {
    const auto version = registry::VersionRecord::fromJson(text, "versions/3/version.json");
    registry::VersionRecord::fromJson(version.toJson().dump(), "written");
  });
  fuzz::refusedOrRead([&] {
    const auto event = registry::AliasEvent::fromJson(text, 7, "aliases/7.json");
    registry::AliasEvent::fromJson(event.toJson().dump(), 7, "written");
  });
  fuzz::refusedOrRead([&] { registry::parseModelRef(text); });
  fuzz::refusedOrRead([&] { storage::parseStorageUrl(text); });
  return 0;
}
