// The golden test: DataParallel over N ranks gives the gradients that one
// process computes on the concatenated batch, for a model with a shared weight,
// a parameter no rank uses, and one that only rank 0 uses.
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"

namespace {

constexpr int kBatch = 12;  // divisible by 1, 2, 3 and 4 ranks
constexpr int kIn = 8;

// A child that registers a tensor it does not own: the parent's weight.
struct Tied : torch::nn::Module {
  explicit Tied(torch::Tensor w) { weight = register_parameter("weight", w); }
  torch::Tensor weight;
};

struct GoldenNet : torch::nn::Module {
  explicit GoldenNet(int64_t width = 6) {
    embed = register_module("embed", torch::nn::Linear(kIn, width));
    shared = register_parameter("shared", torch::randn({width, width}) * 0.3);
    tied = register_module("tied", std::make_shared<Tied>(shared));
    extra = register_module("extra", torch::nn::Linear(width, width));
    unused = register_module("unused", torch::nn::Linear(width, 3));
    head = register_module("head", torch::nn::Linear(width, 4));
    register_buffer("scale", torch::rand({width}) + 0.5);
  }
  // `extra_rows` marks the rows that go through `extra`; when none do, the
  // branch is skipped and `extra` gets no gradient on this rank.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& extra_rows) {
    return head(hidden(x, extra_rows));
  }
  // Everything before the head.
  torch::Tensor hidden(const torch::Tensor& x, const torch::Tensor& extra_rows) {
    auto h = torch::tanh(embed(x)) * named_buffers()["scale"];
    h = torch::tanh(torch::matmul(h, shared));
    h = torch::tanh(torch::matmul(h, tied->weight.t()));  // the shared weight, used twice
    if (extra_rows.any().item<bool>()) {
      h = h + extra(h) * extra_rows.unsqueeze(1).to(h.dtype());
    }
    return h;
  }
  torch::nn::Linear embed{nullptr}, extra{nullptr}, unused{nullptr}, head{nullptr};
  torch::Tensor shared;
  std::shared_ptr<Tied> tied;
};

struct Batch {
  torch::Tensor x, y, extra_rows;
  Batch slice(int rank, int size) const {
    const int64_t n = x.size(0) / size;
    return {x.narrow(0, rank * n, n), y.narrow(0, rank * n, n), extra_rows.narrow(0, rank * n, n)};
  }
};

// The same global batch on every rank; only rank 0's rows use `extra`, and
// none do without `with_extra`.
Batch globalBatch(int size, int64_t seed, bool with_extra = true) {
  torch::manual_seed(seed);
  Batch b{torch::randn({kBatch, kIn}), torch::randn({kBatch, 4}),
          torch::zeros({kBatch}, torch::kBool)};
  if (with_extra) b.extra_rows.narrow(0, 0, kBatch / size).fill_(true);
  return b;
}

torch::Tensor loss(GoldenNet& net, const Batch& b) {
  return torch::mse_loss(net.forward(b.x, b.extra_rows), b.y);
}

// A single-process copy of `net`'s current weights.
std::shared_ptr<GoldenNet> referenceOf(GoldenNet& net) {
  auto ref = std::make_shared<GoldenNet>();
  torch::NoGradGuard no_grad;
  auto src = net.named_parameters();
  for (auto& item : ref->named_parameters()) item.value().copy_(src[item.key()]);
  auto bufs = net.named_buffers();
  for (auto& item : ref->named_buffers()) item.value().copy_(bufs[item.key()]);
  return ref;
}

void expectSameGradients(GoldenNet& got, GoldenNet& want) {
  auto want_params = want.named_parameters();
  for (auto& item : got.named_parameters()) {
    const auto& g = item.value().grad();
    const auto& w = want_params[item.key()].grad();
    ASSERT_EQ(g.defined(), w.defined()) << item.key();
    if (!w.defined()) continue;
    EXPECT_TRUE(torch::allclose(g, w, 1e-5, 1e-7))
        << item.key() << ": max difference " << (g - w).abs().max().item<double>();
  }
}

cohort::Runtime& rt() { return *cohort::current(); }

class DdpGolden : public ::testing::TestWithParam<double> {};  // bucket cap (MiB)

TEST_P(DdpGolden, GradientsMatchOneProcessOnTheWholeBatch) {
  torch::manual_seed(100 + rt().rank());  // different on purpose: construction must broadcast
  auto net = std::make_shared<GoldenNet>();
  cohort::DataParallel dp(net, rt().comm(), {GetParam(), GetParam()});
  auto ref = referenceOf(*net);

  for (int step = 0; step < 3; ++step) {
    Batch whole = globalBatch(rt().size(), 7 + step);
    net->zero_grad();
    ref->zero_grad();
    loss(*net, whole.slice(rt().rank(), rt().size())).backward();
    loss(*ref, whole).backward();
    expectSameGradients(*net, *ref);
    EXPECT_FALSE(net->unused->weight.grad().defined());
    EXPECT_TRUE(net->extra->weight.grad().defined());  // used on rank 0 only, averaged everywhere
  }
}

TEST_P(DdpGolden, NoSyncAccumulationEqualsOneLargerBatch) {
  torch::manual_seed(5);
  auto net = std::make_shared<GoldenNet>();
  cohort::DataParallel dp(net, rt().comm(), {GetParam(), GetParam()});
  auto ref = referenceOf(*net);
  net->zero_grad();
  ref->zero_grad();
  for (int micro = 0; micro < 3; ++micro) {
    Batch whole = globalBatch(rt().size(), 40 + micro);
    if (micro < 2) {
      auto guard = dp.noSync();
      loss(*net, whole.slice(rt().rank(), rt().size())).backward();
    } else {
      loss(*net, whole.slice(rt().rank(), rt().size())).backward();
    }
    loss(*ref, whole).backward();
  }
  expectSameGradients(*net, *ref);
}

// `extra` gets gradients only in the first micro-batch, inside noSync(): the
// reduction after the last micro-batch must still carry them.
TEST_P(DdpGolden, NoSyncKeepsGradientsOfParametersUsedOnlyInEarlyMicroBatches) {
  torch::manual_seed(6);
  auto net = std::make_shared<GoldenNet>();
  cohort::DataParallel dp(net, rt().comm(), {GetParam(), GetParam()});
  auto ref = referenceOf(*net);
  for (int step = 0; step < 2; ++step) {
    net->zero_grad();
    ref->zero_grad();
    for (int micro = 0; micro < 3; ++micro) {
      Batch whole = globalBatch(rt().size(), 60 + 3 * step + micro, micro == 0);
      if (micro < 2) {
        auto guard = dp.noSync();
        loss(*net, whole.slice(rt().rank(), rt().size())).backward();
      } else {
        loss(*net, whole.slice(rt().rank(), rt().size())).backward();
      }
      loss(*ref, whole).backward();
    }
    expectSameGradients(*net, *ref);
    ASSERT_TRUE(net->extra->weight.grad().defined());
    EXPECT_GT(net->extra->weight.grad().abs().sum().item<double>(), 0);
  }
}

// After the first step every gradient lives in its bucket (Note [Gradient
// buckets]) and stays there; optimizers that drop gradients (set_to_none)
// or replace them still get the right averages.
TEST_P(DdpGolden, GradientsStayInTheirBucketsAndSurviveBeingDropped) {
  torch::manual_seed(8);
  auto net = std::make_shared<GoldenNet>();
  cohort::DataParallel dp(net, rt().comm(), {GetParam(), GetParam()});
  auto ref = referenceOf(*net);
  std::vector<const void*> homes;
  for (int step = 0; step < 5; ++step) {
    if (step == 2 || step == 4) {
      net->zero_grad(/*set_to_none=*/true);
    } else if (step == 3) {
      for (auto& p : net->parameters()) {
        if (p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
      }
    } else {
      net->zero_grad();
    }
    ref->zero_grad();
    Batch whole = globalBatch(rt().size(), 80 + step);
    loss(*net, whole.slice(rt().rank(), rt().size())).backward();
    loss(*ref, whole).backward();
    expectSameGradients(*net, *ref);
    std::vector<const void*> now;
    for (auto& p : net->parameters()) {
      now.push_back(p.grad().defined() ? p.grad().data_ptr() : nullptr);
    }
    if (step == 0) homes = now;
    EXPECT_EQ(now, homes) << "step " << step << ": a gradient moved out of its bucket";
  }
}

INSTANTIATE_TEST_SUITE_P(BucketCaps, DdpGolden,
                         ::testing::Values(25.0, 1e-5),  // one bucket; one per parameter
                         [](const auto& info) { return info.param > 1 ? "Default" : "PerParam"; });

TEST(DdpConstruction, BroadcastsRankZerosWeightsAndBuffers) {
  torch::manual_seed(200 + rt().rank());
  auto net = std::make_shared<GoldenNet>();
  cohort::DataParallel dp(net, rt().comm());
  torch::NoGradGuard no_grad;
  for (auto& item : net->named_parameters()) {
    auto mine = item.value().clone();
    auto theirs = item.value().clone();
    rt().comm().broadcast(theirs, 0);
    EXPECT_TRUE(torch::equal(mine, theirs)) << item.key();
  }
  auto scale = net->named_buffers()["scale"].clone();
  auto rank0 = scale.clone();
  rt().comm().broadcast(rank0, 0);
  EXPECT_TRUE(torch::equal(scale, rank0));
}

TEST(DdpConstruction, DifferentModelsAreAnErrorOnEveryRank) {
  if (rt().size() < 2) GTEST_SKIP() << "needs two ranks";
  auto net = std::make_shared<GoldenNet>(rt().rank() == rt().size() - 1 ? 7 : 6);
  try {
    cohort::DataParallel dp(net, rt().comm());
    FAIL() << "a model that differs across ranks was accepted";
  } catch (const cohort::CommError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("differs across ranks"), std::string::npos) << what;
    EXPECT_NE(what.find("rank " + std::to_string(rt().size() - 1)), std::string::npos) << what;
    // The first tensor that differs: the [width, width] shared weight.
    EXPECT_NE(what.find("'shared Float [7, 7]' here but 'shared Float [6, 6]' on rank 0"),
              std::string::npos)
        << what;
  }
}

TEST(DdpIteration, BackwardBeforeThePreviousReductionFinishedIsAnError) {
  if (rt().size() < 2) GTEST_SKIP() << "with one rank there is no reduction";
  torch::manual_seed(9);
  auto net = std::make_shared<GoldenNet>();
  cohort::DataParallel dp(net, rt().comm(), {1e-5, 1e-5});
  Batch whole = globalBatch(rt().size(), 3);
  Batch mine = whole.slice(rt().rank(), rt().size());
  // A backward that fails part-way, after the head's buckets have started:
  // its reduction never finishes.
  auto cut = net->hidden(mine.x, mine.extra_rows) * 1.0;
  cut.register_hook([](torch::Tensor) -> torch::Tensor { throw std::runtime_error("cut"); });
  auto out = torch::mse_loss(net->head(cut), mine.y);
  EXPECT_THROW(out.backward(), std::exception);
  try {
    loss(*net, mine).backward();
    FAIL() << "a second backward was accepted while the first reduction was unfinished";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("before the previous gradient reduction finished"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
