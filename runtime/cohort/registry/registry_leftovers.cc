// What killed or failed registrations left, and removing it (See Note
// [Leftovers] in cohort/registry/registry.h).
#include <algorithm>
#include <filesystem>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/registry/registry.h"
#include "cohort/registry/registry_paths.h"
#include "cohort/storage/storage_url.h"

namespace cohort::registry {

using detail::modelPrefix;
using detail::number;
using detail::numberOf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The temporary name a WebHDFS write goes to before its rename, as `hadoop fs -put` names it.
constexpr const char* kHdfsCopying = "._COPYING_";

// The local folder of `location`, or "" when it is not a local one.
std::string localFolder(const std::string& location) {
  const auto url = storage::parseStorageUrl(location);
  return url.kind == storage::StorageUrl::Kind::kLocal ? url.path : "";
}

// Every file under `folder`/`dir` (temporaries of a copy cut short
// included), as names relative to `folder`; links are not followed.
std::vector<std::string> localFilesUnder(const std::string& folder, const std::string& dir) {
  std::vector<std::string> out;
  std::error_code error;
  for (fs::recursive_directory_iterator it(fs::path(folder) / dir, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file() || it->is_symlink())
      out.push_back(fs::relative(it->path(), folder).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Removes the empty folders under `folder`/`dir`, and it.
void removeEmptyFolders(const std::string& folder, const std::string& dir) {
  std::error_code error;
  std::vector<fs::path> dirs;
  for (fs::recursive_directory_iterator it(fs::path(folder) / dir, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_directory() && !it->is_symlink()) dirs.push_back(it->path());
  }
  std::sort(dirs.rbegin(), dirs.rend());  // the deepest first
  for (const auto& d : dirs) fs::remove(d, error);
  fs::remove(fs::path(folder) / dir, error);
}

}  // namespace

std::vector<Leftover> Registry::leftovers(const std::string& name, double grace_s) {
  if (!name.empty()) {
    requireModel(name);
    return leftoversOf(name, grace_s);
  }
  std::vector<Leftover> out;
  for (const auto& n : names()) {
    auto more = leftoversOf(n, grace_s);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::vector<Leftover> Registry::leftoversOf(const std::string& name, double grace_s) {
  const std::string prefix = modelPrefix(name);
  const double now = unixNow();
  std::vector<Leftover> out;
  const auto claims = under(prefix + "/claims")->list();
  for (const auto& c : claims) {
    const int64_t version = numberOf(c.name);
    if (version == 0 || root_->exists(prefix + "/committed/" + number(version) + ".json")) continue;
    Leftover l;
    l.name = name;
    l.version = version;
    const std::string claim_object = prefix + "/claims/" + c.name;
    const json claim = parseUntrustedJson(root_->readAll(claim_object));
    l.claimed_at = jsonField(claim, "at", 0.0);
    l.claimed_by = jsonField(claim, "by", std::string());
    if (l.claimed_at > now - grace_s) continue;  // may still be copying
    const std::string stored = prefix + "/versions/" + number(version);
    std::vector<std::string> candidates = {stored + "/lineage.json"};
    const auto files = claim.is_object() ? claim.find("files") : claim.end();
    const std::string folder = localFolder(location_);
    l.files_unknown = !claim.is_object() || files == claim.end() || !files->is_array();
    if (!folder.empty()) {
      candidates = localFilesUnder(folder, stored);  // what is there, temporaries too
      l.files_unknown = false;
    } else if (!l.files_unknown) {
      for (const auto& f : *files) {
        if (!f.is_string()) continue;
        candidates.push_back(stored + "/files/" + f.get<std::string>());
        // A WebHDFS copy cut short (See WebHdfsStorage::write); Azure drops
        // the blocks of a blob never committed by itself.
        candidates.push_back(candidates.back() + kHdfsCopying);
      }
    }
    for (const auto& object : candidates) {
      try {
        if (!root_->exists(object)) continue;
        l.bytes += root_->size(object);
        l.objects.push_back(object);
      } catch (const DataError&) {
        // A name the claim should not hold (checkObjectName refuses it): not ours to touch.
      }
    }
    l.objects.push_back(claim_object);  // the claim last: removed last
    out.push_back(std::move(l));
  }
  // A name whose every registration failed: no claim, no version.
  if (claims.empty() && under(prefix + "/committed")->list().empty()) {
    Leftover l;
    l.name = name;
    l.objects = {"names/" + name};
    out.push_back(std::move(l));
  }
  return out;
}

void Registry::removeLeftover(const Leftover& leftover) {
  const std::string prefix = modelPrefix(leftover.name);
  for (const auto& object : leftover.objects) {
    if (object != "names/" + leftover.name) root_->remove(object);
  }
  // The name goes with the model's last claim, unless a registration claimed
  // a version meanwhile (it would make the name again before committing).
  if (under(prefix + "/claims")->list().empty() && under(prefix + "/committed")->list().empty())
    root_->remove("names/" + leftover.name);
  const std::string folder = localFolder(location_);
  if (!folder.empty() && leftover.version > 0)
    removeEmptyFolders(folder,
                       modelPrefix(leftover.name) + "/versions/" + number(leftover.version));
}

}  // namespace cohort::registry
