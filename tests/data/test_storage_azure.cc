// The Azure Blob Storage backend against a real Azurite (the npm package,
// started here on 127.0.0.1 with a free port): Shared Key and SAS, the three
// URL forms, ranged reads, 403/404 errors, and a ShardedLoader epoch that
// survives Azurite being stopped and restarted in the middle.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <future>
#include <thread>

#include "cohort/core/error.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/storage/azure_auth.h"
#include "cohort/storage/storage_azure.h"
#include "cohort/storage/storage_url.h"
#include "data_test_util.h"
#include "server_process.h"

namespace cohort::test {
namespace {

using data::ShardedLoader;

constexpr int64_t kSamples = 500;
constexpr int64_t kPerShard = 37;

class AzureStorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    azurite_ = new Azurite(dir_->path());
    auto storage = storage::openStorage(location(), keyOptions());
    storage->createLocation();
    storage->createLocation();  // a second time is fine
    packSynthetic(*storage, kSamples, kPerShard);
    // The same data on local disk: the reference sequence.
    packSynthetic(dir_->path() + "/local", kSamples, kPerShard);
  }
  static void TearDownTestSuite() {
    delete azurite_;
    delete dir_;
  }

  static std::string location(const std::string& container = "data") {
    return azurite_->endpoint + "/" + container + "/sets/synthetic";
  }
  static storage::StorageOptions keyOptions() {
    storage::StorageOptions o;
    o.azure_account_key = Azurite::kKey;
    o.first_backoff_s = 0.05;
    o.max_backoff_s = 1;
    o.retries = 4;
    return o;
  }
  static std::vector<int64_t> reference() {
    ShardedLoader loader(syntheticOptions(dir_->path() + "/local", 24, 0, 1));
    return drain(loader);
  }
  static std::string errorOf(const std::function<void()>& action) {
    try {
      action();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  // An account SAS (version 2019-12-12) for blobs with permissions `permissions`.
  static std::string accountSas(const std::string& permissions) {
    const std::string sv = "2019-12-12", ss = "b", srt = "sco", se = "2099-01-01T00:00:00Z";
    const std::string to_sign = std::string(Azurite::kAccount) + "\n" + permissions + "\n" + ss +
                                "\n" + srt + "\n\n" + se + "\n\n\n" + sv + "\n";
    const std::string key = storage::base64Decode(Azurite::kKey, "key");
    const std::string sig = storage::base64Encode(storage::hmacSha256(key, to_sign));
    return "sv=" + sv + "&ss=" + ss + "&srt=" + srt + "&sp=" + permissions +
           "&se=" + storage::percentEncode(se) + "&sig=" + storage::percentEncode(sig);
  }

  static TempDir* dir_;
  static Azurite* azurite_;
};

TempDir* AzureStorageTest::dir_ = nullptr;
Azurite* AzureStorageTest::azurite_ = nullptr;

TEST_F(AzureStorageTest, ListSizeAndRangedReads) {
  auto storage = storage::openStorage(location(), keyOptions());
  const auto objects = storage->list();
  ASSERT_EQ(objects.size(), 15u);  // index.json and 14 shards
  EXPECT_EQ(objects[0].name, "index.json");
  EXPECT_EQ(objects[1].name, "shard-00000.h5");
  EXPECT_EQ(storage->size("shard-00000.h5"), objects[1].size);
  EXPECT_TRUE(storage->exists("index.json"));
  EXPECT_FALSE(storage->exists("absent.h5"));
  const std::string whole = storage->readAll("shard-00003.h5");
  std::string part(1000, '\0');
  storage->read("shard-00003.h5", 123, 1000, part.data());
  EXPECT_EQ(part, whole.substr(123, 1000));
  EXPECT_THROW(storage->readAll("../escape"), DataError);
  EXPECT_THROW(storage->write("/absolute", "x"), DataError);
}

TEST_F(AzureStorageTest, TheLoaderReadsTheSameSequenceAsFromLocalDisk) {
  const auto expected = reference();
  ShardedLoader path_style([&] {
    auto o = syntheticOptions(location(), 24, 0, 1);
    o.storage = keyOptions();
    return o;
  }());
  EXPECT_EQ(drain(path_style), expected);
  // azure://ACCOUNT/CONTAINER/PREFIX with the endpoint override.
  auto o = syntheticOptions(std::string("azure://") + Azurite::kAccount + "/data/sets/synthetic",
                            24, 0, 1);
  o.storage = keyOptions();
  o.storage.azure_endpoint = azurite_->endpoint;
  ShardedLoader azure_form(o);
  EXPECT_EQ(drain(azure_form), expected);
}

TEST_F(AzureStorageTest, SasTokensAndTheCredentialsFileWork) {
  auto o = syntheticOptions(location(), 24, 0, 1);
  o.storage.azure_sas_token = "?" + accountSas("rl");
  ShardedLoader with_sas(o);
  EXPECT_EQ(drain(with_sas), reference());
  // A SAS without write permission cannot write.
  auto storage = storage::openStorage(location(), o.storage);
  const std::string error = errorOf([&] { storage->write("new.bin", "x"); });
  EXPECT_NE(error.find("HTTP 403"), std::string::npos) << error;

  const std::string file = dir_->path() + "/credentials";
  std::ofstream(file) << "# test\nazure_account_key = " << Azurite::kKey << "\n";
  Settings settings;
  settings.credentials_file = file;
  const auto from_file = storage::StorageOptions::fromSettings(settings);
  EXPECT_EQ(from_file.azure_account_key, Azurite::kKey);
  EXPECT_TRUE(storage::openStorage(location(), from_file)->exists("index.json"));
}

TEST_F(AzureStorageTest, WrongCredentialsAndMissingContainersAreClearErrors) {
  auto wrong = keyOptions();
  wrong.azure_account_key = storage::base64Encode(std::string(64, 'k'));
  std::string error = errorOf([&] {
    auto o = syntheticOptions(location(), 24, 0, 1);
    o.storage = wrong;
    ShardedLoader loader(o);
  });
  EXPECT_NE(error.find("HTTP 403"), std::string::npos) << error;
  EXPECT_NE(error.find("Authori"), std::string::npos) << "the storage's own error code: " << error;
  EXPECT_NE(error.find(location() + "/index.json"), std::string::npos) << error;
  EXPECT_NE(error.find("COHORT_AZURE_ACCOUNT_KEY"), std::string::npos) << error;
  EXPECT_EQ(error.find(Azurite::kKey), std::string::npos) << "a secret in a message";

  error = errorOf([&] {
    auto o = syntheticOptions(location("nosuchcontainer"), 24, 0, 1);
    o.storage = keyOptions();
    ShardedLoader loader(o);
  });
  EXPECT_NE(error.find("HTTP 404"), std::string::npos) << error;
  EXPECT_NE(error.find("ContainerNotFound"), std::string::npos) << error;
  EXPECT_NE(error.find("container does not exist"), std::string::npos) << error;

  error = errorOf([&] {
    auto o = syntheticOptions(azurite_->endpoint + "/data/no/such/set", 24, 0, 1);
    o.storage = keyOptions();
    ShardedLoader loader(o);
  });
  EXPECT_NE(error.find("HTTP 404"), std::string::npos) << error;
  EXPECT_NE(error.find("BlobNotFound"), std::string::npos) << error;

  error = errorOf([&] {
    auto bad = keyOptions();
    bad.azure_account_key = "not a key!";
    storage::openStorage(location(), bad);
  });
  EXPECT_NE(error.find("not base64"), std::string::npos) << error;
}

TEST_F(AzureStorageTest, AnEpochSurvivesAzuriteStoppedAndRestarted) {
  const auto expected = reference();
  auto o = syntheticOptions(location(), 24, 0, 1);
  o.storage = keyOptions();
  o.storage.retries = 14;  // about 10 s of backoff in all
  o.prefetch_bytes = 1;    // only the shard in use: later ones are fetched while Azurite is down
  ShardedLoader loader(o);
  std::vector<int64_t> got = drain(loader, 4);
  azurite_->process.stop();
  // The loader goes on in another thread while this one (Azurite's parent:
  // its PR_SET_PDEATHSIG follows the thread that started it) restarts Azurite.
  auto rest_future = std::async(std::launch::async, [&] { return drain(loader); });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  azurite_->process.start();
  const std::vector<int64_t> rest = rest_future.get();
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, expected);
  EXPECT_GT(loader.waitSeconds(), 1.5) << "the loader should have waited for Azurite to come back";
}

}  // namespace
}  // namespace cohort::test
