#include "cohort/core/error_record.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#include "cohort/core/file_io.h"
#include "cohort/core/host_name.h"
#include "cohort/core/json.h"
#include "cohort/core/number.h"

namespace cohort {

std::string ErrorRecord::toJson() const {
  OrderedJson doc;
  doc["rank"] = rank;
  doc["host"] = host;
  doc["pid"] = pid;
  doc["time"] = time;
  doc["kind"] = kind;
  doc["message"] = message;
  doc["run_id"] = run_id;
  doc["restart"] = restart;
  return jsonText(doc, 2) + "\n";
}

std::optional<ErrorRecord> ErrorRecord::fromJson(const std::string& text) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("kind")) return std::nullopt;
  ErrorRecord r;
  r.rank = jsonField(doc, "rank", -1);
  r.host = jsonField(doc, "host", std::string());
  r.pid = jsonField(doc, "pid", 0L);
  r.time = jsonField(doc, "time", 0.0);
  r.kind = jsonField(doc, "kind", std::string());
  r.message = jsonField(doc, "message", std::string());
  r.run_id = jsonField(doc, "run_id", std::string());
  r.restart = jsonField(doc, "restart", 0);
  return r;
}

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr size_t kSignalCount = sizeof kFatalSignals / sizeof kFatalSignals[0];

// Note [Error record state]: the signal handler can only reach process-wide
// state, so the record's path and its text are kept here, formatted in
// advance by ErrorRecord::toJson, cut around the value of "time" (the one
// thing only the handler knows); written under the mutex, read by the handler.
struct Prepared {
  char dir[4096] = {};
  char path[4096] = {};
  char before_time[4096] = {};               // the record up to the value of "time"
  char after_time[kSignalCount][4096] = {};  // the rest, one per signal (its message)
  struct sigaction previous[kSignalCount] = {};
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

ErrorRecord recordAt(const ErrorRecordSite& site, const std::string& kind,
                     const std::string& message) {
  ErrorRecord r;
  r.rank = site.rank;
  r.host = hostName();
  r.pid = getpid();
  r.kind = kind;
  r.message = message;
  r.run_id = site.run_id;
  r.restart = site.restart;
  return r;
}

// Unix seconds to the millisecond, as the decimal the handler writes too.
double nowToTheMillisecond() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03ld", static_cast<long long>(now.tv_sec),
                now.tv_nsec / 1000000);
  return *parseDecimal(text);
}

const char* describeSignal(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "fatal signal SIGSEGV (segmentation fault: a bad memory access)";
    case SIGBUS:
      return "fatal signal SIGBUS (bus error: a bad memory access)";
    case SIGFPE:
      return "fatal signal SIGFPE (arithmetic error, e.g. an integer division by zero)";
    case SIGILL:
      return "fatal signal SIGILL (illegal instruction)";
    case SIGABRT:
      return "fatal signal SIGABRT (abort: a failed assertion or std::terminate)";
    default:
      return "fatal signal";
  }
}

void copy(char* to, size_t size, const std::string& from) {
  std::strncpy(to, from.c_str(), size - 1);
  to[size - 1] = '\0';
}

// The text of a "signal" record for `signal`, cut around the value of "time"
// (a quote inside a JSON string is escaped, so the key appears once).
void prepareSignalRecords(const ErrorRecordSite& site) {
  const std::string key = "\"time\": ";
  for (size_t i = 0; i < kSignalCount; ++i) {
    const std::string text = recordAt(site, "signal", describeSignal(kFatalSignals[i])).toJson();
    const size_t value = text.find(key) + key.size();
    const size_t end = text.find_first_of(",\n}", value);
    copy(g_prepared.before_time, sizeof g_prepared.before_time, text.substr(0, value));
    copy(g_prepared.after_time[i], sizeof g_prepared.after_time[i], text.substr(end));
  }
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

void onFatalSignal(int signal, siginfo_t* info, void* context) {
  int saved = errno;
  size_t index = 0;
  while (index < kSignalCount && kFatalSignals[index] != signal) ++index;
  int fd = -1;
  if (!g_written && g_prepared.path[0] != '\0' && index < kSignalCount) {
    g_written = 1;
    mkdir(g_prepared.dir, 0755);
    fd = open(g_prepared.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  }
  if (fd >= 0) {
    // The prepared text with the time put in: seconds, '.', milliseconds.
    char text[2 * 4096 + 32];
    size_t at = appendText(text, 0, sizeof text, g_prepared.before_time);
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    at = appendNumber(text, at, sizeof text, static_cast<unsigned long long>(now.tv_sec), 1);
    at = appendText(text, at, sizeof text, ".");
    at = appendNumber(text, at, sizeof text, static_cast<unsigned long long>(now.tv_nsec / 1000000),
                      3);
    at = appendText(text, at, sizeof text, g_prepared.after_time[index]);
    const bool written = writeAll(fd, text, at);
    // A full disk: no empty or cut record (unlink is async-signal-safe).
    if (close(fd) != 0 || !written) unlink(g_prepared.path);
  }
  // Hand the signal on: to the handler that was there before, or the default.
  if (index < kSignalCount) {
    const struct sigaction& before = g_prepared.previous[index];
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
  prepareSignalRecords(site);
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
  for (size_t i = 0; i < kSignalCount; ++i) {
    sigaction(kFatalSignals[i], &action, &g_prepared.previous[i]);
  }
}

void writeErrorRecord(const std::string& kind, const std::string& message) noexcept {
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!g_site_set || g_written) return;  // the first record of a process stands
    g_written = 1;
    mkdir(g_site.logs_dir.c_str(), 0755);
    const std::string path = recordPath(g_site);
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.fd < 0) return;
    ErrorRecord record = recordAt(g_site, kind, message);
    record.time = nowToTheMillisecond();
    const std::string text = record.toJson();
    const bool written = writeAll(fd.fd, text.data(), text.size());
    // A full disk: no empty or cut record; the launcher still has the exit record.
    if (close(fd.release()) != 0 || !written) unlink(path.c_str());
  } catch (...) {
    // Out of memory while dying: the launcher still has the exit record.
  }
}

}  // namespace cohort
