// An image built from layers and a run configuration into an OCI image
// layout (oci_layout.h): the layers, then the config, the manifest and the
// index, each a blob named by its sha256. See Note [Reproducible layers] in
// layer.h for why the same inputs give the same manifest digest.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cohort/image/layer.h"
#include "cohort/image/oci_layout.h"

namespace cohort::image {

// What the image runs (the config's "config" object of the image-spec).
struct RunConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> env;  // "NAME=VALUE"
  std::string working_dir;
  std::string user;                        // "UID:GID"
  std::vector<std::string> exposed_ports;  // "8000/tcp"
  std::string stop_signal = "SIGTERM";
  std::map<std::string, std::string> labels;
};

struct ImageSpec {
  struct NamedLayer {
    std::string what;  // its history line ("the server and its libraries")
    Layer layer;
  };
  std::vector<NamedLayer> layers;  // the bottom one first
  RunConfig run;
  std::string created;  // RFC 3339; fixed by the caller, so that it is reproducible
  std::string tag;      // the index's name for the image ("fmnist-3")
  std::map<std::string, std::string> annotations;  // the manifest's
  int gzip_level = 6;
};

struct BuiltImage {
  std::string manifest_digest;  // "sha256:HEX"
  std::string config_digest;
  int64_t compressed_bytes = 0;  // the blobs a registry stores
  int64_t unpacked_bytes = 0;    // the files, unpacked
  std::vector<LayerBlob> layers;
};

// Writes `spec` into the layout at `dir` (made when missing), replacing the
// image there and keeping each of its layers whose content is unchanged.
BuiltImage buildImage(const std::string& dir, const ImageSpec& spec);

// The image-spec's name for this machine's architecture ("amd64", "arm64").
std::string hostArchitecture();

}  // namespace cohort::image
