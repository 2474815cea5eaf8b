// cohort/image's pieces: the tar stream (ustar fields, checksums, long
// names, refusals), parallel gzip (any gunzip reads it; the same bytes
// whatever the number of threads), and layers (parents added, order, keys).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <random>
#include <string>

#include "cohort/core/error.h"
#include "cohort/image/gzip_writer.h"
#include "cohort/image/layer.h"
#include "cohort/image/tar_writer.h"

namespace cohort::image {
namespace {

std::string collect(const std::function<void(Sink)>& write) {
  std::string out;
  write([&out](const char* data, size_t size) { out.append(data, size); });
  return out;
}

std::string gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(64 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);  // the CRC and length checked too
  EXPECT_EQ(z.avail_in, 0u);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

std::string octalField(const std::string& block, size_t at, size_t width) {
  return std::string(block.data() + at, strnlen(block.data() + at, width));
}

TEST(TarWriter, UstarHeaderFields) {
  const std::string tar = collect([](Sink sink) {
    TarWriter t(sink);
    TarHeader h;
    h.path = "opt/cohort/bin/tool";
    h.mode = 0755;
    h.uid = 65532;
    h.gid = 65532;
    h.size = 5;
    t.header(h);
    t.content("hello", 5);
    t.finish();
  });
  ASSERT_EQ(tar.size(), 512u * 4);  // header, one data block, two end blocks
  EXPECT_EQ(octalField(tar, 0, 100), "opt/cohort/bin/tool");
  EXPECT_EQ(octalField(tar, 100, 8), "0000755");
  EXPECT_EQ(octalField(tar, 108, 8), "0177774");  // 65532
  EXPECT_EQ(octalField(tar, 124, 12), "00000000005");
  EXPECT_EQ(octalField(tar, 136, 12), "00000000000");  // mtime 0
  EXPECT_EQ(tar[156], '0');
  EXPECT_EQ(std::string(tar.data() + 257, 6), std::string("ustar\0", 6));
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(tar[i]);
  EXPECT_EQ(std::stoul(octalField(tar, 148, 7), nullptr, 8), sum);
  EXPECT_EQ(tar.substr(512, 5), "hello");
  EXPECT_EQ(tar.find_first_not_of('\0', 512 + 5), std::string::npos);
}

TEST(TarWriter, LongNamesSplitAtASlashAndTooLongOnesRefused) {
  const std::string folder(120, 'a');
  const std::string tar = collect([&](Sink sink) {
    TarWriter t(sink);
    TarHeader h;
    h.path = folder + "/file";
    t.header(h);
  });
  EXPECT_EQ(octalField(tar, 0, 100), "file");
  EXPECT_EQ(octalField(tar, 345, 155), folder);
  TarWriter t([](const char*, size_t) {});
  TarHeader h;
  h.path = std::string(300, 'b');
  EXPECT_THROW(t.header(h), ConfigError);
  h.path = "/absolute";
  EXPECT_THROW(t.header(h), ConfigError);
}

TEST(TarWriter, AFileThatGrowsIsRefused) {
  TarWriter t([](const char*, size_t) {});
  TarHeader h;
  h.path = "f";
  h.size = 2;
  t.header(h);
  EXPECT_THROW(t.content("abc", 3), DataError);
}

TEST(GzipWriter, AnyGunzipReadsItAndThreadsDoNotChangeTheBytes) {
  std::string input(5 * (1 << 20) + 12345, '\0');  // several blocks and a partial one
  std::mt19937 rng(1);
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<char>(rng() % 7);  // compressible
  const auto gzip = [&](int threads) {
    return collect([&](Sink sink) {
      GzipWriter g(6, sink, threads);
      for (size_t at = 0; at < input.size(); at += 77777)
        g.write(input.data() + at, std::min<size_t>(77777, input.size() - at));
      g.finish();
    });
  };
  const std::string one = gzip(1);
  EXPECT_EQ(one, gzip(4));
  EXPECT_EQ(one.substr(0, 10), std::string("\x1f\x8b\x08\0\0\0\0\0\0\x03", 10));
  EXPECT_LT(one.size(), input.size() / 2);
  EXPECT_EQ(gunzip(one), input);
  EXPECT_EQ(gunzip(collect([](Sink sink) {
              GzipWriter g(6, sink);
              g.finish();
            })),
            "");
}

TEST(Layer, ParentsAddedInPathOrderAndKeysFollowContent) {
  Layer layer;
  layer.addText("/srv/b/file", "x", 0644);
  layer.addFolder("/srv", 0755, 65532, 65532);
  layer.addText("/etc/passwd", "root", 0644);
  std::vector<std::string> paths;
  for (const auto& e : layer.entries()) paths.push_back(e.path + (e.directory ? "/" : ""));
  EXPECT_EQ(paths,
            (std::vector<std::string>{"etc/", "etc/passwd", "srv/", "srv/b/", "srv/b/file"}));
  EXPECT_EQ(layer.entries()[2].uid, 65532u);  // the folder given keeps its owner

  Layer same = layer, other = layer, mode = layer;
  EXPECT_EQ(same.contentKey(), layer.contentKey());
  other.addText("/etc/group", "root", 0644);
  EXPECT_NE(other.contentKey(), layer.contentKey());
  Layer changed;
  changed.addText("/srv/b/file", "y", 0644);
  changed.addFolder("/srv", 0755, 65532, 65532);
  changed.addText("/etc/passwd", "root", 0644);
  EXPECT_NE(changed.contentKey(), layer.contentKey());
  layer.addText("/etc/passwd", "again", 0644);
  EXPECT_THROW(layer.entries(), ConfigError);
}

}  // namespace
}  // namespace cohort::image
