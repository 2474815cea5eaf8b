// Note [Following an alias]
// With --follow, a server started on NAME@ALIAS asks the registry every
// few seconds which version the alias names. When it names another one,
// that version is downloaded, its files checked against the registry's
// sha256s, loaded and warmed (one forward pass where the input's shape is
// known) on this thread, while the old version goes on serving; only then is
// it swapped in (Server::swap). Requests admitted before the swap finish on
// the old version, so a move under load answers every request. A version
// that fails any of that is not swapped in: the old one keeps serving, the
// log says why, and that version is not tried again until the alias moves.
// A canary started as NAME@ALIAS (--canary fm@staging=10%) is followed the
// same way by a follower of its own, swapped in with Server::swapCanary.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "cohort/core/settings.h"
#include "cohort/serve/server.h"
#include "cohort/serve/torch_model.h"

namespace cohort::serve {

struct FollowOptions {
  std::string name;       // the registered model
  std::string alias;      // the alias followed
  std::string registry;   // --registry ("" : COHORT_REGISTRY or the default)
  std::string served_as;  // the name the server serves (--name, else the primary's)
  std::string scratch;    // where versions are downloaded
  double every_seconds = 5;
  bool canary = false;  // follows the canary, not the primary version
};

class AliasFollower {
 public:
  AliasFollower(Server& server, FollowOptions options, Settings settings, ModelFactory factory);
  ~AliasFollower();  // stops and joins
  AliasFollower(const AliasFollower&) = delete;
  AliasFollower& operator=(const AliasFollower&) = delete;

 private:
  void loop();
  void checkOnce();

  Server& server_;
  const FollowOptions options_;
  const Settings settings_;
  const ModelFactory factory_;
  std::string refused_;  // the version that failed, not tried again
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cohort::serve
