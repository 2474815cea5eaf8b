// gzip (RFC 1952) written by every core, for an image's layers.
//
// Note [Parallel gzip]
// The input is cut into 1 MiB blocks, and each block is deflated on its own
// (zlib, raw deflate) by a pool of threads; a block ends with a sync flush
// (byte-aligned, not final) and the last with the final block, so the pieces
// joined in order are one deflate stream, which any gunzip reads, as pigz
// does. The CRC-32 of the whole is combined from the blocks' (crc32_combine).
// The header has no name and a time of 0. Each block's bytes depend only on
// its input and the level, never on the number of threads or their timing,
// so the same input gives the same bytes out (with the same zlib): See Note
// [Reproducible layers] in layer.h. Blocks start with no dictionary, which
// costs about 1% of size at 1 MiB.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <string>

#include "cohort/image/tar_writer.h"

namespace cohort::image {

class GzipWriter {
 public:
  // `level`: 1 (fastest) to 9 (smallest); `threads` 0: one per core.
  GzipWriter(int level, Sink sink, int threads = 0);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(const char* data, size_t size);
  // Deflates what is left and writes the trailer.
  void finish();

 private:
  struct Block {
    std::string deflated;
    uint32_t crc = 0;
    size_t size = 0;
  };
  void submit(bool last);
  void emitOldest();

  const int level_;
  Sink sink_;
  size_t max_pending_;
  std::string input_;  // the block being filled
  std::deque<std::future<Block>> pending_;
  uint32_t crc_ = 0;
  uint64_t total_ = 0;
  bool finished_ = false;
};

}  // namespace cohort::image
