#include "upload/upload_loop.h"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cohort/core/error.h"
#include "cohort/storage/storage.h"
#include "cohort/storage/uploader.h"

namespace cohort::upload {

namespace {

volatile std::sig_atomic_t g_stop = 0;  // set by SIGTERM/SIGINT (a signal handler needs a global)

void onStop(int) { g_stop = 1; }

void say(const std::string& text) { std::cerr << "cohort-upload: " << text << std::endl; }

std::string summary(const storage::SyncResult& r) {
  return std::to_string(r.uploaded) + " file(s), " + std::to_string(r.bytes) + " bytes copied; " +
         std::to_string(r.unchanged) + " unchanged";
}

// Waits up to `seconds` for the end of standard input or a stop signal; true when told to stop.
bool waitForStop(double seconds, bool* stdin_open) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!g_stop) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int ready =
        ::poll(&p, *stdin_open ? 1 : 0, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready > 0) {
      char buf[256];
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) return true;  // cohortrun closed the pipe (or went away): the run is over
    }
  }
  return true;
}

// One pass; `final` copies the whole outputs folder, otherwise only a newly committed checkpoint.
void syncOnce(storage::Uploader& up, const LoopOptions& o, bool final) {
  if (!o.logs_dir.empty()) {
    const auto r = up.syncFolder(o.logs_dir, "logs");
    if (r.uploaded > 0 || final) say("logs " + o.logs_dir + ": " + summary(r));
  }
  if (o.outputs_dir.empty()) return;
  const auto c = up.syncLatestCheckpoint(o.outputs_dir, "outputs");
  if (c.uploaded > 0) say("checkpoint of " + o.outputs_dir + ": " + summary(c));
  if (final)
    say("outputs " + o.outputs_dir + ": " + summary(up.syncFolder(o.outputs_dir, "outputs")));
}

}  // namespace

int runUpload(const LoopOptions& o, const Settings& settings) {
  const std::string shown = storage::redactUrl(o.url);
  std::unique_ptr<storage::Uploader> up;
  try {
    storage::UploadOptions options;
    options.url = o.url;
    options.storage = storage::StorageOptions::fromSettings(settings);
    options.state_path = (o.logs_dir.empty() ? o.outputs_dir : o.logs_dir) + "/.upload-state.json";
    options.block_bytes = static_cast<int64_t>(settings.upload_block_mib * (1 << 20));
    up = std::make_unique<storage::Uploader>(options);
    up->setReporter(say);
  } catch (const Error& e) {
    say("cannot upload to " + shown + ": " + e.what());
    return 1;
  }
  if (o.check_only) {
    say("the destination " + shown + " accepts the credentials");
    return 0;
  }
  if (!o.watch) {
    try {
      syncOnce(*up, o, true);
      return 0;
    } catch (const Error& e) {
      say("upload to " + shown + " failed: " + e.what());
      return 1;
    }
  }
  std::signal(SIGTERM, onStop);
  std::signal(SIGINT, onStop);
  say("copying " + o.logs_dir + " to " + shown + "/logs every " +
      std::to_string(settings.upload_interval_s) + " s, and each checkpoint of " + o.outputs_dir +
      " to " + shown + "/outputs");
  bool stdin_open = true;
  while (!waitForStop(settings.upload_interval_s, &stdin_open)) {
    try {
      syncOnce(*up, o, false);
    } catch (const Error& e) {
      // The run goes on; the next pass (or the last one) tries again.
      say("upload to " + shown + " failed, trying again in " +
          std::to_string(settings.upload_interval_s) + " s: " + e.what());
    }
  }
  try {
    syncOnce(*up, o, true);
    say("done: everything is at " + shown);
    return 0;
  } catch (const Error& e) {
    say("the last upload to " + shown + " failed: " + e.what());
    return 1;
  }
}

}  // namespace cohort::upload
