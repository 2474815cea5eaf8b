// The example's command line.
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
  double momentum = 0.9;
  uint64_t seed = 1;
  int threads =
      0;  // torch intra-op threads per rank; 0: 1 with several ranks, else torch's default
  int64_t max_train = 0;  // 0: all training images; else at most this many per epoch
  int window_shards = 4;  // shards whose samples are shuffled together
  std::string device = "auto";  // auto, cpu or cuda
  // Checkpoints (OUTPUTS/checkpoints): after every epoch, and every N steps / T seconds if set.
  int64_t checkpoint_every = 0;
  double checkpoint_seconds = 0;
  int keep_checkpoints = 3;      // the newest K (0: all), plus the best by test accuracy
  bool checkpoint_async = true;  // --checkpoint-mode async|sync
  bool resume = true;            // --resume auto|never
  std::string predictions;       // write the test-set predictions here (one per line, data set order)
  bool help = false;

  // Parses --name VALUE or --name=VALUE. Throws cohort::ConfigError for an
  // unknown option, a missing or malformed value, or a global batch that
  // `world` ranks cannot share evenly.
  static TrainOptions parse(int argc, char** argv, int world);

  static std::string usage(const std::string& program);

  // The options as a JSON object (saved in checkpoints and model.json).
  std::string toJson(int world) const;
};

}  // namespace fashion_mnist
