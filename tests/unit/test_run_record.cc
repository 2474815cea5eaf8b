// LOGS/run.json through cohort::RunRecord (cohort/core/run_record.h, Note
// [Run record]): written and read back byte for byte, the text cohortrun has
// always written, refusals naming the file and the field, and fields it does
// not know tolerated.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cohort/core/error.h"
#include "cohort/core/run_record.h"

namespace cohort {
namespace {

RunRecord aFinishedRun() {
  RunRecord r;
  r.run_id = "run-20240501-125130-ab12";
  r.state = "failed";
  r.exit_status = 3;
  r.command = {"cohortrun", "-n", "2", "--", "./train", "--lr=0.1"};
  r.program = {"./train", "--lr=0.1"};
  r.work_dir = "/home/u/job";
  r.outputs_dir = "/home/u/job/outputs";
  r.engine = "srun";
  r.engine_command = {"srun", "--ntasks=2", "cohortrun-agent"};
  r.slurm_job_id = "4242";
  r.nodes = 2;
  r.procs_per_node = 1;
  r.world_size = 2;
  r.hosts = {{"node1", 0, 1}, {"node2", 1, 1}};
  r.start = 1714567890.5;
  r.end = 1714567990.25;
  r.max_restarts = 1;
  r.attempts.push_back({0, 1714567890.5, 1714567950.125, 1,
                        "rank 1 on node2 was killed by "
                        "signal 9",
                        1, "node2", "/home/u/job/logs/attempt-0"});
  r.attempts.push_back({1, 1714567951.0, 1714567990.25, 3, "rank 0 threw", 0, "", "/l"});
  r.versions = {{"cohort", "0.9"}, {"libtorch", "2.3.0"}, {"slurm", "slurm 23.02"}};
  r.code = {{"path", "/home/u/job/train"}, {"sha256", "ab"}};
  r.inputs = nlohmann::json::array({{{"url", "azure://a/b"}, {"digest", "cd"}}});
  r.registered = "fmnist:3";
  return r;
}

// What cohortrun wrote before the record moved to cohort/core, for a run
// still going on one host (a test that the text has not changed).
constexpr const char* kRunningRecord = R"({
  "run_id": "run-a",
  "state": "running",
  "exit_status": null,
  "command": [
    "cohortrun",
    "--",
    "./train"
  ],
  "program": [
    "./train"
  ],
  "work_dir": "/w",
  "outputs_dir": "/w/outputs",
  "engine": "mpirun",
  "engine_command": [],
  "nodes": 1,
  "procs_per_node": 2,
  "world_size": 2,
  "hosts": [
    {
      "name": "h1",
      "first_rank": 0,
      "ranks": 2
    }
  ],
  "start_time": "2024-05-01T12:51:30.500Z",
  "end_time": null,
  "max_restarts": 0,
  "restarts": 0,
  "attempts": [
    {
      "restart": 0,
      "start_time": "2024-05-01T12:51:30.500Z",
      "end_time": null,
      "exit_status": 0,
      "logs": "/w/logs"
    }
  ],
  "versions": {
    "cohort": "1.0",
    "libtorch": "2.3.0"
  },
  "code": null,
  "inputs": []
}
)";

TEST(RunRecord, TheTextIsTheOneCohortrunWrote) {
  RunRecord r;
  r.run_id = "run-a";
  r.command = {"cohortrun", "--", "./train"};
  r.program = {"./train"};
  r.work_dir = "/w";
  r.outputs_dir = "/w/outputs";
  r.engine = "mpirun";
  r.procs_per_node = 2;
  r.world_size = 2;
  r.hosts = {{"h1", 0, 2}};
  r.start = 1714567890.5;
  r.attempts.push_back({0, 1714567890.5, 0, 0, "", -1, "", "/w/logs"});
  r.versions = {{"cohort", "1.0"}, {"libtorch", "2.3.0"}};
  EXPECT_EQ(r.toJson(), kRunningRecord);
  EXPECT_EQ(RunRecord::fromJson(kRunningRecord, "run.json").toJson(), kRunningRecord);
}

TEST(RunRecord, RoundTripsByteForByte) {
  const RunRecord r = aFinishedRun();
  const std::string text = r.toJson();
  const RunRecord back = RunRecord::fromJson(text, "LOGS/run.json");
  EXPECT_EQ(back.toJson(), text);
  EXPECT_EQ(back.run_id, r.run_id);
  EXPECT_EQ(back.exit_status, 3);
  EXPECT_EQ(back.slurm_job_id, "4242");
  ASSERT_EQ(back.hosts.size(), 2u);
  EXPECT_EQ(back.hosts[1].name, "node2");
  EXPECT_EQ(back.hosts[1].first_rank, 1);
  EXPECT_EQ(back.restarts(), 1);
  ASSERT_EQ(back.attempts.size(), 2u);
  EXPECT_EQ(back.attempts[0].root_cause, "rank 1 on node2 was killed by signal 9");
  EXPECT_EQ(back.attempts[0].rank, 1);
  EXPECT_EQ(back.attempts[1].host, "");
  EXPECT_NEAR(back.start, r.start, 0.001);
  EXPECT_NEAR(back.attempts[0].end, r.attempts[0].end, 0.001);
  EXPECT_EQ(back.versions[2].second, "slurm 23.02") << "the versions keep their order";
  EXPECT_EQ(back.code, r.code);
  EXPECT_EQ(back.inputs, r.inputs);
  EXPECT_EQ(back.registered, "fmnist:3");
}

TEST(RunRecord, ARunStillGoingReadsAsOne) {
  const RunRecord r = RunRecord::fromJson(kRunningRecord, "run.json");
  EXPECT_EQ(r.state, "running");
  EXPECT_EQ(r.exit_status, -1);
  EXPECT_EQ(r.end, 0.0);
  EXPECT_EQ(r.attempts[0].end, 0.0);
  EXPECT_EQ(r.attempts[0].rank, -1);
  EXPECT_TRUE(r.code.is_null());
  EXPECT_EQ(r.slurm_job_id, "");
}

// The message of the DataError reading `doc` gives; "" when none is thrown.
std::string refusal(const nlohmann::ordered_json& doc) {
  try {
    RunRecord::fromJson(doc.dump(), "/logs/run.json");
  } catch (const DataError& e) {
    return e.detail();
  }
  return "";
}

TEST(RunRecord, AMissingFieldIsRefusedByName) {
  for (const char* field :
       {"run_id",         "state",       "exit_status", "command",        "program",
        "work_dir",       "outputs_dir", "engine",      "engine_command", "nodes",
        "procs_per_node", "world_size",  "hosts",       "start_time",     "end_time",
        "max_restarts",   "attempts",    "versions",    "code",           "inputs"}) {
    auto doc = nlohmann::ordered_json::parse(aFinishedRun().toJson());
    doc.erase(field);
    EXPECT_EQ(refusal(doc),
              std::string("/logs/run.json is not a run record: ") + field + " is missing");
  }
  auto doc = nlohmann::ordered_json::parse(aFinishedRun().toJson());
  doc["attempts"][1].erase("logs");
  EXPECT_EQ(refusal(doc), "/logs/run.json is not a run record: attempts[1].logs is missing");
}

TEST(RunRecord, AFieldOfTheWrongTypeIsRefusedByName) {
  const auto good = nlohmann::ordered_json::parse(aFinishedRun().toJson());
  struct Case {
    const char* pointer;
    nlohmann::ordered_json value;
    const char* message;
  };
  const Case cases[] = {
      {"/run_id", 7, "run_id is not a string"},
      {"/exit_status", "3", "exit_status is not a whole number"},
      {"/exit_status", 2.5, "exit_status is not a whole number"},
      {"/world_size", 1e12, "world_size is not a whole number"},
      {"/command", "cohortrun -n 2", "command is not a list of strings"},
      {"/program/1", 0.1, "program[1] is not a string"},
      {"/hosts", nlohmann::ordered_json::object(), "hosts is not a list"},
      {"/hosts/0", "node1", "hosts[0] is not a JSON object"},
      {"/hosts/1/ranks", "1", "hosts[1].ranks is not a whole number"},
      {"/start_time", 1714567890.5,
       "start_time is not null or a time such as \"2024-05-01T12:00:00.123Z\""},
      {"/attempts/0/end_time", "yesterday",
       "attempts[0].end_time is not null or a time such as \"2024-05-01T12:00:00.123Z\""},
      {"/attempts/0/rank", "1", "attempts[0].rank is not a whole number"},
      {"/versions", nlohmann::ordered_json::array(), "versions is not an object"},
      {"/versions/cohort", 1, "versions.cohort is not a string"},
      {"/inputs", nlohmann::ordered_json::object(), "inputs is not a list"},
      {"/slurm_job_id", 4242, "slurm_job_id is not a string"},
  };
  for (const Case& c : cases) {
    auto doc = good;
    doc[nlohmann::ordered_json::json_pointer(c.pointer)] = c.value;
    EXPECT_EQ(refusal(doc), std::string("/logs/run.json is not a run record: ") + c.message)
        << c.pointer;
  }
}

TEST(RunRecord, TextThatIsNotARecordIsRefused) {
  EXPECT_EQ(refusal(nlohmann::ordered_json::array()),
            "/logs/run.json is not a run record: the file is not a JSON object");
  try {
    RunRecord::fromJson("{\"run_id\": \"cut", "/logs/run.json");
    ADD_FAILURE() << "a cut file was read";
  } catch (const DataError& e) {
    EXPECT_EQ(
        std::string(e.detail()).rfind("/logs/run.json is not a run record: it is not JSON (", 0),
        0u)
        << e.detail();
    EXPECT_NE(e.hint().find("cohortrun"), std::string::npos) << e.hint();
  }
}

TEST(RunRecord, FieldsItDoesNotKnowAreTolerated) {
  auto doc = nlohmann::ordered_json::parse(aFinishedRun().toJson());
  doc["from_a_newer_cohort"] = {{"x", 1}};
  doc["attempts"][0]["gpu_hours"] = 3.5;
  doc["hosts"][0]["rack"] = "r7";
  doc["restarts"] = "not read: attempts say it";
  EXPECT_EQ(refusal(doc), "");
  EXPECT_EQ(RunRecord::fromJson(doc.dump(), "run.json").toJson(), aFinishedRun().toJson());
}

TEST(RunRecord, AFileIsWrittenAndReadBack) {
  char pattern[] = "/tmp/cohort_run_record.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  EXPECT_EQ(RunRecord::pathIn(dir), dir + "/run.json");
  EXPECT_FALSE(RunRecord::readFile(RunRecord::pathIn(dir))) << "no file is no record";
  EXPECT_FALSE(RunRecord::readFile(dir + "/no-folder/run.json"));
  aFinishedRun().writeFile(RunRecord::pathIn(dir));
  const auto back = RunRecord::readFile(RunRecord::pathIn(dir));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->toJson(), aFinishedRun().toJson());
  std::ofstream(RunRecord::pathIn(dir)) << "{}";
  try {
    RunRecord::readFile(RunRecord::pathIn(dir));
    ADD_FAILURE() << "an empty object was read";
  } catch (const DataError& e) {
    EXPECT_EQ(e.detail(), dir + "/run.json is not a run record: run_id is missing");
  }
  EXPECT_THROW(aFinishedRun().writeFile(dir + "/no-folder/run.json"), ConfigError);
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace cohort
