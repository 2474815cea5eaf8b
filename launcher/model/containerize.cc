#include "model/containerize.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/json.h"
#include "cohort/image/image.h"
#include "common/posix_io.h"
#include "common/program_path.h"
#include "model/program_closure.h"

namespace cohort::model {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kServerUser = 65532;  // no user of the host's, as distroless images do
constexpr const char* kRegistryPath = "/registry";

// Every file of `root`, recursively, into `layer` under `under`.
void addTree(image::Layer& layer, const fs::path& root, const std::string& under) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
       it.increment(error)) {
    const std::string path = under + "/" + fs::relative(it->path(), root).generic_string();
    if (it->is_directory()) {
      layer.addFolder(path, 0755);
    } else if (it->is_regular_file()) {
      layer.addFile(path, it->path().string(), 0644);
    }
  }
  COHORT_CHECK(!error, DataError, "cannot list " + root.string() + ": " + error.message(), "");
}

// Layer 1 (See Note [The serving image]).
image::Layer serverLayer(const ProgramClosure& closure, const std::string& program_path) {
  image::Layer layer;
  layer.addFile(program_path, closure.program, 0755);
  for (const auto& [soname, file] : closure.libraries)
    layer.addFile("/opt/cohort/lib/" + soname, file, 0755);
  if (!closure.loader.empty()) layer.addFile(closure.loader, closure.loader_file, 0755);
  const std::string user = std::to_string(kServerUser);
  layer.addText("/etc/passwd",
                "root:x:0:0:root:/root:/sbin/nologin\ncohort:x:" + user + ":" + user +
                    ":cohort-serve:/srv:/sbin/nologin\n",
                0644);
  layer.addText("/etc/group", "root:x:0:\ncohort:x:" + user + ":\n", 0644);
  layer.addFolder("/srv", 0755, kServerUser, kServerUser);
  layer.addFolder("/tmp", 01777);
  for (const char* mount_point : {"/dev", "/proc", "/sys"})  // where the runtime mounts them
    layer.addFolder(mount_point, 0755);
  return layer;
}

std::string programPath(const ContainerizeOptions& o) {
  // A ConfigError naming the program when it is missing or not executable.
  return launcher::resolveProgram(o.server.empty() ? launcher::siblingProgram("cohort-serve")
                                                   : o.server);
}

// skopeo copy of the layout to `o.push`, keeping every digest.
void push(const ContainerizeOptions& o, const std::string& tag) {
  COHORT_CHECK(!launcher::findInPath("skopeo").empty(), ConfigError,
               "--push needs skopeo, which is not in the PATH",
               "install it (Debian: apt install skopeo), or push the folder with your own tool");
  std::vector<std::string> argv = {"skopeo", "copy", "--preserve-digests", "--quiet"};
  if (!o.push_tls_verify) argv.push_back("--dest-tls-verify=false");
  argv.push_back("oci:" + o.to + ":" + tag);
  argv.push_back("docker://" + o.push);
  std::string output;
  const int status = launcher::runCommand(argv, &output, 3600);
  if (status != 0) {
    throw DataError("skopeo could not push the image to " + o.push + ": " +
                        launcher::trimmedOutput(output).substr(0, 600),
                    "check the registry's address and credentials (skopeo login); a registry "
                    "on plain HTTP needs --push-insecure");
  }
}

// The image's name in the layout: a tag as registries take it (a letter,
// digit or '_', then up to 127 of those, '.' and '-'), so that skopeo's
// oci:DIR:TAG and a push name it the same way.
void checkTag(const std::string& tag) {
  bool ok = !tag.empty() && tag.size() <= 128 && tag[0] != '.' && tag[0] != '-';
  for (const char c : tag)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  COHORT_CHECK(ok, ConfigError, "the tag '" + tag.substr(0, 80) + "' is not a valid image tag",
               "give --tag 1 to 128 letters, digits, '_', '.' or '-', starting with a letter, "
               "digit or '_'");
}

}  // namespace

int containerize(registry::Registry& r, const ContainerizeOptions& o, bool json) {
  const double started = unixNow();
  const registry::VersionRecord version = r.resolve(registry::parseModelRef(o.ref));
  const std::string program = programPath(o);
  const ProgramClosure closure = programClosure(program);
  const std::string tag =
      o.tag.empty() ? version.name + "-" + std::to_string(version.version) : o.tag;
  checkTag(tag);
  COHORT_CHECK(o.push.empty() || o.to.find(':') == std::string::npos, ConfigError,
               "--push cannot name the folder " + o.to + " to skopeo: it holds a ':'",
               "build the image into a folder whose path has no ':'");
  const std::string digest = registry::filesDigest(version);

  // The version's registry, beside the image folder while the image is built.
  const fs::path target = fs::absolute(o.to);
  const fs::path exported =
      target.parent_path() / ("." + target.filename().string() + ".model." + uniqueSuffix());
  image::BuiltImage built;
  try {
    r.exportVersion(version, exported.string());
    image::ImageSpec spec;
    const std::string bin = "/opt/cohort/bin/" + fs::path(program).filename().string();
    spec.layers.push_back(
        {"the server " + fs::path(program).filename().string() + " and the libraries it loads",
         serverLayer(closure, bin)});
    image::Layer model;
    addTree(model, exported, kRegistryPath);
    spec.layers.push_back(
        {"the model " + version.name + ":" + std::to_string(version.version), std::move(model)});

    const std::string ref = version.name + ":" + std::to_string(version.version);
    image::RunConfig& run = spec.run;
    run.entrypoint = {bin};
    run.entrypoint.insert(run.entrypoint.end(), o.server_args.begin(), o.server_args.end());
    for (const char* word :
         {ref.c_str(), "--registry", kRegistryPath, "--host", "0.0.0.0", "--port"})
      run.entrypoint.push_back(word);
    run.entrypoint.push_back(std::to_string(o.port));
    run.env = {"PATH=/opt/cohort/bin", "LD_LIBRARY_PATH=/opt/cohort/lib", "HOME=/srv",
               "COHORT_LOGS_DIR=/srv/logs"};
    run.working_dir = "/srv";
    run.user = std::to_string(kServerUser) + ":" + std::to_string(kServerUser);
    run.exposed_ports = {std::to_string(o.port) + "/tcp"};
    run.labels = {{"org.opencontainers.image.title", version.name},
                  {"org.opencontainers.image.version", std::to_string(version.version)},
                  {"cohort.model.name", version.name},
                  {"cohort.model.version", std::to_string(version.version)},
                  {"cohort.model.sha256", digest}};
    spec.annotations = run.labels;
    spec.created = isoTime(version.created);
    spec.annotations["org.opencontainers.image.created"] = spec.created;
    spec.tag = tag;
    built = image::buildImage(target.string(), spec);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(exported, ignored);
    throw;
  }
  std::error_code ignored;
  fs::remove_all(exported, ignored);
  if (!o.push.empty()) push(o, tag);

  const double seconds = unixNow() - started;
  if (json) {
    nlohmann::json out = {{"image", o.to},
                          {"tag", tag},
                          {"manifest_digest", built.manifest_digest},
                          {"config_digest", built.config_digest},
                          {"compressed_bytes", built.compressed_bytes},
                          {"unpacked_bytes", built.unpacked_bytes},
                          {"model_sha256", digest},
                          {"seconds", seconds}};
    for (const auto& layer : built.layers)
      out["layers"].push_back(
          {{"digest", layer.blob.digest}, {"size", layer.blob.size}, {"kept", layer.kept}});
    if (!o.push.empty()) out["pushed"] = o.push;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%s:%lld as an OCI image in %s (tag %s), in %.1f s\n", version.name.c_str(),
              static_cast<long long>(version.version), o.to.c_str(), tag.c_str(), seconds);
  std::printf("  manifest  %s\n", built.manifest_digest.c_str());
  const char* names[] = {"server", "model"};
  for (size_t i = 0; i < built.layers.size() && i < 2; ++i) {
    std::printf("  %-9s %s  %.1f MB%s\n", names[i], built.layers[i].blob.digest.c_str(),
                built.layers[i].blob.size / 1e6, built.layers[i].kept ? "  (kept)" : "");
  }
  std::printf("  size      %.1f MB compressed, %.1f MB unpacked\n", built.compressed_bytes / 1e6,
              built.unpacked_bytes / 1e6);
  if (!o.push.empty()) std::printf("  pushed to %s\n", o.push.c_str());
  std::printf("Push it: skopeo copy oci:%s:%s docker://REGISTRY/REPO:%s\n", o.to.c_str(),
              tag.c_str(), tag.c_str());
  return 0;
}

}  // namespace cohort::model
