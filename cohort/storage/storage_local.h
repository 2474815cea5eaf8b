// Storage on a local disk or an NFS mount: a folder, read with pread and
// written through a temporary file renamed (or, for an exclusive create,
// hard-linked) into place.
#pragma once

#include "cohort/storage/storage.h"

namespace cohort::storage {

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
  std::shared_ptr<Buffer> fetch(const std::string& name, int64_t expected_size,
                                Checksum* checksum) override;
  void createLocation() override;
  bool createExclusive(const std::string& name, const std::string& bytes) override;
  void remove(const std::string& name) override;
  // Copies in the kernel (copy_file_range) where it can, through a temporary
  // file renamed into place, fsynced.
  void putFile(const std::string& name, const std::string& path,
               const PutFileOptions& options) override;
  void getFile(const std::string& name, const std::string& path, int64_t expected_size,
               Checksum* checksum) override;

 private:
  // A new temporary file beside `final_path` holding `source`'s first `size`
  // bytes, or `bytes` (when source < 0), fsynced; returns its path.
  std::string writeTemporary(const std::string& final_path, int source, int64_t size,
                             const std::string& bytes);
  std::string folder_;
};

}  // namespace cohort::storage
