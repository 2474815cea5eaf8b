#include "cohortrun/rank_records.h"

#include <dirent.h>

#include "cohort/core/json.h"
#include "cohort/core/number.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

// The N of "PREFIXN.SUFFIX", or -1.
int rankInName(const std::string& name, const std::string& prefix, const std::string& suffix) {
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return -1;
  }
  std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  return static_cast<int>(readWhole(digits, 0, 999999999).value_or(-1));
}

}  // namespace

std::string exitRecordName(int rank) { return "exit-rank-" + std::to_string(rank) + ".json"; }
std::string errorRecordName(int rank) { return "error-rank-" + std::to_string(rank) + ".json"; }
std::string rankLogName(int rank) { return "rank-" + std::to_string(rank) + ".log"; }

std::string exitRecordJson(const ExitRecord& r) {
  OrderedJson doc;
  doc["rank"] = r.rank;
  doc["host"] = r.host;
  doc["pid"] = r.pid;
  doc["time"] = r.time;
  if (r.signal != 0) {
    doc["signal"] = r.signal;
  } else {
    doc["exit_code"] = r.exit_code;
  }
  doc["stopped"] = r.stopped;
  doc["run_id"] = r.run_id;
  doc["restart"] = r.restart;
  return jsonText(doc, 2) + "\n";
}

std::optional<ExitRecord> parseExitRecord(const std::string& text) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("rank")) return std::nullopt;
  ExitRecord r;
  r.rank = jsonField(doc, "rank", -1);
  r.host = jsonField(doc, "host", std::string());
  r.pid = jsonField(doc, "pid", 0L);
  r.time = jsonField(doc, "time", 0.0);
  r.exit_code = jsonField(doc, "exit_code", -1);
  r.signal = jsonField(doc, "signal", 0);
  r.stopped = jsonField(doc, "stopped", false);
  r.run_id = jsonField(doc, "run_id", std::string());
  r.restart = jsonField(doc, "restart", 0);
  return r;
}

RankRecords readRankRecords(const std::string& logs_dir, const std::string& run_id, int restart) {
  RankRecords records;
  DIR* dir = opendir(logs_dir.c_str());
  if (dir == nullptr) return records;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    std::string path = logs_dir + "/" + name;
    if (rankInName(name, "exit-rank-", ".json") >= 0) {
      auto r = parseExitRecord(readWholeFile(path));
      if (r && r->run_id == run_id && r->restart == restart) records.exits.push_back(*r);
    } else if (rankInName(name, "error-rank-", ".json") >= 0) {
      auto r = ErrorRecord::fromJson(readWholeFile(path));
      if (r && r->run_id == run_id && r->restart == restart) records.errors.push_back(*r);
    } else if (int rank = rankInName(name, "rank-", ".log"); rank >= 0) {
      records.started.push_back(rank);
    }
  }
  closedir(dir);
  return records;
}

}  // namespace cohort::launcher
