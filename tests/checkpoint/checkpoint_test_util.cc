#include "checkpoint_test_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace cohort::test {

SharedTempDir::SharedTempDir(Communicator& comm) : comm_(comm) {
  std::string mine;
  if (comm.rank() == 0) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/cohort_checkpoint_test.XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    mine = pattern;
  }
  path_ = rank0Text(comm, mine);
}

SharedTempDir::~SharedTempDir() {
  try {
    comm_.barrier();
  } catch (...) {
    // A broken communicator fails the test elsewhere; the folder is still removed.
  }
  if (comm_.rank() == 0) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
}

bool rank0Says(Communicator& comm, bool mine) {
  at::Tensor flag = torch::tensor({mine ? 1 : 0}, torch::kInt);
  comm.broadcast(flag, 0);
  return flag.item<int>() != 0;
}

std::string rank0Text(Communicator& comm, const std::string& mine) {
  at::Tensor size = torch::tensor({static_cast<int64_t>(mine.size())}, torch::kLong);
  comm.broadcast(size, 0);
  at::Tensor bytes = torch::zeros({size.item<int64_t>()}, torch::kUInt8);
  if (comm.rank() == 0 && !mine.empty()) std::memcpy(bytes.data_ptr(), mine.data(), mine.size());
  comm.broadcast(bytes, 0);
  return std::string(static_cast<const char*>(bytes.data_ptr()),
                     static_cast<size_t>(bytes.numel()));
}

SmallNet::SmallNet(int64_t hidden, int64_t out, const std::string& head_name) {
  fc = register_module("fc", torch::nn::Linear(5, hidden));
  bn = register_module("bn", torch::nn::BatchNorm1d(hidden));
  head = register_module(head_name, torch::nn::Linear(hidden, out));
}

torch::Tensor SmallNet::forward(const torch::Tensor& x) { return head(torch::tanh(bn(fc(x)))); }

void trainStep(SmallNet& net, optim::FusedOptimizer& optimizer) {
  net.train();
  const torch::Tensor x = torch::randn({8, 5});
  const torch::Tensor y = torch::randn({8, net.head->options.out_features()});
  optimizer.zeroGrad();
  torch::mse_loss(net.forward(x), y).backward();
  optimizer.step();
}

bool sameBytes(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  const at::Tensor ca = a.contiguous(), cb = b.contiguous();
  return ca.nbytes() == cb.nbytes() &&
         (ca.nbytes() == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0);
}

void flipBit(const fs::path& file, int64_t offset) {
  const int fd = ::open(file.c_str(), O_RDWR);
  if (fd < 0) throw std::runtime_error("cannot open " + file.string());
  if (offset < 0) offset = static_cast<int64_t>(fs::file_size(file)) / 2;
  unsigned char byte = 0;
  const bool ok =
      ::pread(fd, &byte, 1, offset) == 1 && (byte ^= 0x10, ::pwrite(fd, &byte, 1, offset) == 1);
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot flip a bit of " + file.string());
}

checkpoint::NamedTensors cloneAll(const checkpoint::NamedTensors& tensors) {
  checkpoint::NamedTensors copies;
  for (const auto& [name, t] : tensors) copies.emplace_back(name, t.detach().clone());
  return copies;
}

checkpoint::CheckpointPolicy keepAll(bool async) {
  checkpoint::CheckpointPolicy policy;
  policy.async = async;
  policy.retention.keep_last = 0;
  return policy;
}

std::string readLatest(const fs::path& checkpoints) {
  std::ifstream in(checkpoints / "latest");
  std::string name;
  in >> name;
  return name;
}

}  // namespace cohort::test
