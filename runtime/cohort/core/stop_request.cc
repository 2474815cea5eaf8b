#include "cohort/core/stop_request.h"

#include <signal.h>

#include <atomic>

namespace cohort {

namespace {

// Signal handlers can only reach state like this: the one flag, and the
// handler that was there before (for the second SIGTERM and for the guard's end).
volatile sig_atomic_t g_stop = 0;
struct sigaction g_previous;
std::atomic<int> g_guards{0};

void onTerm(int) {
  if (g_stop) {
    // The second SIGTERM: stop now, as the default action does.
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    return;
  }
  g_stop = 1;
}

}  // namespace

StopRequestGuard::StopRequestGuard() {
  if (g_guards.fetch_add(1) > 0) return;
  g_stop = 0;
  struct sigaction action {};
  action.sa_handler = onTerm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &g_previous);
}

StopRequestGuard::~StopRequestGuard() {
  if (g_guards.fetch_sub(1) == 1) sigaction(SIGTERM, &g_previous, nullptr);
}

bool stopRequested() { return g_stop != 0; }

}  // namespace cohort
