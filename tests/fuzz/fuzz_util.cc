#include "fuzz_util.h"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace cohort::fuzz {

namespace fs = std::filesystem;

std::vector<std::string> parts(const uint8_t* data, size_t size, size_t n) {
  FuzzedDataProvider provider(data, size);
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < n; ++i) out.push_back(provider.ConsumeRandomLengthString());
  out.push_back(provider.ConsumeRemainingBytesAsString());
  return out;
}

Scratch& Scratch::get() {
  static Scratch scratch;
  return scratch;
}

Scratch::Scratch() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/cohort-fuzz.XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make " + pattern);
  path_ = pattern;
  static const fs::path* removed_at_exit = &path_;
  std::atexit([] {
    std::error_code ignored;
    fs::remove_all(*removed_at_exit, ignored);
  });
}

const fs::path& Scratch::clear() {
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(path_, ignored)) {
    fs::remove_all(entry.path(), ignored);
  }
  return path_;
}

fs::path Scratch::write(const std::string& name, const std::string& bytes) const {
  const fs::path file = path_ / name;
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

}  // namespace cohort::fuzz
