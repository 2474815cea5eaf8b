// One layer of an image: the files and folders it holds, where each goes in
// the image, and where its bytes come from.
//
// Note [Reproducible layers]
// The same content gives the same layer, byte for byte, so that two builds
// of one image have one digest and a rebuild can keep a layer it already has:
//   - entries are written in path order, every folder before what it holds
//     (a folder no entry names is added, root's, 0755);
//   - the tar stream fixes what would vary (See tar_writer.h): every mtime is
//     0, owners are numbers, nothing else is kept of the host's files but
//     their bytes and the mode given here;
//   - the gzip header has no name and a time of 0 (gzip_writer.h), at a fixed
//     level; the compressed bytes then depend only on zlib's version;
//   - the content key (contentKey) is the sha256 of every entry's header
//     fields and of every file's sha256: two layers with one key have the
//     same tar stream, so a layer found under the same key in the image
//     being replaced is kept instead of written again (oci_layout.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/image/tar_writer.h"

namespace cohort::image {

struct LayerEntry {
  std::string path;  // in the image, relative ("opt/cohort/bin/cohort-serve")
  bool directory = false;
  uint32_t mode = 0644;
  uint32_t uid = 0, gid = 0;
  std::string source;  // a local file whose bytes it holds; "" for `bytes`
  std::string bytes;
};

class Layer {
 public:
  // A local file; its bytes are read when the layer is written.
  void addFile(const std::string& path, const std::string& source, uint32_t mode);
  // A file holding `bytes`.
  void addText(const std::string& path, const std::string& bytes, uint32_t mode);
  void addFolder(const std::string& path, uint32_t mode, uint32_t uid = 0, uint32_t gid = 0);

  // Every entry, in the order written (See Note [Reproducible layers]).
  // Throws ConfigError for a path given twice.
  std::vector<LayerEntry> entries() const;
  // See Note [Reproducible layers]; reads every file once.
  std::string contentKey() const;
  // The bytes of every file (what the layer takes unpacked).
  int64_t fileBytes() const;
  // The tar stream of entries().
  void write(TarWriter& tar) const;

 private:
  void add(LayerEntry entry);
  std::vector<LayerEntry> entries_;
};

}  // namespace cohort::image
