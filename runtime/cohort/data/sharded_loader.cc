#include "cohort/data/sharded_loader.h"

#include <ATen/ops/empty.h>

#include <algorithm>

#include <cstring>
#include <map>

#include "cohort/core/error.h"
#include "cohort/data/dataset_errors.h"
#include "cohort/data/epoch_order.h"
#include "cohort/data/input_record.h"
#include "cohort/data/prefetcher.h"
#include "cohort/data/shard_cache.h"
#include "cohort/data/shard_source.h"

namespace cohort::data {

namespace {

at::ScalarType torchType(DType dtype) {
  switch (dtype) {
    case DType::kUInt8:
      return at::kByte;
    case DType::kInt8:
      return at::kChar;
    case DType::kInt16:
      return at::kShort;
    case DType::kInt32:
      return at::kInt;
    case DType::kInt64:
      return at::kLong;
    case DType::kFloat32:
      return at::kFloat;
    case DType::kFloat64:
      return at::kDouble;
  }
  return at::kByte;
}

void checkOptions(const LoaderOptions& o) {
  const std::string hint = "see cohort/data/sharded_loader.h for the loader's options";
  if (o.world < 1 || o.rank < 0 || o.rank >= o.world) {
    throw ConfigError("the loader's rank " + std::to_string(o.rank) + " is not in a world of " +
                          std::to_string(o.world),
                      hint);
  }
  if (o.global_batch < 1 || o.global_batch % o.world != 0) {
    throw ConfigError("the global batch " + std::to_string(o.global_batch) +
                          " cannot be split evenly over " + std::to_string(o.world) + " ranks",
                      "pick a global batch that is a multiple of the number of ranks");
  }
  if (o.epoch_samples < 0) throw ConfigError("the loader's epoch_samples is negative", hint);
  if (o.window_shards < 1 || o.threads < 1 || o.prefetch_bytes < 1) {
    throw ConfigError("the loader needs window_shards, threads and prefetch_bytes of at least 1",
                      hint);
  }
}

// [begin, end) of the data set's `samples` that `o` asks for (negative
// counts from the end, end 0 is the end), or a ConfigError naming them.
void resolveRange(const LoaderOptions& o, int64_t samples, int64_t* begin, int64_t* end) {
  *begin = o.first_sample < 0 ? samples + o.first_sample : o.first_sample;
  *end = o.end_sample <= 0 ? samples + o.end_sample : o.end_sample;
  if (*begin < 0 || *end > samples || *begin >= *end) {
    throw ConfigError("the sample range first_sample " + std::to_string(o.first_sample) +
                          ", end_sample " + std::to_string(o.end_sample) + " is [" +
                          std::to_string(*begin) + ", " + std::to_string(*end) + ") of the " +
                          std::to_string(samples) + " samples of " + o.location +
                          ", which is empty or outside them",
                      "pick a range inside the data set (negative values count from its end)");
  }
}

}  // namespace

LoaderOptions LoaderOptions::fromSettings(const Settings& settings, std::string location, int rank,
                                          int world) {
  LoaderOptions o;
  o.location = std::move(location);
  o.rank = rank;
  o.world = world;
  o.storage = storage::StorageOptions::fromSettings(settings);
  o.cache_dir = settings.data_cache_dir;
  o.cache_bytes = static_cast<int64_t>(settings.data_cache_mib * (1 << 20));
  o.prefetch_bytes = static_cast<int64_t>(settings.data_prefetch_mib * (1 << 20));
  o.threads = settings.data_threads;
  o.inputs_dir = settings.logs_dir + "/inputs";
  return o;
}

const at::Tensor& Batch::operator[](const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return columns[i];
  }
  throw ConfigError("the batch has no column '" + name + "'",
                    "use a column name from the data set's index.json");
}

struct ShardedLoader::Impl {
  std::unique_ptr<storage::Storage> storage;
  Manifest manifest;
  std::string fingerprint;
  std::unique_ptr<ShardCache> cache;
  std::unique_ptr<ShardSource> source;
  std::unique_ptr<Prefetcher> prefetcher;
  std::vector<int64_t> shard_samples;
  std::vector<int64_t> shard_first_id;     // file-order index of each shard's first sample
  std::vector<int64_t> shard_first_row;    // the shard's first row in the loader's range
  int64_t range_begin = 0, range_end = 0;  // the samples [begin, end) of file order read
  std::vector<int64_t> shard_bytes;        // decoded size

  uint64_t seed = 0;
  bool shuffle = true;
  int window_shards = 1;
  int64_t epoch = 0;
  int64_t position = 0;
  bool started = false;
  bool restored = false;  // restore() ran and no batch has been taken since
  std::unique_ptr<EpochOrder> order;
  int plan_base = 0;  // the epoch window that is the prefetcher's planned window 0
  std::map<int, std::vector<SampleRef>> windows;  // sample lists of the windows in use

  const std::vector<SampleRef>& window(int w) {
    auto it = windows.find(w);
    if (it == windows.end()) it = windows.emplace(w, order->windowSamples(w)).first;
    return it->second;
  }
};

ShardedLoader::ShardedLoader(LoaderOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  checkOptions(options_);
  Impl& m = *impl_;
  m.storage = storage::openStorage(options_.location, options_.storage);
  std::string index;
  withDataSetAdvice(Manifest::kFileName, [&] { index = m.storage->readAll(Manifest::kFileName); });
  m.manifest = Manifest::parse(index, m.storage->urlOf(Manifest::kFileName));
  m.fingerprint = m.manifest.fingerprint();
  if (options_.rank == 0 && !options_.inputs_dir.empty())
    recordInput(options_.inputs_dir, options_.location, index, m.manifest);
  m.cache = std::make_unique<ShardCache>(options_.cache_dir, options_.cache_bytes);
  m.source = std::make_unique<ShardSource>(*m.storage, *m.cache, m.manifest);
  int64_t first = 0, sample_bytes = 0;
  for (const Column& c : m.manifest.columns) sample_bytes += c.sampleBytes();
  resolveRange(options_, m.manifest.samples, &m.range_begin, &m.range_end);
  for (const ShardEntry& s : m.manifest.shards) {
    // The rows of this shard inside the range (a shard outside it has none).
    const int64_t lo = std::max(m.range_begin, first);
    const int64_t hi = std::min(m.range_end, first + s.samples);
    m.shard_samples.push_back(std::max<int64_t>(0, hi - lo));
    m.shard_first_row.push_back(hi > lo ? lo - first : 0);
    m.shard_first_id.push_back(first);
    m.shard_bytes.push_back(s.samples * sample_bytes);
    first += s.samples;
  }
  m.seed = options_.seed;
  m.shuffle = options_.shuffle;
  m.window_shards = options_.window_shards;
  ShardSource* source = m.source.get();
  m.prefetcher = std::make_unique<Prefetcher>([source](int shard) { return source->load(shard); },
                                              options_.threads, options_.prefetch_bytes);
}

ShardedLoader::~ShardedLoader() = default;

const Manifest& ShardedLoader::manifest() const { return impl_->manifest; }
int64_t ShardedLoader::epoch() const { return impl_->epoch; }
double ShardedLoader::waitSeconds() const { return impl_->prefetcher->waitSeconds(); }

void ShardedLoader::begin() {
  Impl& m = *impl_;
  const LoaderOptions& o = options_;
  m.order =
      std::make_unique<EpochOrder>(m.shard_samples, m.seed, m.epoch, m.window_shards, m.shuffle);
  m.windows.clear();
  m.started = true;
  const int64_t total = epochSize();
  std::vector<std::vector<int>> plan;
  std::vector<char> needed;
  int current = -1;
  for (int64_t p = m.position;;) {
    const StepSlice s = stepSlice(p, total, o.global_batch, o.rank, o.world, o.drop_last);
    if (s.begin == s.end) break;
    for (int64_t pos = s.begin; pos < s.end; ++pos) {
      const int w = m.order->windowAt(pos);
      if (w != current) {
        if (current < 0) m.plan_base = w;
        current = w;
        plan.resize(static_cast<size_t>(w - m.plan_base + 1));
        needed.assign(m.shard_samples.size(), 0);
        m.windows.clear();
      }
      const SampleRef ref = m.window(w)[pos - m.order->windowStart(w)];
      if (!needed[ref.shard]) {
        needed[ref.shard] = 1;
        plan.back().push_back(ref.shard);
      }
    }
    p = s.next_position;
  }
  m.windows.clear();
  m.prefetcher->plan(plan, m.shard_bytes);
}

void ShardedLoader::setEpoch(int64_t epoch) {
  COHORT_CHECK(epoch >= 0, ConfigError, "an epoch number is negative", "count epochs from 0");
  Impl& m = *impl_;
  if (m.restored) {
    // Right after restore(): the usual loop (for epoch = loader.epoch() ...
    // setEpoch(epoch)) continues the restored epoch where it stopped; any
    // other epoch would silently skip what is left of it.
    if (epoch == m.epoch) return;
    COHORT_CHECK(batchesLeft() == 0 && epoch == m.epoch + 1, ConfigError,
                 "setEpoch(" + std::to_string(epoch) +
                     ") right after restore(), which continues epoch " + std::to_string(m.epoch) +
                     " at sample " + std::to_string(m.position) + " of " +
                     std::to_string(epochSize()) + ": the rest of that epoch would be " +
                     (epoch > m.epoch ? "skipped" : "repeated"),
                 "start the epoch loop at loader.epoch() after resuming (setEpoch of that epoch "
                 "continues it), or do not restore the loader");
    m.restored = false;
  }
  impl_->epoch = epoch;
  impl_->position = 0;
  begin();
}

std::optional<Batch> ShardedLoader::next() {
  Impl& m = *impl_;
  m.restored = false;
  if (!m.started) begin();
  const int64_t total = epochSize();
  const StepSlice s = stepSlice(m.position, total, options_.global_batch, options_.rank,
                                options_.world, options_.drop_last);
  if (s.begin == s.end) {
    m.position = total;
    m.prefetcher->releaseBefore(1 << 30);
    return std::nullopt;
  }
  const int64_t n = s.end - s.begin;
  Batch batch;
  std::vector<char*> out;
  for (const Column& c : m.manifest.columns) {
    std::vector<int64_t> sizes = {n};
    sizes.insert(sizes.end(), c.shape.begin(), c.shape.end());
    batch.columns.push_back(at::empty(sizes, at::TensorOptions().dtype(torchType(c.dtype))));
    batch.names.push_back(c.name);
    out.push_back(static_cast<char*>(batch.columns.back().data_ptr()));
  }
  batch.ids = at::empty({n}, at::kLong);
  int64_t* ids = batch.ids.data_ptr<int64_t>();
  std::map<int, std::shared_ptr<const ShardColumns>> shards;  // held for this batch
  for (int64_t pos = s.begin; pos < s.end; ++pos) {
    const int w = m.order->windowAt(pos);
    const SampleRef ref = m.window(w)[pos - m.order->windowStart(w)];
    auto it = shards.find(ref.shard);
    if (it == shards.end())
      it = shards.emplace(ref.shard, m.prefetcher->get(w - m.plan_base, ref.shard)).first;
    const int64_t i = pos - s.begin;
    const int64_t row = m.shard_first_row[ref.shard] + ref.row;
    ids[i] = m.shard_first_id[ref.shard] + row;
    for (size_t c = 0; c < out.size(); ++c) {
      const int64_t bytes = m.manifest.columns[c].sampleBytes();
      std::memcpy(out[c] + i * bytes, it->second->row(c, row), static_cast<size_t>(bytes));
    }
  }
  m.position = s.next_position;
  // Windows this rank will not read again are released (shards freed, prefetch moves on).
  const StepSlice following = stepSlice(m.position, total, options_.global_batch, options_.rank,
                                        options_.world, options_.drop_last);
  const int keep =
      following.begin == following.end ? m.order->numWindows() : m.order->windowAt(following.begin);
  m.prefetcher->releaseBefore(keep - m.plan_base);
  while (!m.windows.empty() && m.windows.begin()->first < keep) m.windows.erase(m.windows.begin());
  return batch;
}

int64_t ShardedLoader::epochSize() const {
  const int64_t all = impl_->range_end - impl_->range_begin;
  return options_.epoch_samples > 0 ? std::min(all, options_.epoch_samples) : all;
}

int64_t ShardedLoader::batchesLeft() const {
  const int64_t total = epochSize();
  const int64_t left = std::max<int64_t>(0, total - impl_->position);
  int64_t batches = left / options_.global_batch;
  if (!options_.drop_last && (left % options_.global_batch) / options_.world > 0) ++batches;
  return batches;
}

int64_t ShardedLoader::batchesPerEpoch() const {
  const int64_t total = epochSize();
  int64_t batches = total / options_.global_batch;
  if (!options_.drop_last && (total % options_.global_batch) / options_.world > 0) ++batches;
  return batches;
}

LoaderState ShardedLoader::state() const {
  const Impl& m = *impl_;
  LoaderState state{m.fingerprint, m.seed, m.shuffle, m.window_shards, m.epoch, m.position};
  if (m.range_begin != 0 || m.range_end != m.manifest.samples) {
    state.first_sample = m.range_begin;
    state.end_sample = m.range_end;
  }
  return state;
}

void ShardedLoader::restore(const LoaderState& state) {
  Impl& m = *impl_;
  if (state.dataset != m.fingerprint) {
    throw ConfigError("the loader state belongs to another data set than " + options_.location +
                          " (its index.json differs)",
                      "resume with the data set the state was taken on, or start the epoch afresh");
  }
  const LoaderState mine = this->state();
  if (state.first_sample != mine.first_sample || state.end_sample != mine.end_sample) {
    const auto range = [&](const LoaderState& s) {
      return s.end_sample == 0
                 ? std::string("all ") + std::to_string(m.manifest.samples)
                 : "[" + std::to_string(s.first_sample) + ", " + std::to_string(s.end_sample) + ")";
    };
    throw ConfigError("the loader state is of samples " + range(state) + " of " +
                          options_.location + ", this loader reads samples " + range(mine),
                      "resume with the sample range the state was taken with (first_sample, "
                      "end_sample: a held-out split of the same size), or start the epoch afresh");
  }
  if (state.position > m.range_end - m.range_begin) {
    throw ConfigError("the loader state's position " + std::to_string(state.position) +
                          " is past the " + std::to_string(m.range_end - m.range_begin) +
                          " samples of " + options_.location,
                      "pass a state taken from this data set");
  }
  // The state defines the order: its seed, shuffle and window replace the options'.
  m.seed = state.seed;
  m.shuffle = state.shuffle;
  m.window_shards = state.window_shards;
  m.epoch = state.epoch;
  m.position = state.position;
  m.restored = true;
  begin();
}

}  // namespace cohort::data
