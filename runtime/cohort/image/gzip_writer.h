// gzip (RFC 1952) through zlib, for an image's layers: the header zlib
// writes has no file name and a modification time of 0, so the same bytes
// in at the same level give the same bytes out (with the same zlib).
#pragma once

#include <zlib.h>

#include "cohort/image/tar_writer.h"

namespace cohort::image {

class GzipWriter {
 public:
  // `level`: 1 (fastest) to 9 (smallest).
  GzipWriter(int level, Sink sink);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(const char* data, size_t size);
  // Flushes the rest and the trailer.
  void finish();

 private:
  void deflateSome(int flush);

  Sink sink_;
  z_stream stream_{};
  bool open_ = false;
};

}  // namespace cohort::image
