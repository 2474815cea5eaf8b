#include "train_options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <type_traits>

#include "cohort/core/error.h"
#include "cohort/core/json_writer.h"

namespace fashion_mnist {

namespace {

const char* kSeeUsage = "run with --help for the list of options";

// The whole of `text` as a number of type T, or a ConfigError naming the option.
template <typename T>
T parseNumber(const std::string& option, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  T value;
  if constexpr (std::is_floating_point_v<T>) {
    value = static_cast<T>(std::strtod(text.c_str(), &end));
  } else {
    value = static_cast<T>(std::strtoll(text.c_str(), &end, 10));
  }
  if (text.empty() || *end != '\0' || errno == ERANGE) {
    throw cohort::ConfigError(option + " takes a number, not '" + text + "'", kSeeUsage);
  }
  return value;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

void requireAtLeast(const std::string& option, double value, double least) {
  if (value < least) {
    throw cohort::ConfigError(option + " must be at least " + number(least), kSeeUsage);
  }
}

}  // namespace

TrainOptions TrainOptions::parse(int argc, char** argv, int world) {
  TrainOptions o;
  using Setter = std::function<void(const std::string& name, const std::string& value)>;
  const std::map<std::string, Setter> setters = {
      {"--data", [&](auto&, auto& v) { o.data = v; }},
      {"--window", [&](auto& n, auto& v) { o.window_shards = parseNumber<int>(n, v); }},
      {"--epochs", [&](auto& n, auto& v) { o.epochs = parseNumber<int>(n, v); }},
      {"--batch", [&](auto& n, auto& v) { o.global_batch = parseNumber<int64_t>(n, v); }},
      {"--lr", [&](auto& n, auto& v) { o.lr = parseNumber<double>(n, v); }},
      {"--momentum", [&](auto& n, auto& v) { o.momentum = parseNumber<double>(n, v); }},
      {"--seed", [&](auto& n, auto& v) { o.seed = parseNumber<uint64_t>(n, v); }},
      {"--threads", [&](auto& n, auto& v) { o.threads = parseNumber<int>(n, v); }},
      {"--max-train", [&](auto& n, auto& v) { o.max_train = parseNumber<int64_t>(n, v); }},
      {"--checkpoint-every", [&](auto& n, auto& v) { o.checkpoint_every = parseNumber<int64_t>(n, v); }},
      {"--checkpoint-seconds", [&](auto& n, auto& v) { o.checkpoint_seconds = parseNumber<double>(n, v); }},
      {"--keep-checkpoints", [&](auto& n, auto& v) { o.keep_checkpoints = parseNumber<int>(n, v); }},
      {"--checkpoint-mode", [&](auto& n, auto& v) {
         if (v != "async" && v != "sync") {
           throw cohort::ConfigError(n + " takes async or sync, not '" + v + "'", kSeeUsage);
         }
         o.checkpoint_async = v == "async";
       }},
      {"--resume", [&](auto& n, auto& v) {
         if (v != "auto" && v != "never") {
           throw cohort::ConfigError(n + " takes auto or never, not '" + v + "'", kSeeUsage);
         }
         o.resume = v == "auto";
       }},
      {"--predictions", [&](auto&, auto& v) { o.predictions = v; }},
      {"--device", [&](auto& n, auto& v) {
         if (v != "auto" && v != "cpu" && v != "cuda") {
           throw cohort::ConfigError(n + " takes auto, cpu or cuda, not '" + v + "'", kSeeUsage);
         }
         o.device = v;
       }},
  };

  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--help" || name == "-h") {
      o.help = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const auto setter = setters.find(name);
    if (setter == setters.end()) {
      throw cohort::ConfigError("unknown option '" + name + "'", kSeeUsage);
    }
    if (!has_value) {
      if (i + 1 >= argc) throw cohort::ConfigError(name + " needs a value", kSeeUsage);
      value = argv[++i];
    }
    setter->second(name, value);
  }

  requireAtLeast("--epochs", o.epochs, 1);
  requireAtLeast("--batch", static_cast<double>(o.global_batch), 1);
  requireAtLeast("--lr", o.lr, 0);
  requireAtLeast("--momentum", o.momentum, 0);
  requireAtLeast("--threads", o.threads, 0);
  requireAtLeast("--max-train", static_cast<double>(o.max_train), 0);
  requireAtLeast("--window", o.window_shards, 1);
  requireAtLeast("--checkpoint-every", static_cast<double>(o.checkpoint_every), 0);
  requireAtLeast("--checkpoint-seconds", o.checkpoint_seconds, 0);
  requireAtLeast("--keep-checkpoints", o.keep_checkpoints, 0);
  if (o.global_batch % world != 0) {
    throw cohort::ConfigError(
        "--batch " + std::to_string(o.global_batch) +
            " (the global batch) cannot be split evenly over " + std::to_string(world) + " ranks",
        "pass a --batch that is a multiple of the number of ranks (" + std::to_string(world) + ")");
  }
  return o;
}

std::string TrainOptions::usage(const std::string& program) {
  const TrainOptions d;
  std::string text = "usage: " + program + " [options]   (trains a small CNN on Fashion-MNIST)\n";
  auto line = [&](const char* option, const std::string& meaning) {
    char padded[32];
    std::snprintf(padded, sizeof padded, "  %-22s ", option);
    text += padded + meaning + "\n";
  };
  line("--data LOCATION", "packed data set with train/ and test/: a folder, azure://ACCOUNT/CONTAINER/PREFIX");
  line("", "or hdfs://NAMENODE:PORT/path (default " + d.data + "; see cohort-pack)");
  line("--epochs N", "passes over the training set (default " + number(d.epochs) + ")");
  line("--batch N", "global batch over all ranks (default " + number(d.global_batch) + ")");
  line("--lr X", "peak SGD learning rate, cosine-decayed to 0 (default " + number(d.lr) + ")");
  line("--momentum X", "SGD momentum (default " + number(d.momentum) + ")");
  line("--seed N", "seed for the weights and the shuffles (default " + number(d.seed) + ")");
  line("--threads N", "torch threads per rank (default 1 with several ranks, else torch's)");
  line("--max-train N", "train on at most N images per epoch (default all)");
  line("--device D", "auto (a GPU per rank if there is one, else the CPU), cpu or cuda");
  line("--window N", "shards shuffled together by the loader (default " + number(d.window_shards) + ")");
  line("--checkpoint-every N", "also checkpoint every N steps (default: after each epoch only)");
  line("--checkpoint-seconds T", "also checkpoint when T seconds have passed since the last one");
  line("--keep-checkpoints K", "keep the newest K checkpoints and the most accurate (default " +
                                   number(d.keep_checkpoints) + "; 0 keeps all)");
  line("--checkpoint-mode M", "async (write in the background, the default) or sync");
  line("--resume R", "auto: continue from the newest sound checkpoint in OUTPUTS/checkpoints (default);");
  line("", "never: start afresh (older checkpoints are deleted as new ones are kept)");
  line("--predictions FILE", "write the final model's test-set predictions, one class per line");
  line("--help", "print this and exit");
  return text;
}

std::string TrainOptions::toJson(int world) const {
  cohort::JsonWriter w;
  w.beginObject();
  w.key("data").value(data);
  w.key("epochs").value(epochs);
  w.key("global_batch").value(static_cast<long long>(global_batch));
  w.key("lr").value(lr);
  w.key("momentum").value(momentum);
  w.key("seed").value(static_cast<long long>(seed));
  w.key("max_train").value(static_cast<long long>(max_train));
  w.key("window_shards").value(window_shards);
  w.key("device").value(device);
  w.key("world_size").value(world);
  w.endObject();
  return w.text();
}

}  // namespace fashion_mnist
