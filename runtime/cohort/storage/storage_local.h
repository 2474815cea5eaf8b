// Storage on a local disk or an NFS mount: a folder, read with pread and
// written through a temporary file renamed (or, for an exclusive create,
// hard-linked) into place.
//
// Note [No links]
// A name is a path inside the location, and nothing outside it may be read
// or written through one (storage.h). A symbolic link inside the location
// would break that, so an object whose path, below the location, passes
// through a link is refused with a DataError naming the link (the location
// itself may be reached through links). Removing a link removes the link.
#pragma once

#include <functional>

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
  void write(const std::string& name, const std::string& bytes) override;
  // pread straight into the buffer, hashed block by block (no copy through a
  // request's pieces), the kernel told to read the whole file ahead.
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

 protected:
  // pread (See Note [Ranged reads]).
  void requestRange(const std::string& name, int64_t offset, int64_t length,
                    const std::function<bool(const char*, size_t)>& receive) override;

 private:
  // The object's path, checked against Note [No links] (`final_link_ok`: the
  // object itself may be a link, as unlink(2) does not follow it).
  std::string pathOf(const std::string& name, bool final_link_ok = false) const;
  // Creates the folder that holds `path`.
  static void makeParent(const std::string& path);
  // `fill` writes the new content of `path` (See Note [Atomic file writes] in
  // cohort/core/file_io.h); a DataError when it cannot.
  static void writeAtomically(const std::string& path, const std::function<bool(int fd)>& fill);
  std::string folder_;
};

}  // namespace cohort::storage
