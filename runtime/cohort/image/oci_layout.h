// An OCI image layout (the image-spec's image-layout.md) in a local folder:
//   oci-layout                  {"imageLayoutVersion": "1.0.0"}
//   index.json                  the image: one manifest, named by its tag
//   blobs/sha256/HEX            every blob under the sha256 of its bytes
// What umoci and skopeo (oci:DIR:TAG) read. A folder holds one image:
// writing the index replaces the image, and removeAllBut then removes the
// blobs the new one does not use.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cohort/image/layer.h"

namespace cohort::image {

constexpr const char* kManifestType = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kConfigType = "application/vnd.oci.image.config.v1+json";
constexpr const char* kLayerType = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr const char* kIndexType = "application/vnd.oci.image.index.v1+json";
// The annotation of a layer's descriptor holding its content key (See Note
// [Reproducible layers] in layer.h), and the one holding its diff id.
constexpr const char* kContentKeyAnnotation = "cohort.layer.content-key";
constexpr const char* kDiffIdAnnotation = "cohort.layer.diff-id";
constexpr const char* kRefNameAnnotation = "org.opencontainers.image.ref.name";

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:HEX"
  int64_t size = 0;
  std::map<std::string, std::string> annotations;

  nlohmann::json toJson() const;
};

// A layer as stored: its blob (gzipped) and its diff id (the sha256 of the
// tar stream, which the config lists).
struct LayerBlob {
  Descriptor blob;
  std::string diff_id;
  bool kept = false;  // found in the image being replaced, not written again
};

class OciLayout {
 public:
  // Opens `dir`, making it when it is missing. A folder that holds files
  // but is not an OCI layout is refused (nothing in it is touched).
  explicit OciLayout(std::string dir);

  const std::string& dir() const { return dir_; }

  // Stores `bytes` as a blob of `media_type`.
  Descriptor putBytes(const std::string& media_type, const std::string& bytes);
  // The layer with `key` (its content key) of the image there now, when its
  // blob is still there and hashes to its name; else writes `layer`,
  // gzipped at `level`.
  LayerBlob putLayer(const Layer& layer, const std::string& key, int level);
  // The blob `digest` ("sha256:HEX") as text.
  std::string readBlob(const std::string& digest) const;

  // Makes `manifest` the layout's one image, named `tag` (atomically).
  void setImage(const Descriptor& manifest, const std::string& tag);
  // Removes every blob but `kept` (the image's manifest, config and layers).
  void removeAllBut(const std::vector<Descriptor>& kept);

 private:
  std::string blobPath(const std::string& digest) const;
  // The layers of the image in index.json, if any.
  std::vector<Descriptor> currentLayers() const;

  std::string dir_;
};

}  // namespace cohort::image
