#include "train_options.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cohort/core/error.h"

namespace fashion_mnist {

TrainOptions TrainOptions::parse(int argc, char** argv, std::string* help) {
  TrainOptions o;
  CLI::App app("Trains a small CNN on Fashion-MNIST with cohort's DataParallel.", "fashion_mnist");
  app.get_formatter()->column_width(32);
  app.add_option(
         "--data", o.data,
         "packed data set with train/ and test/: a folder, azure://ACCOUNT/CONTAINER/PREFIX or "
         "hdfs://NAMENODE:PORT/path (see cohort-pack)")
      ->capture_default_str();
  app.add_option("--epochs", o.epochs, "passes over the training set")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--batch", o.global_batch, "global batch over all ranks")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  app.add_option("--lr", o.lr, "peak learning rate (see --schedule)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--schedule", o.schedule,
                 "the learning rate over the run: cosine (from --lr to 0) or constant")
      ->capture_default_str()
      ->check(CLI::IsMember({"cosine", "constant"}));
  app.add_option("--optimizer", o.optimizer, "sgd (with --momentum) or adamw")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adamw"}));
  app.add_option("--momentum", o.momentum, "SGD momentum")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--weight-decay", o.weight_decay,
                 "SGD's L2 penalty, or AdamW's decoupled weight decay")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--conv1", o.conv1, "channels of the first convolution")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--conv2", o.conv2, "channels of the second convolution")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--hidden", o.hidden, "units of the hidden fully connected layer")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  app.add_option("--dropout", o.dropout, "dropout before the last layer, while training")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.95));
  app.add_option("--val", o.val,
                 "hold out the last N training images for validation (val_accuracy after each "
                 "epoch; 0: none, and test_accuracy after each epoch instead)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--seed", o.seed, "seed for the weights and the shuffles")->capture_default_str();
  app.add_option("--threads", o.threads,
                 "torch threads per rank (default 1 with several ranks, else torch's)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--max-train", o.max_train, "train on at most N images per epoch (default all)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--device", o.device,
                 "auto (a GPU per rank if there is one, else the CPU), cpu or cuda")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--window", o.window_shards, "shards shuffled together by the loader")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--checkpoint-every", o.checkpoint_every,
                 "also checkpoint every N steps (default: after each epoch only)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--checkpoint-seconds", o.checkpoint_seconds,
                 "also checkpoint when T seconds have passed since the last one")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--keep-checkpoints", o.keep_checkpoints,
                 "keep the newest K checkpoints and the most accurate (0 keeps all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  std::string mode = "async", resume = "auto";
  app.add_option("--checkpoint-mode", mode, "async (write in the background) or sync")
      ->capture_default_str()
      ->check(CLI::IsMember({"async", "sync"}));
  app.add_option("--resume", resume,
                 "auto: continue from the newest sound checkpoint in OUTPUTS/checkpoints; never: "
                 "start afresh")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "never"}));
  app.add_option("--predictions", o.predictions,
                 "write the final model's test-set predictions, one class per line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *help = app.help();
    return o;
  } catch (const CLI::ParseError& e) {
    throw cohort::ConfigError(e.what(), "run with --help for the list of options");
  }
  o.checkpoint_async = mode == "async";
  o.resume = resume == "auto";
  return o;
}

void TrainOptions::checkWorld(int world) const {
  if (global_batch % world != 0) {
    throw cohort::ConfigError(
        "--batch " + std::to_string(global_batch) +
            " (the global batch) cannot be split evenly over " + std::to_string(world) + " ranks",
        "pass a --batch that is a multiple of the number of ranks (" + std::to_string(world) + ")");
  }
}

bool TrainOptions::tunedDefaults() const {
  const TrainOptions d;
  return epochs == d.epochs && global_batch == d.global_batch && lr == d.lr &&
         schedule == d.schedule && optimizer == d.optimizer && momentum == d.momentum &&
         weight_decay == d.weight_decay && conv1 == d.conv1 && conv2 == d.conv2 &&
         hidden == d.hidden && dropout == d.dropout && val == d.val && max_train == d.max_train;
}

std::string TrainOptions::toJson(int world) const {
  return nlohmann::json{{"data", data},
                        {"epochs", epochs},
                        {"global_batch", global_batch},
                        {"lr", lr},
                        {"schedule", schedule},
                        {"optimizer", optimizer},
                        {"momentum", momentum},
                        {"weight_decay", weight_decay},
                        {"conv1", conv1},
                        {"conv2", conv2},
                        {"hidden", hidden},
                        {"dropout", dropout},
                        {"val", val},
                        {"seed", seed},
                        {"max_train", max_train},
                        {"window_shards", window_shards},
                        {"device", device},
                        {"world_size", world}}
      .dump();
}

}  // namespace fashion_mnist
