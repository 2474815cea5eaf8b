// Shard checksums. index.json gives each shard one of:
//   "xxh128": XXH3-128 (libxxhash), the default: tens of GB/s on one core, so
//             verifying a shard before each use costs next to nothing beside
//             reading it (`xxhsum -H2 FILE` prints the same digest);
//   "sha256": SHA-256 (OpenSSL), about 1.8 GB/s a core with SHA extensions,
//             for sites that want a cryptographic digest (`sha256sum FILE`).
// Digests are written as lowercase hex, XXH3-128 as its canonical big-endian form.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cohort::storage {

enum class ChecksumKind { kXxh128, kSha256 };

// "xxh128" or "sha256".
const char* checksumName(ChecksumKind kind);
// The length of a digest in hex digits (32 or 64).
size_t checksumHexLength(ChecksumKind kind);

// Computes a digest incrementally, so that a shard can be hashed block by
// block while it arrives (each block is still in the CPU cache).
class Checksum {
 public:
  explicit Checksum(ChecksumKind kind);
  ~Checksum();
  Checksum(const Checksum&) = delete;
  Checksum& operator=(const Checksum&) = delete;

  void update(const void* data, size_t size);
  std::string hex();  // the digest of everything given so far; ends the computation

 private:
  ChecksumKind kind_;
  void* state_;
};

// The digest of `size` bytes at `data`.
std::string checksumHex(ChecksumKind kind, const void* data, size_t size);
inline std::string sha256Hex(const void* data, size_t size) {
  return checksumHex(ChecksumKind::kSha256, data, size);
}
inline std::string sha256Hex(const std::string& bytes) {
  return sha256Hex(bytes.data(), bytes.size());
}

// The digest of the local file `path`, read in large blocks; a DataError
// naming it when it cannot be read.
std::string fileChecksumHex(ChecksumKind kind, const std::string& path);
// Several digests of the file in one read, in the order of `kinds`.
std::vector<std::string> fileChecksumsHex(const std::vector<ChecksumKind>& kinds,
                                          const std::string& path);

}  // namespace cohort::storage
