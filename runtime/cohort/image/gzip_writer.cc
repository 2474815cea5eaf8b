#include "cohort/image/gzip_writer.h"

#include "cohort/core/error.h"

namespace cohort::image {

GzipWriter::GzipWriter(int level, Sink sink) : sink_(std::move(sink)) {
  // windowBits 15 + 16: a gzip wrapper, whose header zlib fills with zeros.
  COHORT_CHECK(deflateInit2(&stream_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK,
               Error, "zlib could not start a gzip stream", "");
  open_ = true;
}

GzipWriter::~GzipWriter() {
  if (open_) deflateEnd(&stream_);
}

void GzipWriter::deflateSome(int flush) {
  char out[1 << 16];
  int result = Z_OK;
  do {
    stream_.next_out = reinterpret_cast<Bytef*>(out);
    stream_.avail_out = sizeof out;
    result = deflate(&stream_, flush);
    COHORT_CHECK(result != Z_STREAM_ERROR, Error, "zlib's deflate failed", "");
    sink_(out, sizeof out - stream_.avail_out);
  } while (stream_.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END));
}

void GzipWriter::write(const char* data, size_t size) {
  while (size > 0) {
    const uInt piece = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    stream_.avail_in = piece;
    deflateSome(Z_NO_FLUSH);
    data += piece;
    size -= piece;
  }
}

void GzipWriter::finish() {
  stream_.next_in = nullptr;
  stream_.avail_in = 0;
  deflateSome(Z_FINISH);
}

}  // namespace cohort::image
