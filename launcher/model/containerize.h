// `cohort-model containerize`: a registered version as an OCI image that
// serves it (docs/serving.md, "The image"), written by cohort/image with no
// container runtime and no network; with --push, copied to a registry by
// skopeo.
//
// Note [The serving image]
// Two layers, the bottom one shared by every version served by one program:
//   1. the server: PROGRAM (cohort-serve, or a trainer that serves its own
//      architecture) in /opt/cohort/bin, every library it loads in
//      /opt/cohort/lib under the name it is looked up by, the dynamic loader
//      where the program names it, /etc/passwd and /etc/group naming the
//      server's user (65532), /srv (its working folder, its logs in
//      /srv/logs), /tmp, and /dev, /proc and /sys for the container
//      runtime to mount (libtorch reads /dev/urandom and /proc/cpuinfo);
//   2. the model: a registry holding only this version in /registry
//      (Registry::exportVersion: its files, lineage and record as stored),
//      so the server checks every file against the record's sha256 when it
//      starts, as it would against the registry, and answers /lineage.
// The config runs PROGRAM [SERVER-ARGS] NAME:VERSION --registry /registry
// --host 0.0.0.0 --port PORT as 65532:65532, with SIGTERM as its stop signal
// (the server drains); arguments given to `docker run IMAGE ...` follow.
// Labels name the model, the version and its digest (registry::filesDigest,
// what the server's responses carry). The image's time is the version's
// registration time, so the same version and program give the same digest.
#pragma once

#include <string>
#include <vector>

#include "cohort/registry/registry.h"

namespace cohort::model {

struct ContainerizeOptions {
  std::string ref;                       // MODEL
  std::string to;                        // the OCI layout folder
  std::string tag;                       // "" for NAME-VERSION
  std::string server;                    // "" for cohort-serve beside cohort-model
  std::vector<std::string> server_args;  // before MODEL ("serve" for a trainer)
  int port = 8000;
  std::string push;  // REGISTRY/REPO:TAG, or ""
  bool push_tls_verify = true;
};

int containerize(registry::Registry& r, const ContainerizeOptions& o, bool json);

}  // namespace cohort::model
