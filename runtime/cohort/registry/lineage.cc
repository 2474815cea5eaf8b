#include "cohort/registry/lineage.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

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
  json j = json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (j.is_discarded()) {
    notes->push_back(path.string() + " is not valid JSON; left out");
    return nullptr;
  }
  return j;
}

json pick(const json& from, std::initializer_list<const char*> keys) {
  json out = json::object();
  for (const char* k : keys) out[k] = from.contains(k) ? from[k] : json();
  return out;
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
    const json row = json::parse(line, nullptr, false);
    if (!row.is_object()) continue;
    ++lines;
    const int64_t step = row.value("step", int64_t{0});
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
json dataSets(const json& run, const fs::path& logs, std::vector<std::string>* notes) {
  if (run.is_object() && run.contains("inputs") && run["inputs"].is_array()) return run["inputs"];
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
  const std::string digits = name.substr(5);
  if (digits.empty() || digits.size() > 12 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoll(digits);
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

json withoutSecrets(json value) {
  std::vector<std::string> secrets;
  for (const char* name :
       {"COHORT_AZURE_ACCOUNT_KEY", "COHORT_AZURE_SAS_TOKEN", "COHORT_HDFS_DELEGATION_TOKEN"}) {
    const char* v = std::getenv(name);
    if (v && std::string(v).size() >= 6) secrets.emplace_back(v);
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
  const json run = logs.empty() ? json() : readJson(logs / "run.json", notes, true);
  if (run.is_object()) {
    json r = pick(run, {"run_id", "state", "exit_status", "command", "program", "engine",
                        "world_size", "nodes", "procs_per_node", "restarts", "start_time",
                        "end_time", "versions", "slurm_job_id"});
    json hosts = json::array();
    for (const auto& h : run.value("hosts", json::array())) hosts.push_back(h.value("name", ""));
    r["hosts"] = hosts;
    record["run"] = r;
  } else {
    record["run"] = nullptr;
  }
  json res = logs.empty() ? json{{"final", nullptr}, {"best", nullptr}}
                          : results(logs / "metrics.jsonl", notes);
  res["model_metrics"] = card.is_object() ? card.value("metrics", json()) : json();
  json hyper = json::object();
  hyper["arguments"] = run.is_object() && run.contains("program") ? run["program"] : json();
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
  record["code"] = !sources.code.is_null()                   ? sources.code
                   : run.is_object() && run.contains("code") ? run["code"]
                                                             : json();
  if (record["code"].is_null())
    notes->push_back("the program's identity is unknown (no run.json with a code record)");
  record["links"] = {{"sweep", trial.is_object() ? trial.value("sweep", json()) : json()},
                     {"trial", trial.is_object() ? trial.value("trial", json()) : json()}};
  record["architecture"] = card.is_object() ? card.value("architecture", json()) : json();
  return withoutSecrets(record);
}

}  // namespace cohort::registry
