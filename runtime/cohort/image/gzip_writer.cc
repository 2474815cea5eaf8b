#include "cohort/image/gzip_writer.h"

#include <zlib.h>

#include <thread>

#include "cohort/core/error.h"

namespace cohort::image {

namespace {

constexpr size_t kBlockBytes = size_t{1} << 20;

// One block as raw deflate: ended by a sync flush, or final when `last`.
std::string deflateBlock(const std::string& input, int level, bool last) {
  z_stream z{};
  COHORT_CHECK(deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK, Error,
               "zlib could not start a deflate stream", "");
  std::string out(deflateBound(&z, input.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.avail_in = static_cast<uInt>(input.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
  const bool done = last ? result == Z_STREAM_END : result == Z_OK && z.avail_in == 0;
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  COHORT_CHECK(done, Error, "zlib's deflate did not finish a block", "");
  return out;
}

void littleEndian(char* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace

GzipWriter::GzipWriter(int level, Sink sink, int threads) : level_(level), sink_(std::move(sink)) {
  const unsigned cores = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  max_pending_ = 2 * cores;  // so a core is never idle waiting for the oldest block's turn
  input_.reserve(kBlockBytes);
  // The header (RFC 1952): deflate, no flags, time 0, no extra flags, Unix.
  static const char header[10] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};
  sink_(header, sizeof header);
}

GzipWriter::~GzipWriter() {
  for (auto& block : pending_) block.wait();  // no thread outlives the writer
}

void GzipWriter::submit(bool last) {
  std::string block;
  block.swap(input_);
  input_.reserve(kBlockBytes);
  const int level = level_;
  pending_.push_back(std::async(std::launch::async, [block = std::move(block), level, last] {
    Block out;
    out.size = block.size();
    out.crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(block.data()), static_cast<uInt>(block.size())));
    out.deflated = deflateBlock(block, level, last);
    return out;
  }));
  while (pending_.size() >= max_pending_ || (last && !pending_.empty())) emitOldest();
}

void GzipWriter::emitOldest() {
  Block block = pending_.front().get();
  pending_.pop_front();
  sink_(block.deflated.data(), block.deflated.size());
  crc_ = static_cast<uint32_t>(crc32_combine(crc_, block.crc, static_cast<z_off_t>(block.size)));
  total_ += block.size;
}

void GzipWriter::write(const char* data, size_t size) {
  while (size > 0) {
    const size_t piece = std::min(size, kBlockBytes - input_.size());
    input_.append(data, piece);
    data += piece;
    size -= piece;
    if (input_.size() == kBlockBytes) submit(false);
  }
}

void GzipWriter::finish() {
  COHORT_CHECK(!finished_, Error, "a gzip stream was finished twice", "");
  finished_ = true;
  submit(true);
  char trailer[8];
  littleEndian(trailer, crc_);
  littleEndian(trailer + 4, static_cast<uint32_t>(total_ & 0xffffffffu));
  sink_(trailer, sizeof trailer);
}

}  // namespace cohort::image
