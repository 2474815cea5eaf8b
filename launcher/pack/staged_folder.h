// A local data set replaced whole.
//
// Note [Whole replacement]
// cohort-pack writes a local data set into a hidden folder beside its
// destination (.NAME.pack-PID.RANDOM: the same file system; with the old
// folder's mode when it replaces one) and swaps it in when
// every shard and index.json are written: renameat2(RENAME_EXCHANGE) when the
// destination exists (the old set then lies in the hidden folder, which is
// removed), rename(2) when it does not. A reader sees the old set or the new
// one, never a mix, and a pack that fails leaves the destination as it was
// and no hidden folder. Since the folder is replaced whole, it may hold only
// what a data set holds (index.json and shard-*.h5): checkLocalDestination
// refuses any other file before anything is written.
#pragma once

#include <string>

namespace cohort_pack {

// Throws cohort::ConfigError unless the local folder `destination` can be
// replaced whole: it does not exist, or is a folder holding nothing but a
// data set's files -- and no index.json unless `replace`.
void checkLocalDestination(const std::string& destination, bool replace);

class StagedFolder {
 public:
  // Creates the hidden folder beside `destination` (and the folders above it).
  // Throws cohort::DataError when it cannot.
  explicit StagedFolder(std::string destination);
  // Removes the hidden folder: what was written, or after commit() the old set.
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  // Where to write the data set.
  const std::string& path() const { return staging_; }
  // Swaps the written folder in for the destination (see the Note).
  void commit();

 private:
  std::string destination_;
  std::string staging_;
};

}  // namespace cohort_pack
