#include "cohort/core/run_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/json.h"

namespace cohort {

namespace {

using nlohmann::json;
using RecordJson = OrderedJson;  // read in the file's order: "versions" keeps it

// An ISO time, or null for one not reached yet.
OrderedJson timeText(double unix_seconds) {
  return unix_seconds > 0 ? OrderedJson(isoTime(unix_seconds)) : OrderedJson(nullptr);
}

// Reads the fields of one JSON object of run.json, naming each by its path
// ("attempts[1].exit_status") in the DataError a missing or ill-typed one gets.
class Fields {
 public:
  Fields(const RecordJson& object, std::string file, std::string path)
      : object_(object), file_(std::move(file)), path_(std::move(path)) {
    if (!object_.is_object()) refuse(path_.empty() ? "the file" : path_, "is not a JSON object");
  }

  const RecordJson& any(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end()) refuse(name(key), "is missing");
    return *it;
  }
  bool has(const char* key) const { return object_.contains(key); }

  std::string text(const char* key) const {
    const RecordJson& v = any(key);
    if (!v.is_string()) refuse(name(key), "is not a string");
    return v.get<std::string>();
  }
  std::string optionalText(const char* key) const { return has(key) ? text(key) : ""; }

  int integer(const char* key) const {
    const RecordJson& v = any(key);
    if (!v.is_number_integer() || v.get<long long>() < INT_MIN || v.get<long long>() > INT_MAX) {
      refuse(name(key), "is not a whole number");
    }
    return v.get<int>();
  }
  int integerOrNull(const char* key, int null_value) const {
    return any(key).is_null() ? null_value : integer(key);
  }
  int optionalInteger(const char* key, int fallback) const {
    return has(key) ? integer(key) : fallback;
  }

  // A time as isoTime writes it, or null (0).
  double time(const char* key) const {
    const RecordJson& v = any(key);
    if (v.is_null()) return 0;
    const auto t = v.is_string() ? parseIsoTime(v.get<std::string>()) : std::nullopt;
    if (!t) refuse(name(key), "is not null or a time such as \"2024-05-01T12:00:00.123Z\"");
    return *t;
  }

  std::vector<std::string> texts(const char* key) const {
    const RecordJson& v = any(key);
    std::vector<std::string> out;
    if (!v.is_array()) refuse(name(key), "is not a list of strings");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) refuse(name(key) + "[" + std::to_string(i) + "]", "is not a string");
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

  // The objects of the list `key`, each with the path that names it.
  std::vector<Fields> objects(const char* key) const {
    const RecordJson& v = any(key);
    if (!v.is_array()) refuse(name(key), "is not a list");
    std::vector<Fields> out;
    for (size_t i = 0; i < v.size(); ++i) {
      out.emplace_back(v[i], file_, name(key) + "[" + std::to_string(i) + "]");
    }
    return out;
  }

  [[noreturn]] void refuse(const std::string& field, const std::string& what) const {
    throw DataError(file_ + " is not a run record: " + field + " " + what,
                    "cohortrun writes run.json; this one was changed or cut since (or written "
                    "by another program): restore it, or run the job again under cohortrun");
  }

 private:
  std::string name(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  const RecordJson& object_;
  std::string file_;
  std::string path_;
};

}  // namespace

int RunRecord::restarts() const {
  return attempts.empty() ? 0 : static_cast<int>(attempts.size()) - 1;
}

std::string RunRecord::toJson() const {
  OrderedJson doc;
  doc["run_id"] = run_id;
  doc["state"] = state;
  doc["exit_status"] = exit_status >= 0 ? OrderedJson(exit_status) : OrderedJson(nullptr);
  doc["command"] = command;
  doc["program"] = program;
  doc["work_dir"] = work_dir;
  doc["outputs_dir"] = outputs_dir;
  doc["engine"] = engine;
  doc["engine_command"] = engine_command;
  if (!slurm_job_id.empty()) doc["slurm_job_id"] = slurm_job_id;
  doc["nodes"] = nodes;
  doc["procs_per_node"] = procs_per_node;
  doc["world_size"] = world_size;
  doc["hosts"] = OrderedJson::array();
  for (const auto& h : hosts) {
    doc["hosts"].push_back({{"name", h.name}, {"first_rank", h.first_rank}, {"ranks", h.ranks}});
  }
  doc["start_time"] = timeText(start);
  doc["end_time"] = timeText(end);
  doc["max_restarts"] = max_restarts;
  doc["restarts"] = restarts();
  doc["attempts"] = OrderedJson::array();
  for (const auto& a : attempts) {
    OrderedJson attempt;
    attempt["restart"] = a.restart;
    attempt["start_time"] = timeText(a.start);
    attempt["end_time"] = timeText(a.end);
    attempt["exit_status"] = a.exit_status;
    if (!a.root_cause.empty()) {
      attempt["root_cause"] = a.root_cause;
      if (a.rank >= 0) attempt["rank"] = a.rank;
      if (!a.host.empty()) attempt["host"] = a.host;
    }
    attempt["logs"] = a.logs;
    doc["attempts"].push_back(attempt);
  }
  doc["versions"] = OrderedJson::object();
  for (const auto& [name, version] : versions) doc["versions"][name] = version;
  doc["code"] = OrderedJson::parse(code.dump());
  doc["inputs"] = OrderedJson::parse(inputs.dump());
  if (!registered.empty()) doc["registered"] = registered;
  return jsonText(doc, 2) + "\n";
}

RunRecord RunRecord::fromJson(const std::string& text, const std::string& file) {
  std::string why;
  // See Note [Untrusted JSON]: the depth is checked first, then the text is
  // read again in its own order.
  const bool sound = !parseUntrustedJson(text, &why).is_discarded();
  const RecordJson doc = sound ? RecordJson::parse(text, nullptr, false) : RecordJson();
  if (!sound) {
    throw DataError(file + " is not a run record: it is not JSON (" + why + ")",
                    "cohortrun writes run.json; this one was changed or cut since (or written by "
                    "another program): restore it, or run the job again under cohortrun");
  }
  const Fields f(doc, file, "");
  RunRecord r;
  r.run_id = f.text("run_id");
  r.state = f.text("state");
  r.exit_status = f.integerOrNull("exit_status", -1);
  r.command = f.texts("command");
  r.program = f.texts("program");
  r.work_dir = f.text("work_dir");
  r.outputs_dir = f.text("outputs_dir");
  r.engine = f.text("engine");
  r.engine_command = f.texts("engine_command");
  r.slurm_job_id = f.optionalText("slurm_job_id");
  r.nodes = f.integer("nodes");
  r.procs_per_node = f.integer("procs_per_node");
  r.world_size = f.integer("world_size");
  for (const Fields& h : f.objects("hosts")) {
    r.hosts.push_back({h.text("name"), h.integer("first_rank"), h.integer("ranks")});
  }
  r.start = f.time("start_time");
  r.end = f.time("end_time");
  r.max_restarts = f.integer("max_restarts");
  // "restarts" is attempts' count less one: written for readers, not read.
  for (const Fields& a : f.objects("attempts")) {
    RunAttempt attempt;
    attempt.restart = a.integer("restart");
    attempt.start = a.time("start_time");
    attempt.end = a.time("end_time");
    attempt.exit_status = a.integer("exit_status");
    attempt.root_cause = a.optionalText("root_cause");
    attempt.rank = a.optionalInteger("rank", -1);
    attempt.host = a.optionalText("host");
    attempt.logs = a.text("logs");
    r.attempts.push_back(attempt);
  }
  const RecordJson& versions = f.any("versions");
  if (!versions.is_object()) f.refuse("versions", "is not an object");
  for (const auto& [name, version] : versions.items()) {
    if (!version.is_string()) f.refuse("versions." + name, "is not a string");
    r.versions.emplace_back(name, version.get<std::string>());
  }
  r.code = json::parse(f.any("code").dump());
  if (!f.any("inputs").is_array()) f.refuse("inputs", "is not a list");
  r.inputs = json::parse(f.any("inputs").dump());
  r.registered = f.optionalText("registered");
  return r;
}

std::string RunRecord::pathIn(const std::string& logs_dir) { return logs_dir + "/run.json"; }

std::optional<RunRecord> RunRecord::readFile(const std::string& path) {
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw DataError("cannot read " + path + ": " + std::strerror(errno),
                    "check that the logs folder can be read");
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw DataError("cannot read " + path + ": " + std::strerror(errno),
                      "check that the logs folder can be read");
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return fromJson(text, path);
}

void RunRecord::writeFile(const std::string& path) const {
  std::string problem;
  if (!writeFileAtomically(path, toJson(), &problem)) {
    throw ConfigError(problem, "check that the logs folder is writable and not full");
  }
}

}  // namespace cohort
