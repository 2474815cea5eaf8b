// The HDFS backend against the WebHDFS fixture (webhdfs_fixture.py, a
// stand-in: no HDFS server exists here): OPEN through the 307 redirect with
// offset and length, CREATE through its redirect, LISTSTATUS, GETFILESTATUS,
// user.name and delegation tokens, RemoteException errors, and reads resumed
// from the byte already received after a datanode drops the connection.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/data/sharded_loader.h"
#include "data_test_util.h"
#include "server_process.h"

namespace cohort::test {
namespace {

using data::ShardedLoader;

class WebHdfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = std::make_unique<WebHdfsFixture>(dir_.path(), "tok-123", true);
  }

  std::string location() const {
    return "hdfs://127.0.0.1:" + std::to_string(fixture_->namenode_port) + "/user/cohort/synthetic";
  }
  static storage::StorageOptions options(const std::string& user, const std::string& token = "") {
    storage::StorageOptions o;
    o.hdfs_user = user;
    o.hdfs_delegation_token = token;
    o.first_backoff_s = 0.05;
    o.max_backoff_s = 0.5;
    return o;
  }
  nlohmann::json log() const {
    return nlohmann::json::parse(fixture_->control("GET", "/_fixture/log"));
  }
  std::string errorOf(const std::function<void()>& action) {
    try {
      action();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  TempDir dir_;
  std::unique_ptr<WebHdfsFixture> fixture_;
};

TEST_F(WebHdfsTest, WritesThroughCreateAndReadsThroughOpenRedirects) {
  packSynthetic(location(), 300, 37, options("alice"));
  packSynthetic(dir_.path() + "/local", 300, 37);
  auto storage = storage::openStorage(location(), options("alice"));
  const auto objects = storage->list();
  ASSERT_EQ(objects.size(), 10u);  // index.json and 9 shards; no ._COPYING_ left behind
  EXPECT_EQ(objects[0].name, "index.json");
  EXPECT_EQ(storage->size("shard-00001.h5"), objects[2].size);
  std::string part(500, '\0');
  storage->read("shard-00001.h5", 100, 500, part.data());
  EXPECT_EQ(part, storage->readAll("shard-00001.h5").substr(100, 500));

  // The protocol as the fixture saw it: CREATE and OPEN went namenode -> datanode.
  const auto requests = log();
  int nn_create = 0, dn_create = 0, nn_open = 0, dn_open = 0, ranged = 0;
  for (const auto& r : requests) {
    const std::string op = r["op"], server = r["server"];
    if (op == "CREATE") (server == "namenode" ? nn_create : dn_create)++;
    if (op == "OPEN") (server == "namenode" ? nn_open : dn_open)++;
    if (op == "OPEN" && server == "datanode" && r.value("offset", -1) == 100 &&
        r.value("length", -1) == 500)
      ++ranged;
  }
  EXPECT_EQ(nn_create, 10);
  EXPECT_EQ(dn_create, 10);
  EXPECT_GE(nn_open, 2);
  EXPECT_EQ(nn_open, dn_open);
  EXPECT_EQ(ranged, 1);

  auto o = syntheticOptions(location(), 24, 0, 1);
  o.storage = options("alice");
  ShardedLoader remote(o);
  ShardedLoader local(syntheticOptions(dir_.path() + "/local", 24, 0, 1));
  EXPECT_EQ(drain(remote), drain(local));
}

TEST_F(WebHdfsTest, DelegationTokensAndUserNames) {
  packSynthetic(location(), 50, 20, options("alice"));
  EXPECT_TRUE(storage::openStorage(location(), options("", "tok-123"))->exists("index.json"));
  std::string error = errorOf(
      [&] { storage::openStorage(location(), options("", "wrong"))->readAll("index.json"); });
  EXPECT_NE(error.find("HTTP 403"), std::string::npos) << error;
  EXPECT_NE(error.find("InvalidToken"), std::string::npos) << error;
  EXPECT_NE(error.find("COHORT_HDFS_DELEGATION_TOKEN"), std::string::npos) << error;
  EXPECT_EQ(error.find("wrong"), std::string::npos) << "a token in a message: " << error;
  // Without a token, user.name is required by this fixture (as with a secured cluster's filter).
  error = errorOf([&] {
    storage::StorageOptions no_user = options("");
    no_user.hdfs_user = "";
    auto storage = storage::openStorage(location(), no_user);  // sends the login name: accepted
    EXPECT_TRUE(storage->exists("index.json"));
  });
  EXPECT_EQ(error, "");
}

TEST_F(WebHdfsTest, MissingFilesAreRemoteExceptionsNamingThePath) {
  const std::string error = errorOf([&] {
    auto o = syntheticOptions(location(), 24, 0, 1);
    o.storage = options("alice");
    ShardedLoader loader(o);
  });
  EXPECT_NE(error.find("HTTP 404"), std::string::npos) << error;
  EXPECT_NE(
      error.find("FileNotFoundException: File does not exist: /user/cohort/synthetic/index.json"),
      std::string::npos)
      << error;
  EXPECT_NE(error.find("/webhdfs/v1/user/cohort/synthetic/index.json (op=GETFILESTATUS)"),
            std::string::npos)
      << error;
}

TEST_F(WebHdfsTest, ReadsResumeFromTheByteAlreadyReceived) {
  packSynthetic(location(), 300, 100, options("alice"));
  auto storage = storage::openStorage(location(), options("alice"));
  const std::string whole = storage->readAll("shard-00000.h5");
  fixture_->control("POST", "/_fixture/faults?cut=2&unavailable=1");
  std::string again(whole.size(), '\0');
  storage->read("shard-00000.h5", 0, static_cast<int64_t>(whole.size()), again.data());
  EXPECT_EQ(again, whole);
  // After the 503 and two cut answers, each new OPEN starts where the last stopped.
  std::vector<int64_t> offsets;
  for (const auto& r : log()) {
    if (r["op"] == "OPEN" && r["server"] == "datanode")
      offsets.push_back(r.value("offset", int64_t{-1}));
  }
  ASSERT_GE(offsets.size(), 4u);
  const int64_t size = static_cast<int64_t>(whole.size());
  const std::vector<int64_t> last(offsets.end() - 3, offsets.end());
  EXPECT_EQ(last, (std::vector<int64_t>{0, size / 2, size / 2 + (size - size / 2) / 2})) << size;
}

// See Note [Storage messages]: what the registry and uploads read from
// storage fails in storage terms; the data layer adds the data set's advice.
TEST_F(WebHdfsTest, StorageSpeaksOfObjectsAndTheLoaderAddsTheDataSetsAdvice) {
  packSynthetic(location(), 300, 100, options("alice"));
  auto storage = storage::openStorage(location(), options("alice"));
  const std::string shard = "shard-00001.h5";
  const int64_t size = storage->size(shard);
  const std::vector<std::string> storage_errors = {
      errorOf([&] { storage->readAll("absent.bin"); }),
      errorOf([&] { storage->getFile("absent.bin", dir_.path() + "/got", 10, nullptr); }),
      errorOf([&] { storage->fetch(shard, size + 1, nullptr); }),
      errorOf([&] { storage->fetch(shard, size - 1, nullptr); })};
  for (const std::string& error : storage_errors) {
    EXPECT_NE(error, "");
    EXPECT_EQ(error.find("cohort-pack"), std::string::npos) << error;
    EXPECT_EQ(error.find("index.json"), std::string::npos) << error;
    EXPECT_EQ(error.find("data set"), std::string::npos) << error;
  }
  EXPECT_NE(storage_errors[0].find("FileNotFoundException"), std::string::npos)
      << storage_errors[0];
  EXPECT_NE(storage_errors[2].find(shard + " is " + std::to_string(size) + " bytes, not the " +
                                   std::to_string(size + 1) + " expected"),
            std::string::npos)
      << storage_errors[2];
  EXPECT_NE(storage_errors[3].find(shard + " is longer than the " + std::to_string(size - 1) +
                                   " bytes expected"),
            std::string::npos)
      << storage_errors[3];

  // The same failures under the loader: the data set's words and advice.
  const std::string stored = dir_.path() + "/hdfs/user/cohort/synthetic/" + shard;
  auto loaderError = [&] {
    return errorOf([&] {
      auto o = syntheticOptions(location(), 24, 0, 1);
      o.storage = options("alice");
      ShardedLoader loader(o);
      drain(loader);
    });
  };
  std::filesystem::resize_file(stored, static_cast<uintmax_t>(size - 100));
  std::string error = loaderError();
  EXPECT_NE(error.find(shard + " is " + std::to_string(size - 100) + " bytes but index.json says " +
                       std::to_string(size)),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("repack the data set with cohort-pack"), std::string::npos) << error;
  std::filesystem::remove(stored);
  error = loaderError();
  EXPECT_NE(error.find("FileNotFoundException"), std::string::npos) << error;
  EXPECT_NE(error.find("the data set's index.json names this shard"), std::string::npos) << error;
  EXPECT_NE(error.find("cohort-pack"), std::string::npos) << error;
}

}  // namespace
}  // namespace cohort::test
