#include "cohort/image/oci_layout.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/json.h"
#include "cohort/image/gzip_writer.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/storage.h"

namespace cohort::image {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kLayoutText = R"({"imageLayoutVersion":"1.0.0"})";

void writeWhole(const std::string& path, const std::string& bytes) {
  std::string problem;
  if (!writeFileAtomically(path, bytes, &problem))
    throw DataError(problem, "check that the image folder is writable and has room");
}

bool isDigest(const std::string& digest) {
  if (digest.rfind("sha256:", 0) != 0 || digest.size() != 7 + 64) return false;
  return digest.find_first_not_of("0123456789abcdef", 7) == std::string::npos;
}

}  // namespace

json Descriptor::toJson() const {
  json out = {{"mediaType", media_type}, {"digest", digest}, {"size", size}};
  if (!annotations.empty()) out["annotations"] = annotations;
  return out;
}

OciLayout::OciLayout(std::string dir) : dir_(std::move(dir)) {
  std::error_code error;
  const bool exists = fs::exists(dir_, error);
  if (exists && !fs::exists(fs::path(dir_) / "oci-layout", error)) {
    COHORT_CHECK(fs::is_directory(dir_, error) && fs::is_empty(dir_, error), ConfigError,
                 dir_ + " is not an OCI image layout (no oci-layout file) and is not empty",
                 "name a new folder, or one an earlier containerize wrote");
  }
  fs::create_directories(fs::path(dir_) / "blobs" / "sha256", error);
  COHORT_CHECK(!error, DataError, "cannot make " + dir_ + "/blobs/sha256: " + error.message(),
               "check that the image folder's parent is writable");
  writeWhole((fs::path(dir_) / "oci-layout").string(), kLayoutText);
}

std::string OciLayout::blobPath(const std::string& digest) const {
  COHORT_CHECK(isDigest(digest), DataError,
               dir_ + " names a blob '" + digest.substr(0, 80) + "' that is not sha256:HEX",
               "remove the folder and build the image again");
  return (fs::path(dir_) / "blobs" / "sha256" / digest.substr(7)).string();
}

Descriptor OciLayout::putBytes(const std::string& media_type, const std::string& bytes) {
  Descriptor d;
  d.media_type = media_type;
  d.digest = "sha256:" + storage::sha256Hex(bytes);
  d.size = static_cast<int64_t>(bytes.size());
  writeWhole(blobPath(d.digest), bytes);
  return d;
}

std::string OciLayout::readBlob(const std::string& digest) const {
  return storage::readLocalFile(blobPath(digest));
}

std::vector<Descriptor> OciLayout::currentLayers() const {
  std::vector<Descriptor> out;
  std::error_code error;
  const fs::path index = fs::path(dir_) / "index.json";
  if (!fs::exists(index, error)) return out;
  // A damaged index or manifest only means nothing is kept.
  const json doc = parseUntrustedJson(storage::readLocalFile(index.string()));
  if (!doc.is_object() || !doc.contains("manifests") || !doc["manifests"].is_array()) return out;
  for (const auto& m : doc["manifests"]) {
    const std::string digest = jsonField(m, "digest", std::string());
    if (!isDigest(digest) || !fs::exists(blobPath(digest), error)) continue;
    const json manifest = parseUntrustedJson(readBlob(digest));
    if (!manifest.is_object() || !manifest.contains("layers") || !manifest["layers"].is_array())
      continue;
    for (const auto& l : manifest["layers"]) {
      Descriptor d;
      d.media_type = jsonField(l, "mediaType", std::string());
      d.digest = jsonField(l, "digest", std::string());
      d.size = jsonField(l, "size", int64_t{0});
      if (l.contains("annotations") && l["annotations"].is_object()) {
        for (const auto& [k, v] : l["annotations"].items())
          if (v.is_string()) d.annotations[k] = v.get<std::string>();
      }
      if (isDigest(d.digest)) out.push_back(std::move(d));
    }
  }
  return out;
}

LayerBlob OciLayout::putLayer(const Layer& layer, const std::string& key, int level) {
  std::error_code error;
  for (const Descriptor& d : currentLayers()) {
    const auto k = d.annotations.find(kContentKeyAnnotation);
    const auto diff = d.annotations.find(kDiffIdAnnotation);
    if (k == d.annotations.end() || k->second != key || diff == d.annotations.end()) continue;
    // Kept only when the blob is still what its name says (a damaged one is
    // written again, not pushed).
    const std::string path = blobPath(d.digest);
    if (fs::file_size(path, error) != static_cast<uintmax_t>(d.size) || error ||
        storage::fileChecksumHex(storage::ChecksumKind::kSha256, path) != d.digest.substr(7))
      continue;
    return {d, diff->second, true};
  }
  // tar -> (sha256 of the tar) -> gzip -> (sha256 and size of the blob) -> file
  const std::string temporary =
      (fs::path(dir_) / "blobs" / "sha256" / (".layer." + uniqueSuffix())).string();
  UniqueFd fd(openToWrite(temporary, O_WRONLY | O_CREAT | O_EXCL, 0644));
  if (fd.fd < 0) throw DataError(openToWriteProblem(temporary, errno), "check the image folder");
  storage::Checksum tar_sum(storage::ChecksumKind::kSha256),
      blob_sum(storage::ChecksumKind::kSha256);
  int64_t blob_bytes = 0;
  try {
    GzipWriter gzip(level, [&](const char* data, size_t size) {
      blob_sum.update(data, size);
      blob_bytes += static_cast<int64_t>(size);
      if (!writeAll(fd.fd, data, size)) {
        throw DataError("cannot write " + temporary + ": " + std::strerror(errno),
                        "check that the image folder's disk has room");
      }
    });
    TarWriter tar([&](const char* data, size_t size) {
      tar_sum.update(data, size);
      gzip.write(data, size);
    });
    layer.write(tar);
    gzip.finish();
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  fd.reset();
  LayerBlob out;
  out.blob.media_type = kLayerType;
  out.blob.digest = "sha256:" + blob_sum.hex();
  out.blob.size = blob_bytes;
  out.blob.annotations[kContentKeyAnnotation] = key;
  out.diff_id = "sha256:" + tar_sum.hex();
  out.blob.annotations[kDiffIdAnnotation] = out.diff_id;
  fs::rename(temporary, blobPath(out.blob.digest), error);
  if (error) {
    ::unlink(temporary.c_str());
    throw DataError(
        "cannot name the layer " + out.blob.digest + " in " + dir_ + ": " + error.message(),
        "check the image folder");
  }
  return out;
}

void OciLayout::setImage(const Descriptor& manifest, const std::string& tag) {
  Descriptor named = manifest;
  named.annotations[kRefNameAnnotation] = tag;
  const json index = {{"schemaVersion", 2},
                      {"mediaType", kIndexType},
                      {"manifests", json::array({named.toJson()})}};
  writeWhole((fs::path(dir_) / "index.json").string(), index.dump());
}

void OciLayout::removeAllBut(const std::vector<Descriptor>& kept) {
  std::set<std::string> used;
  for (const Descriptor& d : kept) used.insert(d.digest.substr(7));
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(fs::path(dir_) / "blobs" / "sha256", error)) {
    if (!used.count(entry.path().filename().string())) fs::remove(entry.path(), error);
  }
}

}  // namespace cohort::image
