// ShardedLoader over local files: exactly-once at any world size (ranks
// simulated in one process, each with its own loader), exact resume on the
// same and on other world sizes, and the bad-input cases.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "cohort/data/epoch_order.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/storage/checksum.h"
#include "data_test_util.h"

namespace cohort::test {
namespace {

namespace fs = std::filesystem;
using data::LoaderState;
using data::ShardedLoader;
using Batches = std::vector<std::vector<int64_t>>;

constexpr int64_t kSamples = 1000;
constexpr int64_t kPerShard = 37;  // 28 shards, the last holding 1 sample
constexpr int64_t kGlobalBatch = 24;

Batches batchesOf(ShardedLoader& loader, int64_t count = -1) {
  Batches batches;
  for (int64_t b = 0; count < 0 || b < count; ++b) {
    std::vector<int64_t> ids = drain(loader, 1);
    if (ids.empty()) break;
    batches.push_back(ids);
  }
  return batches;
}

// The global sequence a world of `world` ranks reads from `state` (or the
// epoch's start): step by step, rank 0's slice, then rank 1's, ...
std::vector<int64_t> globalSequence(const std::string& location, int world, bool drop_last = true,
                                    const LoaderState* state = nullptr,
                                    std::vector<LoaderState>* ends = nullptr) {
  std::vector<Batches> per_rank;
  for (int r = 0; r < world; ++r) {
    auto options = syntheticOptions(location, kGlobalBatch, r, world);
    options.drop_last = drop_last;
    ShardedLoader loader(options);
    if (state) loader.restore(*state);
    per_rank.push_back(batchesOf(loader));
    if (ends) ends->push_back(loader.state());
  }
  std::vector<int64_t> sequence;
  for (size_t step = 0; step < per_rank[0].size(); ++step) {
    for (int r = 0; r < world; ++r) {
      EXPECT_EQ(per_rank[r].size(), per_rank[0].size())
          << "every rank gets the same number of batches";
      EXPECT_EQ(per_rank[r][step].size(), per_rank[0][step].size()) << "equal slices";
      sequence.insert(sequence.end(), per_rank[r][step].begin(), per_rank[r][step].end());
    }
  }
  return sequence;
}

class LocalLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    location_ = dir_.path() + "/set";
    packSynthetic(location_, kSamples, kPerShard);
  }
  std::string shardPath(int i) const {
    char name[32];
    std::snprintf(name, sizeof name, "/shard-%05d.h5", i);
    return location_ + name;
  }
  // Rewrites index.json through `edit`.
  void editIndex(const std::function<void(data::Manifest&)>& edit) {
    std::ifstream in(location_ + "/index.json");
    std::stringstream text;
    text << in.rdbuf();
    data::Manifest m = data::Manifest::parse(text.str(), "index.json");
    edit(m);
    std::ofstream(location_ + "/index.json") << m.serialize();
  }
  std::string firstError(data::LoaderOptions options) {
    try {
      ShardedLoader loader(options);
      while (loader.next()) {
      }
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  TempDir dir_;
  std::string location_;
};

TEST_F(LocalLoader, EveryWorldSizeReadsTheSameSequenceExactlyOnce) {
  const std::vector<int64_t> reference = globalSequence(location_, 1);
  EXPECT_EQ(reference.size(),
            984u);  // 41 global batches of 24; the last 16 are skipped (drop_last)
  EXPECT_EQ(std::set<int64_t>(reference.begin(), reference.end()).size(), reference.size());
  for (int world : {2, 3, 4})
    EXPECT_EQ(globalSequence(location_, world), reference) << world << " ranks";
  // Without drop_last the 16 left are shared: 16 / 3 = 5 each, 1 skipped; 16 / 4 = 4 each.
  for (auto [world, covered] : {std::pair{3, 999u}, std::pair{4, 1000u}}) {
    const auto all = globalSequence(location_, world, false);
    EXPECT_EQ(all.size(), covered);
    EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), covered);
    EXPECT_TRUE(std::equal(reference.begin(), reference.end(), all.begin()));
  }
}

TEST_F(LocalLoader, TheOrderDependsOnSeedAndEpoch) {
  auto options = syntheticOptions(location_, kGlobalBatch, 0, 1);
  ShardedLoader a(options), b(options);
  const auto epoch0 = drain(a);
  EXPECT_EQ(drain(b), epoch0);
  a.setEpoch(1);
  const auto epoch1 = drain(a);
  EXPECT_NE(epoch1, epoch0);
  EXPECT_EQ(std::set<int64_t>(epoch1.begin(), epoch1.end()).size(), epoch1.size());
  options.seed = 8;
  ShardedLoader c(options);
  EXPECT_NE(drain(c), epoch0);
}

TEST_F(LocalLoader, ResumeAtAnyPointGivesTheIdenticalRemainder) {
  for (int world : {1, 2}) {
    for (int rank = 0; rank < world; ++rank) {
      const auto options = syntheticOptions(location_, kGlobalBatch, rank, world);
      ShardedLoader whole(options);
      whole.setEpoch(3);
      const Batches reference = batchesOf(whole);
      for (int64_t cut : {0, 1, 5, 13, 27, 40, 41}) {
        ShardedLoader first(options);
        first.setEpoch(3);
        Batches got = batchesOf(first, cut);
        const std::string saved = first.state().toJson();
        ShardedLoader second(options);  // a new process would start like this
        second.restore(LoaderState::fromJson(saved, "saved state"));
        const Batches rest = batchesOf(second);
        got.insert(got.end(), rest.begin(), rest.end());
        EXPECT_EQ(got, reference) << "rank " << rank << " of " << world << ", resumed after "
                                  << cut;
      }
    }
  }
}

TEST_F(LocalLoader, ResumeOnAnotherWorldSizeSkipsAndRepeatsNothing) {
  const std::vector<int64_t> reference = globalSequence(location_, 1);
  // Three ranks read 10 steps and stop; their states agree.
  std::vector<int64_t> first_part;
  std::vector<LoaderState> states;
  std::vector<Batches> per_rank;
  for (int r = 0; r < 3; ++r) {
    ShardedLoader loader(syntheticOptions(location_, kGlobalBatch, r, 3));
    per_rank.push_back(batchesOf(loader, 10));
    states.push_back(loader.state());
  }
  for (int step = 0; step < 10; ++step) {
    for (int r = 0; r < 3; ++r)
      first_part.insert(first_part.end(), per_rank[r][step].begin(), per_rank[r][step].end());
  }
  EXPECT_EQ(states[0], states[1]);
  EXPECT_EQ(states[0], states[2]);
  EXPECT_EQ(states[0].position, 240);
  // The job resumes on 2 and on 4 ranks: together the parts are the reference.
  for (int world : {2, 4, 1}) {
    std::vector<int64_t> all = first_part;
    const auto rest = globalSequence(location_, world, true, &states[0]);
    all.insert(all.end(), rest.begin(), rest.end());
    EXPECT_EQ(all, reference) << "resumed on " << world << " ranks";
  }
}

// A fixed split of one data set (LoaderOptions::first_sample, end_sample):
// the held-out part and the rest are disjoint and cover it, each exactly
// once at any world size, the samples' contents are theirs (drain checks
// each sample's data against its id), and a state of one range does not
// resume a loader of another.
TEST_F(LocalLoader, ASampleRangeIsAFixedSplitReadExactlyOnce) {
  const auto read = [&](int64_t first, int64_t end, int world, bool shuffle) {
    std::vector<int64_t> all;
    for (int r = 0; r < world; ++r) {
      auto options = syntheticOptions(location_, 6, r, world);
      options.first_sample = first;
      options.end_sample = end;
      options.drop_last = false;
      options.shuffle = shuffle;
      ShardedLoader loader(options);
      const auto ids = drain(loader);
      all.insert(all.end(), ids.begin(), ids.end());
    }
    return all;
  };
  for (int world : {1, 2, 3}) {
    // 1000 samples in shards of 37: the cut at 900 falls inside shard 24 (888..924).
    const auto train = read(0, -100, world, true);
    const auto held = read(-100, 0, world, true);
    const std::set<int64_t> t(train.begin(), train.end()), h(held.begin(), held.end());
    EXPECT_EQ(t.size(), train.size()) << world << " ranks: a training sample twice";
    EXPECT_EQ(h.size(), held.size()) << world << " ranks: a held-out sample twice";
    // 100 = 16 batches of 6 + 4, which 3 ranks share 1 each (1 skipped).
    EXPECT_EQ(h.size(), world == 3 ? 99u : 100u) << world;
    EXPECT_GE(*h.begin(), 900);
    EXPECT_LT(*h.rbegin(), 1000);
    EXPECT_EQ(t.size(), 900u) << world;  // 150 batches of 6
    EXPECT_EQ(*t.rbegin(), 899) << "a held-out sample in training";
  }
  // Unshuffled, the held-out part is the file order's last 100, in order.
  const auto tail = read(900, 0, 1, false);
  ASSERT_EQ(tail.size(), 100u);
  for (size_t i = 0; i < tail.size(); ++i) EXPECT_EQ(tail[i], 900 + static_cast<int64_t>(i));
  // A state carries its range: the same range resumes, another is refused.
  auto options = syntheticOptions(location_, 6, 0, 1);
  options.end_sample = -100;
  ShardedLoader first(options);
  drain(first, 3);
  const LoaderState state = LoaderState::fromJson(first.state().toJson(), "saved");
  EXPECT_EQ(state.first_sample, 0);
  EXPECT_EQ(state.end_sample, 900);
  ShardedLoader same(options);
  same.restore(state);
  EXPECT_EQ(same.batchesLeft(), 900 / 6 - 3);
  ShardedLoader whole(syntheticOptions(location_, 6, 0, 1));
  EXPECT_THROW(whole.restore(state), ConfigError);
  EXPECT_EQ(whole.state().toJson().find("samples"), std::string::npos);  // as before ranges
  // Ranges outside the data set, or empty, are refused naming the numbers.
  for (auto [a, b] : {std::pair<int64_t, int64_t>{0, 1001}, {-1001, 0}, {500, 500}, {600, -500}}) {
    auto bad = syntheticOptions(location_, 6, 0, 1);
    bad.first_sample = a;
    bad.end_sample = b;
    try {
      ShardedLoader loader(bad);
      ADD_FAILURE() << a << ", " << b << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("of the 1000 samples of"), std::string::npos)
          << e.what();
    }
  }
}

TEST_F(LocalLoader, ACorruptedShardIsNamed) {
  {
    std::fstream f(shardPath(3), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(800);
    f.put('\x5a');
  }
  const std::string error = firstError(syntheticOptions(location_, kGlobalBatch, 0, 1));
  EXPECT_NE(error.find("shard-00003.h5 is corrupted: its xxh128 is"), std::string::npos) << error;
}

TEST_F(LocalLoader, AMissingShardIsNamed) {
  fs::remove(shardPath(5));
  const std::string error = firstError(syntheticOptions(location_, kGlobalBatch, 0, 1));
  EXPECT_NE(error.find("shard-00005.h5"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

TEST_F(LocalLoader, ATruncatedShardIsNamedEvenWithAMatchingChecksum) {
  std::string bytes;
  {
    std::ifstream in(shardPath(2), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    bytes = text.str().substr(0, 3000);
  }
  std::ofstream(shardPath(2), std::ios::binary | std::ios::trunc) << bytes;
  // First with the index unchanged: the size disagrees.
  std::string error = firstError(syntheticOptions(location_, kGlobalBatch, 0, 1));
  EXPECT_NE(error.find("shard-00002.h5 is 3000 bytes but index.json says"), std::string::npos)
      << error;
  // Then with an index made to match the cut file (a SHA-256 this time): HDF5 itself refuses it.
  editIndex([&](data::Manifest& m) {
    m.shards[2].bytes = 3000;
    m.shards[2].checksum_kind = storage::ChecksumKind::kSha256;
    m.shards[2].checksum = storage::sha256Hex(bytes);
  });
  error = firstError(syntheticOptions(location_, kGlobalBatch, 0, 1));
  EXPECT_NE(error.find("shard-00002.h5"), std::string::npos) << error;
  EXPECT_NE(error.find("repack"), std::string::npos) << error;
}

TEST_F(LocalLoader, AShardDisagreeingWithTheIndexIsNamed) {
  editIndex([](data::Manifest& m) { m.columns[0].dtype = data::DType::kFloat64; });
  std::string error = firstError(syntheticOptions(location_, kGlobalBatch, 0, 1));
  EXPECT_NE(error.find("'x' holds float32 but index.json says float64"), std::string::npos)
      << error;
  editIndex([](data::Manifest& m) {
    m.columns[0].dtype = data::DType::kFloat32;
    m.columns[0].shape = {4};
  });
  error = firstError(syntheticOptions(location_, kGlobalBatch, 0, 1));
  EXPECT_NE(error.find("shape [37, 3] but index.json says [37, 4]"), std::string::npos) << error;
}

TEST_F(LocalLoader, BadIndexAndLocationsAreClearErrors) {
  std::ofstream(location_ + "/index.json") << "{\"format\": \"cohort-dataset\", \"version\": 1, ";
  std::string error = firstError(syntheticOptions(location_, kGlobalBatch, 0, 1));
  EXPECT_NE(error.find(location_ + "/index.json: not valid JSON"), std::string::npos) << error;
  error = firstError(syntheticOptions(dir_.path() + "/nothing-here", kGlobalBatch, 0, 1));
  EXPECT_NE(error.find("nothing-here/index.json"), std::string::npos) << error;
  EXPECT_THROW(ShardedLoader(syntheticOptions(location_, 25, 0, 2)), ConfigError);
  EXPECT_THROW(ShardedLoader(syntheticOptions(location_, 24, 2, 2)), ConfigError);
}

TEST_F(LocalLoader, AStateFromAnotherDataSetIsRefused) {
  ShardedLoader loader(syntheticOptions(location_, kGlobalBatch, 0, 1));
  LoaderState state = loader.state();
  state.dataset = std::string(64, '0');
  EXPECT_THROW(loader.restore(state), ConfigError);
  state = loader.state();
  state.position = kSamples + 1;
  EXPECT_THROW(loader.restore(state), ConfigError);
}

TEST_F(LocalLoader, TheCacheHoldsVerifiedShardsInsideItsFolderWithinItsBound) {
  auto options = syntheticOptions(location_, kGlobalBatch, 0, 1);
  options.cache_dir = dir_.path() + "/cache";
  const std::vector<int64_t> expected = globalSequence(location_, 1);
  {
    ShardedLoader loader(options);
    EXPECT_EQ(drain(loader), expected);
  }
  int64_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path() + "/cache")) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.size(), 35u) << name;  // <xxh128>.h5, nothing else
    EXPECT_EQ(entry.path().parent_path(), fs::path(dir_.path() + "/cache"));
    ++files;
  }
  EXPECT_EQ(files, 28);
  // The shards are gone from storage: the cache serves them.
  for (int i = 0; i < 28; ++i) fs::remove(shardPath(i));
  {
    ShardedLoader loader(options);
    EXPECT_EQ(drain(loader), expected);
  }
  // A bound of 3 shards keeps 3 or fewer (the one being added is never evicted).
  fs::remove_all(dir_.path() + "/cache");
  packSynthetic(location_, kSamples, kPerShard);
  options.cache_bytes = 3 * static_cast<int64_t>(fs::file_size(shardPath(0)));
  ShardedLoader loader(options);
  EXPECT_EQ(drain(loader), expected);
  files = 0;
  for (const auto& entry : fs::directory_iterator(dir_.path() + "/cache"))
    files += entry.is_regular_file();
  EXPECT_LE(files, 3);
}

// Issue 30, item 16: writeDataset replacing a set in place (as on object
// stores) removes the old set's shards the new one does not name.
TEST_F(LocalLoader, ReplacingInPlaceLeavesNoneOfTheOldShards) {
  auto storage = storage::openStorage(location_, {});
  const size_t old_objects = storage->list().size();
  ASSERT_GT(old_objects, 3u);
  const auto manifest = packSynthetic(*storage, kSamples, kSamples / 2 + 1);  // 2 shards
  std::vector<std::string> names;
  for (const auto& object : storage->list()) names.push_back(object.name);
  EXPECT_EQ(names, (std::vector<std::string>{"index.json", "shard-00000.h5", "shard-00001.h5"}));
  EXPECT_EQ(manifest.shards.size(), 2u);
}

TEST_F(LocalLoader, LocalStorageKeepsNamesInsideItsFolder) {
  auto storage = storage::openStorage(location_, {});
  EXPECT_TRUE(storage->exists("index.json"));
  EXPECT_FALSE(storage->exists("nope.h5"));
  EXPECT_EQ(storage->list().size(), 29u);
  EXPECT_THROW(storage->write("../outside.h5", "x"), DataError);
  EXPECT_THROW(storage->write("/tmp/outside.h5", "x"), DataError);
  EXPECT_THROW(storage->readAll("a/../../b"), DataError);
  EXPECT_FALSE(fs::exists(dir_.path() + "/outside.h5"));
  storage->write("sub/new.bin", "hello");
  EXPECT_EQ(storage->readAll("sub/new.bin"), "hello");
  char buffer[8];
  storage->read("sub/new.bin", 3, 2, buffer);
  EXPECT_EQ(std::string(buffer, 2), "lo");
  EXPECT_THROW(storage->read("sub/new.bin", 3, 5, buffer), DataError);
}

TEST(DataSettings, AreReadFromTheEnvironmentAndSecretsAreNotShown) {
  const Settings s =
      Settings::fromEnvironment(mapEnv({{"COHORT_AZURE_ACCOUNT_KEY", "c2VjcmV0"},
                                        {"COHORT_HDFS_DELEGATION_TOKEN", "tok"},
                                        {"COHORT_AZURE_ENDPOINT", "http://127.0.0.1:1/acct"},
                                        {"COHORT_DATA_CACHE_DIR", "/scratch/cache"},
                                        {"COHORT_DATA_CACHE_MB", "512"},
                                        {"COHORT_DATA_THREADS", "3"}}));
  EXPECT_EQ(s.azure_account_key, "c2VjcmV0");
  EXPECT_EQ(s.data_cache_dir, "/scratch/cache");
  EXPECT_EQ(s.data_cache_mib, 512);
  EXPECT_EQ(s.data_threads, 3);
  for (const auto& [name, value] : s.describe()) {
    EXPECT_EQ(value.find("c2VjcmV0"), std::string::npos) << name;
    EXPECT_EQ(value.find("tok"), std::string::npos) << name;
  }
  const auto options = data::LoaderOptions::fromSettings(s, "/data/set", 1, 2);
  EXPECT_EQ(options.cache_bytes, int64_t{512} << 20);
  EXPECT_EQ(options.threads, 3);
  EXPECT_EQ(options.storage.azure_endpoint, "http://127.0.0.1:1/acct");
  for (const char* bad : {"0", "x", "65"}) {
    EXPECT_THROW(Settings::fromEnvironment(mapEnv({{"COHORT_DATA_THREADS", bad}})), ConfigError)
        << bad;
  }
  EXPECT_THROW(Settings::fromEnvironment(mapEnv({{"COHORT_DATA_PREFETCH_MB", "-1"}})), ConfigError);
}

}  // namespace
}  // namespace cohort::test
