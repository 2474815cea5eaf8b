#include "rank_records.h"

#include <dirent.h>

#include <fstream>
#include <sstream>

#include "cohort/core/json_writer.h"
#include "json_reader.h"

namespace cohort::launcher {

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The N of "PREFIXN.SUFFIX", or -1.
int rankInName(const std::string& name, const std::string& prefix, const std::string& suffix) {
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return -1;
  }
  std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::stoi(digits);
}

}  // namespace

std::string exitRecordName(int rank) { return "exit-rank-" + std::to_string(rank) + ".json"; }
std::string errorRecordName(int rank) { return "error-rank-" + std::to_string(rank) + ".json"; }
std::string rankLogName(int rank) { return "rank-" + std::to_string(rank) + ".log"; }

std::string exitRecordJson(const ExitRecord& r) {
  JsonWriter w;
  w.beginObject();
  w.key("rank").value(r.rank);
  w.key("host").value(r.host);
  w.key("pid").value(static_cast<long long>(r.pid));
  w.key("time").value(r.time);
  if (r.signal != 0) {
    w.key("signal").value(r.signal);
  } else {
    w.key("exit_code").value(r.exit_code);
  }
  w.key("stopped").value(r.stopped);
  w.key("run_id").value(r.run_id);
  w.key("restart").value(r.restart);
  w.endObject();
  return w.text();
}

std::optional<ExitRecord> parseExitRecord(const std::string& text) {
  auto json = parseJson(text);
  if (!json || !json->get("rank")) return std::nullopt;
  ExitRecord r;
  r.rank = static_cast<int>(json->getNumber("rank", -1));
  r.host = json->getString("host");
  r.pid = static_cast<long>(json->getNumber("pid", 0));
  r.time = json->getNumber("time", 0);
  r.exit_code = static_cast<int>(json->getNumber("exit_code", -1));
  r.signal = static_cast<int>(json->getNumber("signal", 0));
  r.stopped = json->getBool("stopped", false);
  r.run_id = json->getString("run_id");
  r.restart = static_cast<int>(json->getNumber("restart", 0));
  return r;
}

std::optional<ErrorRecord> parseErrorRecord(const std::string& text) {
  auto json = parseJson(text);
  if (!json || !json->get("kind")) return std::nullopt;
  ErrorRecord r;
  r.rank = static_cast<int>(json->getNumber("rank", -1));
  r.host = json->getString("host");
  r.pid = static_cast<long>(json->getNumber("pid", 0));
  r.time = json->getNumber("time", 0);
  r.kind = json->getString("kind");
  r.message = json->getString("message");
  r.run_id = json->getString("run_id");
  r.restart = static_cast<int>(json->getNumber("restart", 0));
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
      auto r = parseExitRecord(readFile(path));
      if (r && r->run_id == run_id && r->restart == restart) records.exits.push_back(*r);
    } else if (rankInName(name, "error-rank-", ".json") >= 0) {
      auto r = parseErrorRecord(readFile(path));
      if (r && r->run_id == run_id && r->restart == restart) records.errors.push_back(*r);
    } else if (int rank = rankInName(name, "rank-", ".log"); rank >= 0) {
      records.started.push_back(rank);
    }
  }
  closedir(dir);
  return records;
}

}  // namespace cohort::launcher
