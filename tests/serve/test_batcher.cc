// Dynamic batching (Note [Dynamic batching]): requests arriving together run
// as one batch within max_batch rows; max_delay 0 never waits; a full queue
// refuses; a request past its deadline is answered 504 unrun; drain() runs
// what was queued; a throwing model answers 500 to its batch only. Batches
// run on an io_context's thread, as the server's connection threads run them
// (See Note [Batches on the connection threads]).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "cohort/serve/batcher.h"

namespace cohort::serve {
namespace {

using namespace std::chrono_literals;

// A batch runner that notes the rows of each batch and answers each request
// with its rows as one INT64 element.
struct Recorder {
  std::mutex mutex;
  std::vector<int64_t> batch_rows;
  std::chrono::milliseconds hold{0};
  std::atomic<bool> fail{false};

  DynamicBatcher::RunBatch runner() {
    return [this](const std::vector<BatchItem*>& items) {
      std::this_thread::sleep_for(hold);
      if (fail) throw std::runtime_error("the model failed");
      std::vector<BatchResult> results;
      int64_t rows = 0;
      for (auto* item : items) {
        Tensor t;
        t.name = "rows";
        t.type = DataType::kInt64;
        t.shape = {1};
        t.ints = {item->rows};
        results.push_back({200, "", {t}});
        rows += item->rows;
      }
      std::lock_guard<std::mutex> lock(mutex);
      batch_rows.push_back(rows);
      return results;
    };
  }
};

BatchItem item(
    int64_t rows, std::promise<BatchResult>* promise,
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max()) {
  BatchItem i;
  i.rows = rows;
  i.deadline = deadline;
  i.done = [promise](BatchResult r) { promise->set_value(std::move(r)); };
  return i;
}

// An io_context on a thread of its own, as the server's connection threads.
class Batcher : public ::testing::Test {
 protected:
  ~Batcher() override {
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }
  BatchExecutor executor() {
    if (!thread_.joinable()) thread_ = std::thread([this] { ioc_.run(); });
    namespace net = boost::asio;
    return {[this](std::function<void()> task) { net::post(ioc_, std::move(task)); },
            [this](std::chrono::microseconds delay, std::function<void()> task) {
              auto timer = std::make_shared<net::steady_timer>(ioc_, delay);
              timer->async_wait(
                  [timer, task = std::move(task)](const boost::system::error_code&) { task(); });
            }};
  }

 private:
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(ioc_)};
  std::thread thread_;
};

TEST_F(Batcher, RequestsArrivingTogetherShareABatchWithinMaxBatchRows) {
  Recorder rec;
  rec.hold = 50ms;  // the first batch runs while the rest queue up
  DynamicBatcher batcher({/*max_batch=*/8, /*max_delay=*/20ms, /*max_queue=*/100}, rec.runner(),
                         executor());
  std::vector<std::promise<BatchResult>> promises(11);
  for (auto& p : promises) ASSERT_TRUE(batcher.submit(item(1, &p)));
  for (auto& p : promises) EXPECT_EQ(p.get_future().get().status, 200);
  int64_t total = 0;
  for (const int64_t rows : rec.batch_rows) {
    EXPECT_LE(rows, 8);
    total += rows;
  }
  EXPECT_EQ(total, 11);
  EXPECT_LE(rec.batch_rows.size(), 3u) << "11 requests queued together ran in many batches";
  EXPECT_EQ(batcher.stats().rows, 11);
}

TEST_F(Batcher, ARequestLargerThanMaxBatchRunsAlone) {
  Recorder rec;
  DynamicBatcher batcher({4, 1ms, 10}, rec.runner(), executor());
  std::promise<BatchResult> p;
  ASSERT_TRUE(batcher.submit(item(10, &p)));
  const auto r = p.get_future().get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.outputs[0].ints[0], 10);
}

TEST_F(Batcher, ZeroDelayDoesNotWait) {
  Recorder rec;
  DynamicBatcher batcher({64, 0us, 10}, rec.runner(), executor());
  std::promise<BatchResult> p;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(batcher.submit(item(1, &p)));
  EXPECT_EQ(p.get_future().get().status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 50ms);
}

TEST_F(Batcher, ALoneClientIsNotKeptWaiting) {
  Recorder rec;
  DynamicBatcher batcher({64, 200ms, 10}, rec.runner(), executor());
  for (int i = 0; i < 3; ++i) {  // one request at a time, each after the last one's answer
    std::promise<BatchResult> p;
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(batcher.submit(item(1, &p)));
    EXPECT_EQ(p.get_future().get().status, 200);
    const auto took = std::chrono::steady_clock::now() - start;
    if (i > 0) EXPECT_LT(took, 100ms) << "request " << i << " waited for company that cannot come";
  }
}

TEST_F(Batcher, AFullQueueRefusesAtOnce) {
  Recorder rec;
  rec.hold = 200ms;
  DynamicBatcher batcher({1, 0us, 2}, rec.runner(), executor());
  std::vector<std::promise<BatchResult>> promises(4);
  ASSERT_TRUE(batcher.submit(item(1, &promises[0])));
  std::this_thread::sleep_for(20ms);  // the first is running, the queue empty
  EXPECT_TRUE(batcher.submit(item(1, &promises[1])));
  EXPECT_TRUE(batcher.submit(item(1, &promises[2])));
  BatchItem refused = item(1, &promises[3]);
  EXPECT_FALSE(batcher.submit(std::move(refused)));
  EXPECT_TRUE(refused.done) << "a refused item was taken";
  EXPECT_EQ(batcher.stats().refused, 1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(promises[i].get_future().get().status, 200);
}

TEST_F(Batcher, ARequestPastItsDeadlineIs504AndNotRun) {
  Recorder rec;
  rec.hold = 100ms;
  DynamicBatcher batcher({1, 0us, 10}, rec.runner(), executor());
  std::promise<BatchResult> first, late;
  ASSERT_TRUE(batcher.submit(item(1, &first)));
  std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(batcher.submit(item(1, &late, std::chrono::steady_clock::now() + 20ms)));
  EXPECT_EQ(first.get_future().get().status, 200);
  const auto r = late.get_future().get();
  EXPECT_EQ(r.status, 504);
  EXPECT_NE(r.error.find("deadline"), std::string::npos);
  batcher.drain();
  EXPECT_EQ(rec.batch_rows.size(), 1u) << "the late request ran";
  EXPECT_EQ(batcher.stats().expired, 1);
}

TEST_F(Batcher, DrainRunsWhatWasQueuedAndRefusesMore) {
  Recorder rec;
  rec.hold = 30ms;
  DynamicBatcher batcher({1, 0us, 100}, rec.runner(), executor());
  std::vector<std::promise<BatchResult>> promises(5);
  for (auto& p : promises) ASSERT_TRUE(batcher.submit(item(1, &p)));
  batcher.drain();
  for (auto& p : promises) EXPECT_EQ(p.get_future().get().status, 200);
  std::promise<BatchResult> after;
  EXPECT_FALSE(batcher.submit(item(1, &after)));
}

TEST_F(Batcher, AThrowingModelAnswers500ToItsBatchOnly) {
  Recorder rec;
  DynamicBatcher batcher({1, 0us, 10}, rec.runner(), executor());
  rec.fail = true;
  std::promise<BatchResult> bad;
  ASSERT_TRUE(batcher.submit(item(1, &bad)));
  const auto r = bad.get_future().get();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.error, "the model failed");
  rec.fail = false;
  std::promise<BatchResult> good;
  ASSERT_TRUE(batcher.submit(item(1, &good)));
  EXPECT_EQ(good.get_future().get().status, 200);
}

}  // namespace
}  // namespace cohort::serve
