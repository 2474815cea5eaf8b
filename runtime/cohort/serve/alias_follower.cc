#include "cohort/serve/alias_follower.h"

#include <chrono>
#include <filesystem>

#include "cohort/core/log.h"
#include "cohort/registry/registry_location.h"
#include "cohort/serve/model_source.h"

namespace cohort::serve {

AliasFollower::AliasFollower(Server& server, FollowOptions options, Settings settings,
                             ModelFactory factory)
    : server_(server),
      options_(std::move(options)),
      settings_(std::move(settings)),
      factory_(std::move(factory)),
      thread_([this] { loop(); }) {}

AliasFollower::~AliasFollower() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AliasFollower::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::duration<double>(options_.every_seconds),
                   [this] { return stop_; });
    if (stop_ || server_.stopping()) return;
    lock.unlock();
    checkOnce();
    lock.lock();
  }
}

void AliasFollower::checkOnce() {
  const std::string followed = options_.name + "@" + options_.alias;
  const std::string role = options_.canary ? " as the canary" : "";
  const std::string serving =
      (options_.canary ? server_.canaryIdentity() : server_.identity()).version;
  std::string named;
  try {
    registry::Registry registry = registry::openRegistry(options_.registry, settings_);
    named = std::to_string(registry.resolve({options_.name, 0, options_.alias}).version);
  } catch (const std::exception& e) {
    log::warn("cannot ask the registry which version " + followed + " names (" + e.what() +
              "); still serving version " + serving + role);
    return;
  }
  if (named == serving || named == refused_) return;
  log::info(followed + " moved to version " + named + ": loading it beside version " + serving);
  try {
    ModelFiles files =
        fetchModel(options_.name + ":" + named, options_.registry, settings_, options_.scratch);
    files.identity.name = options_.served_as;
    auto next = loadModel(files, factory_);
    next->warm();
    const std::string sha256 = next->identity().sha256;
    if (options_.canary) {
      server_.swapCanary(std::move(next));
    } else {
      server_.swap(std::move(next));
    }
    refused_.clear();
    std::error_code ignored;
    // Loaded: the old version's files are no longer needed.
    std::filesystem::remove_all(downloadFolder(options_.scratch, options_.name, serving), ignored);
    log::info("now serving version " + named + " of " + options_.name + role + " (sha256 " +
              sha256 + ")");
  } catch (const std::exception& e) {
    refused_ = named;
    log::warn("version " + named + " of " + options_.name + ", which " + followed +
              " names, cannot be served: " + e.what() + "; still serving version " + serving +
              role);
  }
}

}  // namespace cohort::serve
