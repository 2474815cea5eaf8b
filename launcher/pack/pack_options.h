// cohort-pack's command line.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cohort_pack {

struct PackOptions {
  std::string to;             // the data set's location
  std::string fashion_mnist;  // a folder of Fashion-MNIST idx files: packs train/ and test/
  std::vector<std::pair<std::string, std::string>> idx;  // column name, idx file
  std::vector<std::pair<std::string, std::string>> npy;  // column name, .npy file
  double shard_mb = 16;
  int64_t shard_samples = 0;  // 0: from shard_mb
  bool force = false;
  bool sha256 = false;  // SHA-256 checksums instead of XXH3-128
  bool create_container = false;
  bool help = false;

  // Throws cohort::ConfigError for unknown options, missing values, or a
  // combination that says nothing or too much.
  static PackOptions parse(int argc, char** argv);
  // The text of --help.
  static std::string usage();
};

}  // namespace cohort_pack
