#include "cohort/storage/checksum.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"

namespace cohort::storage {

namespace {

std::string toHex(const unsigned char* bytes, size_t size) {
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < size; ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 15];
  }
  return hex;
}

}  // namespace

const char* checksumName(ChecksumKind kind) {
  return kind == ChecksumKind::kXxh128 ? "xxh128" : "sha256";
}

size_t checksumHexLength(ChecksumKind kind) { return kind == ChecksumKind::kXxh128 ? 32 : 64; }

Checksum::Checksum(ChecksumKind kind) : kind_(kind) {
  if (kind_ == ChecksumKind::kXxh128) {
    auto* state = XXH3_createState();
    XXH3_128bits_reset(state);
    state_ = state;
  } else {
    auto* context = EVP_MD_CTX_new();
    EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
    state_ = context;
  }
}

Checksum::~Checksum() {
  if (kind_ == ChecksumKind::kXxh128) {
    XXH3_freeState(static_cast<XXH3_state_t*>(state_));
  } else {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(state_));
  }
}

void Checksum::update(const void* data, size_t size) {
  if (kind_ == ChecksumKind::kXxh128) {
    XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data, size);
  } else {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(state_), data, size);
  }
}

std::string Checksum::hex() {
  if (kind_ == ChecksumKind::kXxh128) {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_)));
    return toHex(canonical.digest, sizeof canonical.digest);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(state_), digest, &length);
  return toHex(digest, length);
}

std::string checksumHex(ChecksumKind kind, const void* data, size_t size) {
  Checksum checksum(kind);
  checksum.update(data, size);
  return checksum.hex();
}

std::vector<std::string> fileChecksumsHex(const std::vector<ChecksumKind>& kinds,
                                          const std::string& path) {
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    throw DataError("cannot open " + path + ": " + std::strerror(errno),
                    "check that it is readable");
  ::posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<std::unique_ptr<Checksum>> checksums;
  for (const auto kind : kinds) checksums.push_back(std::make_unique<Checksum>(kind));
  std::vector<char> buffer(size_t{4} << 20);
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw DataError("cannot read " + path + ": " + std::strerror(errno), "check the disk");
    if (n == 0) break;
    for (auto& checksum : checksums) checksum->update(buffer.data(), static_cast<size_t>(n));
  }
  std::vector<std::string> out;
  for (auto& checksum : checksums) out.push_back(checksum->hex());
  return out;
}

std::string fileChecksumHex(ChecksumKind kind, const std::string& path) {
  return fileChecksumsHex({kind}, path).front();
}

}  // namespace cohort::storage
