#include "cohort/core/error_record.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include "cohort/core/json_writer.h"

namespace cohort {

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

// Note [Error record state]: the signal handler can only reach process-wide
// state, so the record's path and its text up to the time are kept here,
// formatted in advance; written under the mutex, read by the handler.
struct Prepared {
  char dir[4096] = {};
  char path[4096] = {};
  char head[2048] = {};  // the JSON object up to (not including) "time"
  struct sigaction previous[sizeof kFatalSignals / sizeof kFatalSignals[0]] = {};
  bool armed = false;
};
Prepared g_prepared;
volatile sig_atomic_t g_written = 0;  // this process has written its record
std::mutex g_mutex;
ErrorRecordSite g_site;
bool g_site_set = false;

std::string recordPath(const ErrorRecordSite& site) {
  std::string name = site.rank >= 0 ? "error-rank-" + std::to_string(site.rank)
                                    : "error-pid-" + std::to_string(getpid());
  return site.logs_dir + "/" + name + ".json";
}

std::string hostName() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// The record's fields before "time", as JSON text, for both paths.
std::string head(const ErrorRecordSite& site, const std::string& kind) {
  return "{\n  \"rank\": " + std::to_string(site.rank) + ",\n  \"host\": " + jsonQuote(hostName()) +
         ",\n  \"pid\": " + std::to_string(getpid()) + ",\n  \"run_id\": " + jsonQuote(site.run_id) +
         ",\n  \"restart\": " + std::to_string(site.restart) + ",\n  \"kind\": " + jsonQuote(kind) +
         ",\n  \"time\": ";
}

void copy(char* to, size_t size, const std::string& from) {
  std::strncpy(to, from.c_str(), size - 1);
  to[size - 1] = '\0';
}

// ---- async-signal-safe pieces ----

size_t appendText(char* buf, size_t at, size_t size, const char* text) {
  while (*text && at + 1 < size) buf[at++] = *text++;
  buf[at] = '\0';
  return at;
}

size_t appendNumber(char* buf, size_t at, size_t size, unsigned long long n, int min_digits) {
  char digits[24];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0 || count < min_digits);
  while (count > 0 && at + 1 < size) buf[at++] = digits[--count];
  buf[at] = '\0';
  return at;
}

const char* describeSignal(int signal) {
  switch (signal) {
    case SIGSEGV: return "fatal signal SIGSEGV (segmentation fault: a bad memory access)";
    case SIGBUS: return "fatal signal SIGBUS (bus error: a bad memory access)";
    case SIGFPE: return "fatal signal SIGFPE (arithmetic error, e.g. an integer division by zero)";
    case SIGILL: return "fatal signal SIGILL (illegal instruction)";
    case SIGABRT: return "fatal signal SIGABRT (abort: a failed assertion or std::terminate)";
    default: return "fatal signal";
  }
}

void onFatalSignal(int signal, siginfo_t* info, void* context) {
  int saved = errno;
  int fd = -1;
  if (!g_written && g_prepared.path[0] != '\0') {
    g_written = 1;
    mkdir(g_prepared.dir, 0755);
    fd = open(g_prepared.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd >= 0) {
    char text[4096];
    size_t at = appendText(text, 0, sizeof text, g_prepared.head);
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    at = appendNumber(text, at, sizeof text, static_cast<unsigned long long>(now.tv_sec), 1);
    at = appendText(text, at, sizeof text, ".");
    at = appendNumber(text, at, sizeof text, static_cast<unsigned long long>(now.tv_nsec / 1000000), 3);
    at = appendText(text, at, sizeof text, ",\n  \"message\": \"");
    at = appendText(text, at, sizeof text, describeSignal(signal));
    at = appendText(text, at, sizeof text, "\"\n}\n");
    ssize_t ignored = write(fd, text, at);
    (void)ignored;
    close(fd);
  }
  // Hand the signal on: to the handler that was there before, or the default.
  for (size_t i = 0; i < sizeof kFatalSignals / sizeof kFatalSignals[0]; ++i) {
    if (kFatalSignals[i] != signal) continue;
    const struct sigaction& before = g_prepared.previous[i];
    if ((before.sa_flags & SA_SIGINFO) && before.sa_sigaction) {
      sigaction(signal, &before, nullptr);
      before.sa_sigaction(signal, info, context);
    } else if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN && before.sa_handler) {
      sigaction(signal, &before, nullptr);
      before.sa_handler(signal);
    }
  }
  errno = saved;
  // Default action: a fault re-occurs when the handler returns; a raised
  // signal (abort) is delivered again.
  ::signal(signal, SIG_DFL);
  raise(signal);
}

}  // namespace

void setErrorRecordSite(const ErrorRecordSite& site) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_site = site;
  g_site_set = true;
  copy(g_prepared.dir, sizeof g_prepared.dir, site.logs_dir);
  copy(g_prepared.path, sizeof g_prepared.path, recordPath(site));
  copy(g_prepared.head, sizeof g_prepared.head, head(site, "signal"));
}

void armFatalSignalRecords() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_prepared.armed) return;
  g_prepared.armed = true;
  // An alternate stack, so a stack overflow can still be recorded.
  static char alternate_stack[64 * 1024];
  stack_t stack{};
  stack.ss_sp = alternate_stack;
  stack.ss_size = sizeof alternate_stack;
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_sigaction = onFatalSignal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < sizeof kFatalSignals / sizeof kFatalSignals[0]; ++i) {
    sigaction(kFatalSignals[i], &action, &g_prepared.previous[i]);
  }
}

void writeErrorRecord(const std::string& kind, const std::string& message) noexcept {
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!g_site_set || g_written) return;  // the first record of a process stands
    g_written = 1;
    mkdir(g_site.logs_dir.c_str(), 0755);
    std::string path = recordPath(g_site);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    char time[32];
    std::snprintf(time, sizeof time, "%lld.%03ld", static_cast<long long>(now.tv_sec),
                  now.tv_nsec / 1000000);
    std::string text = head(g_site, kind) + time + ",\n  \"message\": " + jsonQuote(message) + "\n}\n";
    ssize_t ignored = write(fd, text.data(), text.size());
    (void)ignored;
    close(fd);
  } catch (...) {
    // Out of memory while dying: the launcher still has the exit record.
  }
}

}  // namespace cohort
