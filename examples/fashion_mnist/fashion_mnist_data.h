// Fashion-MNIST as tensors: 60,000 training and 10,000 test images of 28x28
// grey pixels, each labelled with one of 10 kinds of clothing.
#pragma once

#include <torch/types.h>

#include <string>

namespace fashion_mnist {

struct Split {
  torch::Tensor images;  // float [N, 1, 28, 28], normalised
  torch::Tensor labels;  // int64 [N], 0..9

  int64_t size() const { return labels.size(0); }
};

struct FashionMnistData {
  Split train;
  Split test;
  float mean = 0;  // of the training pixels (in [0, 1]), used for both splits
  float stdev = 1;

  // Reads the four idx files from `dir` (each as name.gz or plain name).
  // Throws cohort::DataError naming the file and what is wrong with it.
  static FashionMnistData load(const std::string& dir);
};

}  // namespace fashion_mnist
