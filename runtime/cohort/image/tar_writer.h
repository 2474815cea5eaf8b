// A tar stream in the POSIX ustar format, written entry by entry to a sink,
// for an image's layers (See Note [Reproducible layers] in layer.h).
//
// Every field that would vary between two builds of the same content is
// fixed: the modification time of every entry is `mtime` (0 unless told),
// owners are numbers (uid and gid, no user or group names), and no device,
// access time or extended attribute is written. A name longer than ustar's
// 100 bytes is split at a '/' into its 155-byte prefix; a file of 8 GiB or
// more has its size in the base-256 form GNU tar and Go's archive/tar read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace cohort::image {

// Where the bytes of a stream go.
using Sink = std::function<void(const char* data, size_t size)>;

struct TarHeader {
  std::string path;  // relative, '/'-separated, no leading '/'; a folder's without a trailing '/'
  bool directory = false;
  uint32_t mode = 0644;  // permission bits
  uint32_t uid = 0, gid = 0;
  int64_t size = 0;  // a file's bytes
  int64_t mtime = 0;
};

class TarWriter {
 public:
  explicit TarWriter(Sink sink) : sink_(std::move(sink)) {}

  // The header of the next entry; a file's `size` bytes follow through
  // content(). Throws ConfigError when the path cannot be written in ustar.
  void header(const TarHeader& header);
  // The file's bytes, in pieces; padded to a 512-byte block when the last
  // byte the header announced has been given.
  void content(const char* data, size_t size);
  // The two zero blocks that end the archive.
  void finish();

 private:
  Sink sink_;
  int64_t left_ = 0;     // bytes the current file still owes
  int64_t written_ = 0;  // bytes of the current file so far
};

}  // namespace cohort::image
