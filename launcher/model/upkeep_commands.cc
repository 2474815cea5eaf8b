// cohort-model check and gc: the registry itself rather than its models.
#include <cstdio>

#include "cohort/core/error.h"
#include "common/table.h"
#include "model/model_commands.h"

namespace cohort::model {

namespace {

using nlohmann::json;

}  // namespace

int check(registry::Registry& r, bool as_json) {
  r.checkWritable();
  if (as_json)
    cli::printText(json{{"registry", r.location()}, {"writable", true}}.dump(2) + "\n");
  else
    cli::printText("the registry " + r.location() + " can be read and written\n");
  return 0;
}

int gc(registry::Registry& r, const std::string& name, double grace_hours, bool remove,
       bool as_json) {
  const auto leftovers = r.leftovers(name, grace_hours * 3600);
  json all = json::array();
  cli::Table table({"model", "version", "claimed", "by", "objects", "size"});
  int64_t bytes = 0;
  for (const auto& l : leftovers) {
    if (remove) r.removeLeftover(l);
    bytes += l.bytes;
    const std::string version = l.version ? std::to_string(l.version) : "(name only)";
    table.add({l.name, version, l.claimed_at > 0 ? cli::localTime(l.claimed_at) : "-", l.claimed_by,
               std::to_string(l.objects.size()) + (l.files_unknown ? "+?" : ""),
               cli::byteSize(static_cast<double>(l.bytes))});
    all.push_back({{"name", l.name},
                   {"version", l.version ? json(l.version) : json()},
                   {"claimed_at", l.claimed_at > 0 ? json(l.claimed_at) : json()},
                   {"claimed_by", l.claimed_by},
                   {"objects", l.objects},
                   {"bytes", l.bytes},
                   {"files_unknown", l.files_unknown},
                   {"removed", remove}});
  }
  if (as_json) {
    cli::printText(all.dump(2) + "\n");
    return 0;
  }
  if (leftovers.empty()) {
    cli::printText("nothing left by unfinished registrations in " + r.location() + "\n");
    return 0;
  }
  cli::printText(table.text());
  const std::string total = std::to_string(leftovers.size()) + " unfinished registration(s), " +
                            cli::byteSize(static_cast<double>(bytes));
  if (remove) {
    cli::printText("removed " + total + "\n");
  } else {
    cli::printText(total + "; `cohort-model gc --remove` removes them\n");
  }
  for (const auto& l : leftovers) {
    if (l.files_unknown) {
      std::fprintf(stderr,
                   "cohort-model: note: the claim of %s:%lld holds no file list (it was made "
                   "before `gc` existed); remove models/%s/versions/%08lld/ by hand\n",
                   l.name.c_str(), static_cast<long long>(l.version), l.name.c_str(),
                   static_cast<long long>(l.version));
    }
  }
  return 0;
}

}  // namespace cohort::model
