// Storage on a local disk or an NFS mount: a folder, read with pread and
// written through a temporary file renamed into place.
#pragma once

#include "cohort/data/storage.h"

namespace cohort::data {

class LocalStorage : public Storage {
 public:
  explicit LocalStorage(std::string folder);

  std::string location() const override { return folder_; }
  std::string urlOf(const std::string& name) const override;
  std::vector<ObjectInfo> list() override;
  bool exists(const std::string& name) override;
  int64_t size(const std::string& name) override;
  void read(const std::string& name, int64_t offset, int64_t length, char* out) override;
  void write(const std::string& name, const std::string& bytes) override;
  std::shared_ptr<Buffer> fetch(const std::string& name, int64_t expected_size, Checksum* checksum) override;

 private:
  std::string folder_;
};

}  // namespace cohort::data
