// The example's command line (CLI11).
#pragma once

#include <cstdint>
#include <string>

namespace fashion_mnist {

struct TrainOptions {
  // The packed data set: LOCATION/train and LOCATION/test (cohort-pack --fashion-mnist).
  std::string data = "data/fashion-mnist";
  int epochs = 3;
  int64_t global_batch = 64;  // over all ranks; each rank takes global_batch / world
  double lr = 0.05;
  double momentum = 0.9;            // SGD's (--optimizer sgd)
  std::string optimizer = "sgd";    // sgd (with momentum) or adamw
  double weight_decay = 0;          // SGD's L2 term, or AdamW's decoupled decay
  std::string schedule = "cosine";  // the learning rate over the run: cosine (to 0) or constant
  // The model (conv_net.h): the convolutions' channels, the hidden layer, its dropout.
  int conv1 = 16;
  int conv2 = 32;
  int hidden = 128;
  double dropout = 0;
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

  // A ConfigError when `world` ranks cannot share the global batch evenly.
  void checkWorld(int world) const;

  // The options as a JSON object (saved in checkpoints and model.json).
  std::string toJson(int world) const;
};

}  // namespace fashion_mnist
