#include "model/model_commands.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/registry/lineage.h"
#include "cohort/storage/checksum.h"
#include "common/table.h"

namespace cohort::model {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void printJson(const json& j) { cli::printText(j.dump(2) + "\n"); }

int64_t totalBytes(const registry::VersionRecord& v) {
  int64_t n = 0;
  for (const auto& f : v.files) n += f.size;
  return n;
}

std::string aliasesOf(const std::map<std::string, int64_t>& aliases, int64_t version) {
  std::string out;
  for (const auto& [alias, v] : aliases) {
    if (v == version) out += (out.empty() ? "@" : ", @") + alias;
  }
  return out;
}

std::string tagsText(const std::map<std::string, std::string>& tags) {
  std::string out;
  for (const auto& [k, v] : tags) out += (out.empty() ? "" : ", ") + k + "=" + v;
  return out;
}

json versionJson(const registry::VersionRecord& v, const std::map<std::string, int64_t>& aliases) {
  json j = v.toJson();
  json names = json::array();
  for (const auto& [alias, version] : aliases) {
    if (version == v.version) names.push_back(alias);
  }
  j["aliases"] = names;
  return j;
}

json damagedJson(const std::vector<registry::DamagedRecord>& versions,
                 const std::vector<registry::DamagedRecord>& events) {
  json out = json::array();
  for (const auto& d : versions)
    out.push_back({{"version", d.number}, {"record", d.where}, {"problem", d.problem}});
  for (const auto& d : events)
    out.push_back({{"alias_event", d.number}, {"record", d.where}, {"problem", d.problem}});
  return out;
}

// Damaged records, named on stderr after the table (See Note [Damaged records]).
void printDamage(const std::vector<std::string>& damage) {
  for (const auto& d : damage) std::fprintf(stderr, "cohort-model: damaged: %s\n", d.c_str());
  if (!damage.empty()) {
    std::fprintf(stderr,
                 "  what to do: restore the named record from a backup; the rest is read from the "
                 "records that are sound\n");
  }
}

std::string str(const json& j) {
  if (j.is_null()) return "";
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

}  // namespace

int registerModel(registry::Registry& r, const registry::RunOutputs& q, bool as_json) {
  std::vector<std::string> notes;
  const registry::VersionRecord v = registry::registerRunOutputs(r, q, &notes);
  if (as_json) {
    json j = v.toJson();
    j["registry"] = r.location();
    j["notes"] = notes;
    printJson(j);
  } else {
    for (const auto& n : notes) std::fprintf(stderr, "cohort-model: note: %s\n", n.c_str());
    cli::printText("registered " + v.name + ":" + std::to_string(v.version) + " (" +
                   std::to_string(v.files.size()) + " files, " +
                   cli::byteSize(static_cast<double>(totalBytes(v))) + ") in " + r.location() +
                   "\n");
  }
  return 0;
}

int list(registry::Registry& r, const std::string& name, bool as_json) {
  // What is readable is listed; a damaged record is marked and named (See
  // Note [Damaged records] in cohort/registry/registry.h).
  std::vector<std::string> damage;
  const auto noteDamage = [&](const std::string& model,
                              const std::vector<registry::DamagedRecord>& records) {
    for (const auto& d : records) damage.push_back(model + ": " + d.problem);
  };
  if (name.empty()) {
    json all = json::array();
    cli::Table table({"model", "versions", "latest", "created", "aliases"});
    for (const auto& n : r.names()) {
      std::vector<registry::DamagedRecord> bad_versions, bad_events;
      std::vector<registry::VersionRecord> versions;
      std::map<std::string, int64_t> aliases;
      try {
        versions = r.versions(n, &bad_versions);
        aliases = r.aliases(n, &bad_events);
      } catch (const DataError& e) {  // the model's own entry (a link, say): the others go on
        damage.push_back(n + ": " + e.detail());
        continue;
      }
      noteDamage(n, bad_versions);
      noteDamage(n, bad_events);
      std::string alias_text;
      for (const auto& [a, v] : aliases)
        alias_text += (alias_text.empty() ? "" : ", ") + a + "=" + std::to_string(v);
      if (versions.empty() && bad_versions.empty()) continue;  // only uncommitted registrations
      std::string count = std::to_string(versions.size());
      if (!bad_versions.empty()) count += " (+" + std::to_string(bad_versions.size()) + " damaged)";
      table.add({n, count, versions.empty() ? "-" : std::to_string(versions.back().version),
                 versions.empty() ? "-" : cli::localTime(versions.back().created), alias_text});
      json entry = {{"name", n},
                    {"versions", versions.size()},
                    {"latest", versions.empty() ? json() : json(versions.back().version)},
                    {"aliases", aliases}};
      entry["damaged"] = damagedJson(bad_versions, bad_events);
      all.push_back(std::move(entry));
    }
    if (as_json)
      printJson(all);
    else
      cli::printText(table.empty() ? "no models in " + r.location() + "\n" : table.text());
    printDamage(damage);
    return 0;
  }
  std::vector<registry::DamagedRecord> bad_versions, bad_events;
  const auto versions = r.versions(name, &bad_versions);
  const auto aliases = r.aliases(name, &bad_events);
  noteDamage(name, bad_versions);
  noteDamage(name, bad_events);
  std::map<int64_t, json> rows;  // by version, the damaged ones in their place
  cli::Table table({"version", "created", "by", "size", "files", "aliases", "tags"});
  std::map<int64_t, std::vector<std::string>> cells;
  for (const auto& v : versions) {
    cells[v.version] = {std::to_string(v.version),
                        cli::localTime(v.created),
                        v.created_by,
                        cli::byteSize(static_cast<double>(totalBytes(v))),
                        std::to_string(v.files.size()),
                        aliasesOf(aliases, v.version),
                        tagsText(v.tags)};
    rows[v.version] = versionJson(v, aliases);
  }
  for (const auto& d : bad_versions) {
    cells[d.number] = {std::to_string(d.number),
                       "(damaged: see below)",
                       "",
                       "",
                       "",
                       aliasesOf(aliases, d.number),
                       ""};
    rows[d.number] = {{"name", name},
                      {"version", d.number},
                      {"damaged", {{"record", d.where}, {"problem", d.problem}}}};
  }
  json all = json::array();
  for (auto& [version, row] : cells) {
    table.add(row);
    all.push_back(rows[version]);
  }
  if (as_json)
    printJson(all);
  else
    cli::printText(table.empty()
                       ? "'" + name + "' has no committed version in " + r.location() + "\n"
                       : table.text());
  printDamage(damage);
  return 0;
}

int show(registry::Registry& r, const std::string& ref_text, bool as_json) {
  const registry::ModelRef ref = registry::parseModelRef(ref_text);
  const registry::VersionRecord v = r.resolve(ref);
  std::vector<registry::DamagedRecord> bad_events;
  const auto history = r.aliasHistory(v.name, &bad_events);
  const auto aliases = registry::aliasesAfter(history);
  std::vector<std::string> damage;
  for (const auto& d : bad_events) damage.push_back(v.name + ": " + d.problem);
  if (as_json) {
    json j = versionJson(v, aliases);
    json h = json::array();
    for (const auto& e : history) h.push_back(e.toJson());
    j["alias_history"] = h;
    j["damaged"] = damagedJson({}, bad_events);
    printJson(j);
    printDamage(damage);
    return 0;
  }
  std::string out = v.name + ":" + std::to_string(v.version) + "\n";
  out += "  created     " + cli::localTime(v.created) + " by " + v.created_by + "\n";
  out +=
      "  aliases     " +
      (aliasesOf(aliases, v.version).empty() ? std::string("-") : aliasesOf(aliases, v.version)) +
      "\n";
  out += "  tags        " + (v.tags.empty() ? std::string("-") : tagsText(v.tags)) + "\n";
  out += "  registry    " + r.location() + "\n\n";
  cli::Table files({"file", "size", "sha256"});
  for (const auto& f : v.files)
    files.add({f.path, cli::byteSize(static_cast<double>(f.size)), f.sha256});
  out += files.text();
  if (!history.empty()) {
    cli::Table moves({"#", "when", "who", "alias", "from", "to"});
    for (const auto& e : history) {
      moves.add({std::to_string(e.sequence), cli::localTime(e.at), e.by, e.alias,
                 e.from ? std::to_string(e.from) : "", e.to ? std::to_string(e.to) : "(removed)"});
    }
    out += "\nalias history of " + v.name + "\n" + moves.text();
  }
  cli::printText(out);
  printDamage(damage);
  return 0;
}

int download(registry::Registry& r, const std::string& ref_text, const std::string& dir,
             bool as_json) {
  const registry::VersionRecord v = r.resolve(registry::parseModelRef(ref_text));
  r.download(v, dir);
  if (as_json) {
    printJson({{"name", v.name},
               {"version", v.version},
               {"folder", fs::absolute(dir).string()},
               {"files", v.toJson()["files"]}});
  } else {
    cli::printText("downloaded " + v.name + ":" + std::to_string(v.version) + " into " + dir +
                   " (" + std::to_string(v.files.size()) + " files, each checked)\n");
  }
  return 0;
}

int alias(registry::Registry& r, const std::string& name, const std::string& alias, int64_t version,
          bool as_json) {
  const registry::AliasEvent e = r.moveAlias(name, alias, version);
  if (as_json) {
    printJson(e.toJson());
  } else if (e.to == 0) {
    cli::printText("removed @" + alias + " from " + name + " (it pointed at version " +
                   std::to_string(e.from) + ")\n");
  } else {
    cli::printText(name + "@" + alias + " -> version " + std::to_string(e.to) +
                   (e.from ? " (was " + std::to_string(e.from) + ")" : " (new alias)") + "\n");
  }
  return 0;
}

int lineage(registry::Registry& r, const std::string& ref_text, bool as_json) {
  const registry::VersionRecord v = r.resolve(registry::parseModelRef(ref_text));
  const json l = r.lineage(v);
  if (as_json) {
    printJson(l);
    return 0;
  }
  std::string out = "model    " + v.name + ":" + std::to_string(v.version) + "  (" +
                    str(l.value("architecture", json())) + "; registered " +
                    cli::localTime(v.created) + " by " + v.created_by + ")\n";
  const json run = l.value("run", json());
  if (run.is_object()) {
    std::string hosts;
    for (const auto& h : run.value("hosts", json::array()))
      hosts += (hosts.empty() ? "" : ", ") + str(h);
    out += "  <- run      " + str(run["run_id"]) + ": " + str(run["state"]) + " (exit " +
           str(run["exit_status"]) + "), " + str(run["world_size"]) + " ranks on " +
           (hosts.empty() ? "?" : hosts) + " via " + str(run["engine"]) + ", " +
           str(run["restarts"]) + " restart(s), " + str(run["start_time"]) + " to " +
           str(run["end_time"]) + "\n";
    std::string args;
    for (const auto& a : run.value("program", json::array()))
      args += (args.empty() ? "" : " ") + str(a);
    out += "               " + args + "\n";
  } else {
    out += "  <- run      (not recorded: the run was not started by cohortrun)\n";
  }
  const json code = l.value("code", json());
  if (code.is_object()) {
    out += "  <- code     " + str(code["program"]) + " sha256 " + str(code["sha256"]).substr(0, 16);
    if (code.contains("git") && code["git"].is_object()) {
      out += ", git " + str(code["git"]["commit"]).substr(0, 12) +
             (code["git"].value("dirty", false) ? " (dirty)" : "");
    }
    out += "\n";
  }
  for (const auto& d : l.value("data", json::array())) {
    out += "  <- data     " + str(d["location"]) + "  index.json sha256 " +
           str(d["index_sha256"]).substr(0, 16) + ", " + str(d["shards"]) + " shards, " +
           str(d["samples"]) + " samples\n";
  }
  const json links = l.value("links", json());
  if (links.is_object() && !links.value("trial", json()).is_null()) {
    const json params = l["results"]["hyperparameters"].value("trial", json());
    out += "  <- sweep    " + str(links["sweep"]) + ", trial " + str(links["trial"]) + " " +
           (params.is_null() ? "" : params.dump()) + "\n";
  }
  const json results = l.value("results", json());
  if (results.is_object() && results["final"].is_object()) {
    std::string finals;
    for (const auto& [k, val] : results["final"].items())
      finals += (finals.empty() ? "" : ", ") + k + " " + str(val["value"]);
    out += "  results  final: " + finals + "\n";
  }
  cli::printText(out);
  return 0;
}

int verify(registry::Registry& r, const std::string& ref_text,
           const storage::StorageOptions& options, bool as_json) {
  const registry::VersionRecord v = r.resolve(registry::parseModelRef(ref_text));
  const auto problems = r.verifyFiles(v);
  json data_checks = json::array();
  bool data_changed = false;
  json l;
  try {
    l = r.lineage(v);
  } catch (const Error& e) {
    if (as_json)
      printJson({{"name", v.name}, {"version", v.version}, {"lineage", e.detail()}});
    else
      std::fprintf(stderr, "cohort-model: error: %s\n", e.what());
    return 1;
  }
  for (const auto& d : l.value("data", json::array())) {
    const std::string location = str(d["location"]);
    json check = {{"location", location}, {"index_sha256", d.value("index_sha256", "")}};
    try {
      auto storage = storage::openStorage(location, options);
      const std::string now = storage::sha256Hex(storage->readAll("index.json"));
      check["now"] = now;
      check["status"] = now == str(d["index_sha256"]) ? "unchanged" : "changed";
    } catch (const Error& e) {
      check["status"] = "unreadable";
      check["error"] = e.detail();
    }
    data_changed = data_changed || check["status"] != "unchanged";
    data_checks.push_back(check);
  }
  const int status = !problems.empty() ? 1 : data_changed ? 3 : 0;
  if (as_json) {
    json files = json::array();
    for (const auto& p : problems) files.push_back({{"path", p.path}, {"problem", p.problem}});
    printJson({{"name", v.name},
               {"version", v.version},
               {"damaged_files", files},
               {"data", data_checks},
               {"status", status}});
    return status;
  }
  std::string out;
  if (problems.empty()) {
    out += v.name + ":" + std::to_string(v.version) + ": all " + std::to_string(v.files.size()) +
           " files match their sha256 and xxh128\n";
  } else {
    for (const auto& p : problems) {
      out += v.name + ":" + std::to_string(v.version) + ": the stored file " + p.path + " " +
             p.problem + "\n";
    }
  }
  for (const auto& c : data_checks) {
    out += "data " + str(c["location"]) + ": " + str(c["status"]) +
           (c["status"] == "changed" ? " since training (index.json's sha256 differs)" : "") +
           (c.contains("error") ? " (" + str(c["error"]) + ")" : "") + "\n";
  }
  if (data_checks.empty()) out += "no data sets recorded in its lineage\n";
  cli::printText(out);
  return status;
}

}  // namespace cohort::model
