#include "cohort/registry/lineage.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/core/number.h"
#include "cohort/core/run_record.h"

namespace cohort::registry {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSchema = "cohort.lineage/1";

// The JSON in `path`, or null (with a note) when it is missing or malformed.
json readJson(const fs::path& path, std::vector<std::string>* notes, bool expected) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    if (expected) notes->push_back(path.string() + " is missing");
    return nullptr;
  }
  std::ifstream in(path);
  json j = parseUntrustedJson(std::string(std::istreambuf_iterator<char>(in), {}));
  if (j.is_discarded()) {
    notes->push_back(path.string() + " is not valid JSON; left out");
    return nullptr;
  }
  return j;
}

// The run's record (See Note [Run record]), or none, with a note, when it is
// missing or is not a run record.
std::optional<RunRecord> readRun(const fs::path& logs, std::vector<std::string>* notes) {
  const fs::path path = logs / "run.json";
  try {
    auto run = RunRecord::readFile(path.string());
    if (!run) notes->push_back(path.string() + " is missing");
    return run;
  } catch (const DataError& e) {
    notes->push_back(e.detail() + "; left out");
    return std::nullopt;
  }
}

json timeOrNull(double unix_seconds) {
  return unix_seconds > 0 ? json(isoTime(unix_seconds)) : json();
}

// What the lineage keeps of the run.
json runPart(const RunRecord& run) {
  json versions = json::object();
  for (const auto& [name, version] : run.versions) versions[name] = version;
  json hosts = json::array();
  for (const auto& h : run.hosts) hosts.push_back(h.name);
  return {{"run_id", run.run_id},
          {"state", run.state},
          {"exit_status", run.exit_status >= 0 ? json(run.exit_status) : json()},
          {"command", run.command},
          {"program", run.program},
          {"engine", run.engine},
          {"world_size", run.world_size},
          {"nodes", run.nodes},
          {"procs_per_node", run.procs_per_node},
          {"restarts", run.restarts()},
          {"start_time", timeOrNull(run.start)},
          {"end_time", timeOrNull(run.end)},
          {"versions", versions},
          {"slurm_job_id", run.slurm_job_id.empty() ? json() : json(run.slurm_job_id)},
          {"hosts", hosts}};
}

// A metric where smaller is better.
bool lowerIsBetter(const std::string& name) {
  return name.find("loss") != std::string::npos || name.find("error") != std::string::npos;
}

// Final and best values of metrics.jsonl: the last step's loss, and each
// other scalar's last and best value (lowest for losses and errors, highest
// otherwise), with the step it was reached at.
json results(const fs::path& metrics, std::vector<std::string>* notes) {
  std::ifstream in(metrics);
  if (!in) {
    notes->push_back(metrics.string() + " is missing: no metrics recorded");
    return {{"final", nullptr}, {"best", nullptr}};
  }
  static const std::vector<std::string> kTiming = {
      "time",          "step",        "epoch",  "lr",
      "samples_per_s", "data_wait_s", "comm_s", "checkpoint_blocked_s",
      "allreduce_s"};
  json final_values = json::object(), best = json::object();
  std::string line;
  int64_t lines = 0;
  while (std::getline(in, line)) {
    const json row = parseUntrustedJson(line);  // See Note [Untrusted JSON]
    if (!row.is_object()) continue;
    ++lines;
    const int64_t step = jsonField<int64_t>(row, "step", 0);
    for (const auto& [name, value] : row.items()) {
      if (!value.is_number() || std::find(kTiming.begin(), kTiming.end(), name) != kTiming.end())
        continue;
      const double v = value.get<double>();
      final_values[name] = {{"value", v}, {"step", step}};
      const bool better =
          !best.contains(name) || (lowerIsBetter(name) ? v < best[name]["value"].get<double>()
                                                       : v > best[name]["value"].get<double>());
      if (better) best[name] = {{"value", v}, {"step", step}};
    }
  }
  if (lines == 0) notes->push_back(metrics.string() + " holds no metrics");
  return {{"final", final_values}, {"best", best}};
}

// The data sets the run read: run.json's list, else the loaders' own notes.
json dataSets(const std::optional<RunRecord>& run, const fs::path& logs,
              std::vector<std::string>* notes) {
  if (run) return run->inputs;
  json out = json::array();
  std::error_code error;
  const fs::path inputs = logs / "inputs";
  if (logs.empty() || !fs::is_directory(inputs, error)) {
    notes->push_back("no data sets recorded (" + (logs / "inputs").string() + " is missing)");
    return out;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(inputs, error)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    json j = readJson(f, notes, true);
    if (!j.is_null()) out.push_back(j);
  }
  return out;
}

int64_t checkpointStep(const fs::path& outputs) {
  std::ifstream in(outputs / "checkpoints" / "latest");
  std::string name;
  if (!(in >> name) || name.rfind("step-", 0) != 0) return -1;
  return readWhole(name.substr(5), 0, 999999999999).value_or(-1);
}

void scrub(json& value, const std::vector<std::string>& secrets) {
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    for (const auto& secret : secrets) {
      for (size_t at; (at = s.find(secret)) != std::string::npos;)
        s.replace(at, secret.size(), "<hidden>");
    }
    // A URL's query string may be a SAS: never kept.
    const auto scheme = s.find("://");
    const auto query = s.find('?');
    if (scheme != std::string::npos && query != std::string::npos && query > scheme) {
      s = s.substr(0, query) + "?<redacted>";
    }
    value = s;
  } else if (value.is_array() || value.is_object()) {
    for (auto& item : value) scrub(item, secrets);
  }
}

}  // namespace

json withoutSecrets(json value, const storage::StorageOptions& credentials) {
  std::vector<std::string> secrets;
  for (const std::string* v : {&credentials.azure_account_key, &credentials.azure_sas_token,
                               &credentials.hdfs_delegation_token}) {
    if (v->size() >= 6) secrets.push_back(*v);
  }
  // A SAS is also written without its leading '?', and key=value parts of it alone.
  for (size_t i = 0, n = secrets.size(); i < n; ++i) {
    if (secrets[i][0] == '?') secrets.push_back(secrets[i].substr(1));
  }
  scrub(value, secrets);
  return value;
}

json gatherLineage(const LineageSources& sources, std::vector<std::string>* notes) {
  const fs::path outputs(sources.outputs_dir), logs(sources.logs_dir);
  json record = {{"schema", kSchema}};
  const json card = readJson(outputs / "model" / "model.json", notes, true);
  const std::optional<RunRecord> run = logs.empty() ? std::nullopt : readRun(logs, notes);
  record["run"] = run ? runPart(*run) : json();
  json res = logs.empty() ? json{{"final", nullptr}, {"best", nullptr}}
                          : results(logs / "metrics.jsonl", notes);
  res["model_metrics"] = card.is_object() ? card.value("metrics", json()) : json();
  json hyper = json::object();
  hyper["arguments"] = run ? json(run->program) : json();
  hyper["configuration"] = card.is_object() ? card.value("config", json()) : json();
  const json trial = logs.empty() ? json() : readJson(logs / "trial.json", notes, false);
  hyper["trial"] = trial.is_object() ? trial.value("parameters", json()) : json();
  res["hyperparameters"] = hyper;
  const int64_t step = checkpointStep(outputs);
  res["checkpoint_step"] = step >= 0 ? json(step) : json();
  record["results"] = res;
  record["data"] = dataSets(run, logs, notes);
  if (card.is_object() && card.contains("dataset"))
    record["training_data_digest"] = card["dataset"];
  record["code"] = !sources.code.is_null() ? sources.code : run ? run->code : json();
  if (record["code"].is_null())
    notes->push_back("the program's identity is unknown (no run.json with a code record)");
  record["links"] = {{"sweep", trial.is_object() ? trial.value("sweep", json()) : json()},
                     {"trial", trial.is_object() ? trial.value("trial", json()) : json()}};
  record["architecture"] = card.is_object() ? card.value("architecture", json()) : json();
  return record;
}

}  // namespace cohort::registry
