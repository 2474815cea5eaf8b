#include "fashion_mnist_data.h"

#include <filesystem>

#include "cohort/core/error.h"
#include "idx_file.h"

namespace fashion_mnist {

namespace {

constexpr int64_t kSide = 28;
constexpr int64_t kClasses = 10;
const char* kInstallHint =
    "install the data with 'apt-get install dataset-fashion-mnist', or pass --data DIR "
    "naming a folder with the four Fashion-MNIST idx files";
const char* kDamagedHint =
    "the file is damaged: reinstall it ('apt-get install --reinstall dataset-fashion-mnist') "
    "or pass --data DIR naming a folder with intact copies";

// `dir`/`name`.gz, else `dir`/`name`.
std::string findFile(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) {
    throw cohort::DataError("the data folder " + dir + " does not exist", kInstallHint);
  }
  for (const fs::path& candidate : {fs::path(dir) / (name + ".gz"), fs::path(dir) / name}) {
    if (fs::is_regular_file(candidate)) return candidate.string();
  }
  throw cohort::DataError("neither " + name + ".gz nor " + name + " is in " + dir, kInstallHint);
}

// Images as uint8 [N, 1, 28, 28] and labels as int64 [N], checked against each other.
Split readSplit(const std::string& dir, const std::string& prefix) {
  const IdxFile images =
      IdxFile::read(findFile(dir, prefix + "-images-idx3-ubyte"), 3, kDamagedHint);
  const IdxFile labels =
      IdxFile::read(findFile(dir, prefix + "-labels-idx1-ubyte"), 1, kDamagedHint);
  if (images.dims()[1] != kSide || images.dims()[2] != kSide) {
    throw cohort::DataError(images.path() + " holds " + std::to_string(images.dims()[1]) + "x" +
                                std::to_string(images.dims()[2]) + " images, not 28x28",
                            kDamagedHint);
  }
  if (images.count() != labels.count()) {
    throw cohort::DataError(
        images.path() + " holds " + std::to_string(images.count()) + " images but " +
            labels.path() + " holds " + std::to_string(labels.count()) + " labels",
        "the images and labels must come from the same split: reinstall dataset-fashion-mnist "
        "or pass --data DIR naming a folder with matching copies");
  }
  for (size_t i = 0; i < labels.values().size(); ++i) {
    if (labels.values()[i] >= kClasses) {
      throw cohort::DataError(labels.path() + ": label " + std::to_string(i) + " is " +
                                  std::to_string(labels.values()[i]) + ", outside 0..9",
                              kDamagedHint);
    }
  }

  const int64_t n = images.count();
  auto bytes = [](const IdxFile& f) { return const_cast<uint8_t*>(f.values().data()); };
  Split split;
  split.images = torch::from_blob(bytes(images), {n, 1, kSide, kSide}, torch::kUInt8).clone();
  split.labels = torch::from_blob(bytes(labels), {n}, torch::kUInt8).to(torch::kInt64);
  return split;
}

}  // namespace

FashionMnistData FashionMnistData::load(const std::string& dir) {
  FashionMnistData data;
  data.train = readSplit(dir, "train");
  data.test = readSplit(dir, "t10k");

  // Pixels to [0, 1], then to zero mean and unit variance using the training
  // set's statistics (about 0.286 and 0.353).
  torch::Tensor train = data.train.images.to(torch::kFloat32).div_(255);
  data.mean = train.mean().item<float>();
  data.stdev = train.std().item<float>();
  data.train.images = train.sub_(data.mean).div_(data.stdev);
  data.test.images =
      data.test.images.to(torch::kFloat32).div_(255).sub_(data.mean).div_(data.stdev);
  return data;
}

}  // namespace fashion_mnist
