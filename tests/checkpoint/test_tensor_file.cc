// writeTensorFile / readTensorFile: every dtype a checkpoint stores comes
// back bit for bit (NaN payloads, negative zeros and all), with its shape --
// 0-d and empty tensors too -- and the root attributes. Each rank works in
// its own folder; there are no collectives besides the shared folder's.
#include <gtest/gtest.h>
#include <torch/utils.h>

#include <fstream>

#include "checkpoint_test_util.h"
#include "cohort/checkpoint/tensor_file.h"
#include "cohort/core/error.h"
#include "cohort/world/runtime.h"

namespace cohort::test {
namespace {

using checkpoint::NamedTensors;

const std::vector<at::ScalarType> kDtypes = {at::kFloat, at::kDouble, at::kHalf, at::kBFloat16,
                                             at::kByte,  at::kBool,   at::kChar, at::kShort,
                                             at::kInt,   at::kLong};

// A tensor of `shape` whose bytes are random (any bit pattern of the type;
// bool takes only 0 and 1).
at::Tensor randomTensor(at::ScalarType dtype, std::vector<int64_t> shape) {
  if (dtype == at::kBool) return torch::randint(0, 2, shape, torch::kUInt8).to(torch::kBool);
  const int64_t element = static_cast<int64_t>(c10::elementSize(dtype));
  std::vector<int64_t> byte_shape = shape;
  if (byte_shape.empty()) byte_shape = {1};
  byte_shape.back() *= element;
  at::Tensor t = torch::randint(0, 256, byte_shape, torch::kUInt8).view(dtype);
  return t.reshape(shape).contiguous();
}

const at::Tensor* find(const NamedTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

class TensorFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = dir_.path() / ("rank-" + std::to_string(current()->rank()));
    fs::create_directories(folder_);
  }
  SharedTempDir dir_{current()->comm()};
  fs::path folder_;
};

TEST_F(TensorFileTest, EveryDtypeRoundTripsBitExact) {
  torch::manual_seed(1234 + current()->rank());
  NamedTensors written;
  for (at::ScalarType dtype : kDtypes) {
    const std::string name = c10::toString(dtype);
    written.emplace_back(name + ".matrix", randomTensor(dtype, {3, 4, 5}));
    written.emplace_back(name + ".vector", randomTensor(dtype, {17}));
    written.emplace_back(name + ".scalar", randomTensor(dtype, {}));
    written.emplace_back(name + ".empty", randomTensor(dtype, {0}));
    written.emplace_back(name + ".empty_rows", randomTensor(dtype, {2, 0, 3}));
  }
  // Values that a conversion would not keep.
  written.emplace_back("special.float",
                       torch::tensor({-0.0f, std::numeric_limits<float>::quiet_NaN(),
                                      std::numeric_limits<float>::infinity(), 1e-45f}));
  written.emplace_back("layer.0.weight", randomTensor(at::kFloat, {2, 2}));
  const std::map<std::string, std::string> attributes = {
      {"kind", "test"}, {"empty", ""}, {"unicode", "π ≈ 3.14159"}, {"json", R"({"a": [1, 2]})"}};
  const std::string path = (folder_ / "all.h5").string();
  checkpoint::writeTensorFile(path, written, attributes);

  const checkpoint::TensorFile read = checkpoint::readTensorFile(path);
  EXPECT_EQ(read.tensors.size(), written.size());
  for (const auto& [name, tensor] : written) {
    const at::Tensor* back = find(read.tensors, name);
    ASSERT_NE(back, nullptr) << name << " is missing";
    EXPECT_EQ(back->scalar_type(), tensor.scalar_type()) << name;
    EXPECT_EQ(back->sizes(), tensor.sizes()) << name;
    EXPECT_EQ(back->dim(), tensor.dim()) << name;
    EXPECT_TRUE(sameBytes(*back, tensor)) << name << " changed";
  }
  for (const auto& [key, value] : attributes) {
    ASSERT_TRUE(read.attributes.count(key)) << key;
    EXPECT_EQ(read.attributes.at(key), value) << key;
  }
  // Name order, as the header promises.
  for (size_t i = 1; i < read.tensors.size(); ++i) {
    EXPECT_LT(read.tensors[i - 1].first, read.tensors[i].first);
  }
}

TEST_F(TensorFileTest, ReplacesAnExistingFile) {
  const std::string path = (folder_ / "twice.h5").string();
  checkpoint::writeTensorFile(path, {{"a", torch::ones({1000})}, {"b", torch::ones({3})}}, {});
  checkpoint::writeTensorFile(path, {{"a", torch::full({2}, 7.0)}}, {{"kind", "second"}});
  const auto read = checkpoint::readTensorFile(path);
  ASSERT_EQ(read.tensors.size(), 1u);
  EXPECT_TRUE(sameBytes(read.tensors[0].second, torch::full({2}, 7.0)));
  EXPECT_EQ(read.attributes.at("kind"), "second");
}

TEST_F(TensorFileTest, UnsupportedDtypeNamesTheTensor) {
  const std::string path = (folder_ / "complex.h5").string();
  try {
    checkpoint::writeTensorFile(
        path, {{"ok", torch::ones({2})}, {"rotor", torch::ones({2}, torch::kComplexFloat)}}, {});
    FAIL() << "a complex tensor was written";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rotor"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ComplexFloat"), std::string::npos) << e.what();
    EXPECT_FALSE(e.hint().empty());
  }
}

TEST_F(TensorFileTest, UnwritableAndUnreadableFilesGiveErrors) {
  // A folder that does not exist (below a regular file: not even root can create it).
  std::ofstream(folder_ / "plain").put('x');
  const std::string bad = (folder_ / "plain" / "x.h5").string();
  try {
    checkpoint::writeTensorFile(bad, {{"a", torch::ones({2})}}, {});
    FAIL() << "wrote below a regular file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    EXPECT_FALSE(e.hint().empty());
  }
  // Not HDF5 at all, and missing.
  std::ofstream(folder_ / "text.h5") << "not an HDF5 file\n";
  EXPECT_THROW(checkpoint::readTensorFile((folder_ / "text.h5").string()), DataError);
  EXPECT_THROW(checkpoint::readTensorFile((folder_ / "missing.h5").string()), DataError);
}

}  // namespace
}  // namespace cohort::test
