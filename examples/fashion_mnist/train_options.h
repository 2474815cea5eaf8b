// The example's command line (CLI11).
#pragma once

#include <cstdint>
#include <string>

#include "cohort/models/conv_net.h"

namespace fashion_mnist {

struct TrainOptions {
  // The packed data set: LOCATION/train and LOCATION/test (cohort-pack --fashion-mnist).
  std::string data = "data/fashion-mnist";
  int epochs = 8;
  int64_t global_batch = 64;  // over all ranks; each rank takes global_batch / world
  double lr = 0.0290015218805991;
  double momentum = 0.8420517692135139;        // SGD's (--optimizer sgd)
  std::string optimizer = "sgd";               // sgd (with momentum) or adamw
  double weight_decay = 6.48102528491268e-06;  // SGD's L2, or AdamW's decoupled decay
  std::string schedule = "cosine";  // the learning rate over the run: cosine (to 0) or constant
  // The defaults of the model and its training are the best trial of
  // examples/fashion_mnist/sweep.yaml (docs/sweep.md), to the digit, so that
  // they are what was measured: 0.923 test accuracy after 8 epochs, about
  // 3.2 minutes on 2 ranks of a 2-core machine
  // (bench/sweep/results/example_seeds.csv).
  // The model (cohort/models/conv_net.h): the convolutions' channels, the hidden layer, its
  // dropout.
  int conv1 = static_cast<int>(cohort::models::ConvNetSizes{}.conv1);
  int conv2 = static_cast<int>(cohort::models::ConvNetSizes{}.conv2);
  int hidden = static_cast<int>(cohort::models::ConvNetSizes{}.hidden);
  double dropout = cohort::models::ConvNetSizes{}.dropout;
  // The last `val` training images are held out: val_accuracy after each
  // epoch is measured on them (a sweep's metric), test_accuracy once at the end.
  int64_t val = 5000;
  uint64_t seed = 1;
  int threads =
      0;  // torch intra-op threads per rank; 0: 1 with several ranks, else torch's default
  int64_t max_train = 0;        // 0: all training images; else at most this many per epoch
  int window_shards = 4;        // shards whose samples are shuffled together
  std::string device = "auto";  // auto, cpu or cuda
  // Checkpoints (OUTPUTS/checkpoints): after every epoch, and every N steps / T seconds if set.
  int64_t checkpoint_every = 0;
  double checkpoint_seconds = 0;
  int keep_checkpoints = 3;      // the newest K (0: all), plus the best by validation accuracy
  bool checkpoint_async = true;  // --checkpoint-mode async|sync
  bool resume = true;            // --resume auto|never
  std::string predictions;  // write the test-set predictions here (one per line, data set order)

  // Parses the command line. `help` is set to the help text when --help is
  // given (the caller prints it and exits 0, before starting MPI). Throws
  // cohort::ConfigError for an unknown option or a missing or malformed value.
  static TrainOptions parse(int argc, char** argv, std::string* help);

  // Whether the model and its training are the defaults, the sweep's best
  // trial (the data, the checkpoints and the threads may differ).
  bool tunedDefaults() const;

  // A ConfigError when `world` ranks cannot share the global batch evenly.
  void checkWorld(int world) const;

  // The options as a JSON object (saved in checkpoints and model.json).
  std::string toJson(int world) const;
};

}  // namespace fashion_mnist
