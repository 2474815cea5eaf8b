#include "cohort/image/image.h"

#include <sys/utsname.h>

#include "cohort/image/oci_layout.h"

namespace cohort::image {

using nlohmann::json;

std::string hostArchitecture() {
  utsname u{};
  ::uname(&u);
  const std::string machine = u.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "ppc64le") return "ppc64le";
  if (machine == "s390x") return "s390x";
  return machine;
}

namespace {

json configJson(const ImageSpec& spec, const std::vector<LayerBlob>& layers) {
  const RunConfig& run = spec.run;
  json ports = json::object();
  for (const auto& port : run.exposed_ports) ports[port] = json::object();
  json config = {{"Entrypoint", run.entrypoint}, {"Env", run.env}, {"StopSignal", run.stop_signal}};
  if (!run.working_dir.empty()) config["WorkingDir"] = run.working_dir;
  if (!run.user.empty()) config["User"] = run.user;
  if (!ports.empty()) config["ExposedPorts"] = ports;
  if (!run.labels.empty()) config["Labels"] = run.labels;
  json diff_ids = json::array(), history = json::array();
  for (size_t i = 0; i < layers.size(); ++i) {
    diff_ids.push_back(layers[i].diff_id);
    history.push_back({{"created", spec.created},
                       {"created_by", "cohort-model containerize: " + spec.layers[i].what}});
  }
  return {{"created", spec.created},
          {"architecture", hostArchitecture()},
          {"os", "linux"},
          {"config", config},
          {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
          {"history", history}};
}

}  // namespace

BuiltImage buildImage(const std::string& dir, const ImageSpec& spec) {
  OciLayout layout(dir);
  BuiltImage built;
  json layer_descriptors = json::array();
  for (const auto& named : spec.layers) {
    LayerBlob blob = layout.putLayer(named.layer, named.layer.contentKey(), spec.gzip_level);
    built.compressed_bytes += blob.blob.size;
    built.unpacked_bytes += named.layer.fileBytes();
    layer_descriptors.push_back(blob.blob.toJson());
    built.layers.push_back(std::move(blob));
  }
  const Descriptor config = layout.putBytes(kConfigType, configJson(spec, built.layers).dump());
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kManifestType},
                   {"config", config.toJson()},
                   {"layers", layer_descriptors}};
  if (!spec.annotations.empty()) manifest["annotations"] = spec.annotations;
  const Descriptor m = layout.putBytes(kManifestType, manifest.dump());
  layout.setImage(m, spec.tag);
  std::vector<Descriptor> blobs = {m, config};
  for (const auto& layer : built.layers) blobs.push_back(layer.blob);
  layout.removeAllBut(blobs);
  built.manifest_digest = m.digest;
  built.config_digest = config.digest;
  built.compressed_bytes += config.size + m.size;
  return built;
}

}  // namespace cohort::image
