#include "cohortrun/root_cause.h"

#include <algorithm>
#include <csignal>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "cohortrun/exit_status.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

// The earliest record that blames a rank: an error the runtime recorded, or
// an agent's record of a program that ended badly without being asked to stop.
struct Candidate {
  double time;
  int rank;
  std::string host;
  const ErrorRecord* error;
  const ExitRecord* exit;
};

std::vector<Candidate> candidates(const RankRecords& records) {
  std::vector<Candidate> out;
  for (const auto& e : records.errors) out.push_back({e.time, e.rank, e.host, &e, nullptr});
  for (const auto& x : records.exits) {
    if (x.failed()) out.push_back({x.time, x.rank, x.host, nullptr, &x});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Candidate& a, const Candidate& b) { return a.time < b.time; });
  return out;
}

const ExitRecord* exitOf(const RankRecords& records, int rank) {
  for (const auto& x : records.exits) {
    if (x.rank == rank) return &x;
  }
  return nullptr;
}

const ErrorRecord* errorOf(const RankRecords& records, int rank) {
  const ErrorRecord* first = nullptr;
  for (const auto& e : records.errors) {
    if (e.rank == rank && (!first || e.time < first->time)) first = &e;
  }
  return first;
}

std::string howItEnded(const ExitRecord* exit, const ErrorRecord* error) {
  if (exit && exit->signal != 0) {
    return "was killed by signal " + std::to_string(exit->signal) + " (" +
           signalName(exit->signal) + ")";
  }
  if (error && error->kind == "signal") return "died of a fatal signal";
  if (error && error->kind == "exception") {
    return exit ? "failed with an exception (exit code " + std::to_string(exit->exit_code) + ")"
                : "failed with an exception";
  }
  if (error && error->kind == "watchdog") return "gave up waiting in a collective";
  if (exit) return "exited with code " + std::to_string(exit->exit_code);
  return "failed";
}

RootCause blameRank(const RootCauseInput& in, const Candidate& first) {
  RootCause cause;
  const ExitRecord* exit = first.exit ? first.exit : exitOf(in.records, first.rank);
  const ErrorRecord* error = first.error ? first.error : errorOf(in.records, first.rank);
  cause.rank = first.rank;
  cause.host = first.host.empty() ? in.plan->hostOf(first.rank) : first.host;
  cause.headline =
      "rank " + std::to_string(first.rank) + " on " + cause.host + " " + howItEnded(exit, error);
  if (error) cause.error = error->message;
  bool by_signal = (exit && exit->signal != 0) || (error && error->kind == "signal");
  cause.status = by_signal ? exit_status::kRankKilled : exit_status::kRankFailed;
  // Later failures of other ranks are usually consequences; say how many.
  std::set<int> others;
  for (const auto& c : candidates(in.records)) {
    if (c.rank != first.rank) others.insert(c.rank);
  }
  if (!others.empty()) {
    cause.notes.push_back("rank(s) " + rankRanges({others.begin(), others.end()}) +
                          " failed after it (probably as a consequence)");
  }
  return cause;
}

// See Note [A rank that leaves early] in root_cause.h.
struct EarlyExit {
  const ExitRecord* exit = nullptr;
  std::vector<int> still_running;  // the ranks it left behind
};

bool leftByItself(const ExitRecord& x) { return !x.stopped && x.signal == 0 && x.exit_code == 0; }

// The first rank whose program exited 0 by itself, before `before`, while
// other ranks that had started were still running: they have no exit record,
// or one written after it that says they were stopped or failed.
std::optional<EarlyExit> firstEarlyExit(const RootCauseInput& in, double before) {
  std::vector<const ExitRecord*> leavers;
  for (const auto& x : in.records.exits) {
    if (leftByItself(x) && x.time < before) leavers.push_back(&x);
  }
  std::stable_sort(leavers.begin(), leavers.end(),
                   [](const ExitRecord* a, const ExitRecord* b) { return a->time < b->time; });
  for (const ExitRecord* leaver : leavers) {
    EarlyExit early;
    early.exit = leaver;
    for (int rank : std::set<int>(in.records.started.begin(), in.records.started.end())) {
      if (rank == leaver->rank) continue;
      const ExitRecord* other = exitOf(in.records, rank);
      if (!other || (other->time > leaver->time && !leftByItself(*other)))
        early.still_running.push_back(rank);
    }
    if (!early.still_running.empty()) return early;
  }
  return std::nullopt;
}

RootCause blameEarlyExit(const RootCauseInput& in, const EarlyExit& early) {
  const ExitRecord& x = *early.exit;
  RootCause cause;
  cause.status = exit_status::kRankFailed;
  cause.rank = x.rank;
  cause.host = x.host.empty() ? in.plan->hostOf(x.rank) : x.host;
  cause.headline = "rank " + std::to_string(x.rank) + " on " + cause.host + " exited 0 at " +
                   isoTime(x.time) + " while rank(s) " + rankRanges(early.still_running) +
                   " were still running: a rank that leaves before the others makes them wait "
                   "in a collective";
  cause.notes.push_back("rank(s) " + rankRanges(early.still_running) +
                        " ended after it (stopped, failed, or without a record): consequences");
  return cause;
}

// Ranks whose agent started (it wrote rank-N.log) but left no exit record:
// their agent was killed with them, as when a host's processes all die.
RootCause blameVanished(const RootCauseInput& in) {
  std::set<int> started(in.records.started.begin(), in.records.started.end());
  std::set<int> ended;
  for (const auto& x : in.records.exits) ended.insert(x.rank);
  std::map<std::string, std::vector<int>> vanished_by_host, silent_by_host;
  for (const auto& h : in.plan->hosts) {
    for (int r = h.first_rank; r < h.first_rank + h.ranks; ++r) {
      if (ended.count(r)) continue;
      (started.count(r) ? vanished_by_host : silent_by_host)[h.name].push_back(r);
    }
  }
  RootCause cause;
  for (const auto& h : in.plan->hosts) {
    auto it = vanished_by_host.find(h.name);
    if (it == vanished_by_host.end()) continue;
    bool whole_host = static_cast<int>(it->second.size()) == h.ranks;
    cause.host = h.name;
    cause.rank = it->second.front();
    if (whole_host) {
      cause.status = exit_status::kHostLost;
      cause.headline = "every rank on host " + h.name + " (" + rankRanges(it->second) +
                       ") vanished without a record: the host's processes were killed "
                       "(out of memory?) or the host crashed";
    } else {
      cause.status = exit_status::kRankKilled;
      cause.headline = "rank(s) " + rankRanges(it->second) + " on " + h.name +
                       " vanished without a record (killed together with cohortrun's rank agent)";
    }
    break;
  }
  for (const auto& [host, ranks] : silent_by_host) {
    cause.notes.push_back("no log from rank(s) " + rankRanges(ranks) + " on " + host +
                          " reached the logs folder: they did not start, or the logs folder is "
                          "not on a file system that host shares");
  }
  return cause;
}

}  // namespace

std::string signalName(int signal) {
  switch (signal) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGALRM:
      return "SIGALRM";
    case SIGTERM:
      return "SIGTERM";
    case SIGXCPU:
      return "SIGXCPU";
    default:
      return "signal " + std::to_string(signal);
  }
}

std::string rankRanges(std::vector<int> ranks) {
  std::sort(ranks.begin(), ranks.end());
  std::string out;
  for (size_t i = 0; i < ranks.size();) {
    size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ranks[i]);
    if (j > i) out += "-" + std::to_string(ranks[j]);
    i = j + 1;
  }
  return out;
}

RootCause findRootCause(const RootCauseInput& in) {
  const EngineOutcome& engine = in.engine;
  RootCause cause;
  if (engine.interrupted_by != 0) {
    cause.status = exit_status::kInterruptedBase + engine.interrupted_by;
    cause.headline = "stopped by " + signalName(engine.interrupted_by) + " sent to cohortrun";
    return cause;
  }
  if (engine.timed_out) {
    cause.status = exit_status::kTimedOut;
    cause.headline = "the job ran past --timeout and was stopped";
    return cause;
  }
  auto all = candidates(in.records);
  if (!all.empty()) {
    // A collective that timed out waited for someone: for a rank that had left?
    const Candidate& first = all.front();
    if (first.error && first.error->kind == "watchdog") {
      if (auto early = firstEarlyExit(in, first.time)) return blameEarlyExit(in, *early);
    }
    return blameRank(in, first);
  }
  if (engine.exit_code == 0 && engine.signal == 0) return cause;  // success

  if (!in.unreachable_hosts.empty()) {
    cause.status = exit_status::kHostLost;
    cause.host = in.unreachable_hosts.front();
    std::string ranks;
    for (const auto& h : in.plan->hosts) {
      if (h.name != cause.host) continue;
      std::vector<int> list;
      for (int r = h.first_rank; r < h.first_rank + h.ranks; ++r) list.push_back(r);
      ranks = " (rank(s) " + rankRanges(list) + ")";
    }
    cause.headline = "host " + cause.host + ranks +
                     " stopped answering: its network link or the host itself is down";
    for (size_t i = 1; i < in.unreachable_hosts.size(); ++i) {
      cause.notes.push_back("host " + in.unreachable_hosts[i] + " does not answer either");
    }
    return cause;
  }
  if (!in.logs_problem.empty()) {
    // Records that could not be written blame no one.
    cause.notes.push_back("the logs folder cannot be written (" + in.logs_problem +
                          "): the ranks' records of how they ended may be missing; see the "
                          "rank logs, free space and start again");
  } else {
    if (auto early = firstEarlyExit(in, std::numeric_limits<double>::infinity()))
      return blameEarlyExit(in, *early);
    cause = blameVanished(in);
    if (!cause.headline.empty()) return cause;
  }

  auto notes = cause.notes;
  cause = RootCause{};
  cause.notes = notes;
  cause.status = exit_status::kEngineFailed;
  cause.headline =
      in.engine_name +
      (engine.signal != 0 ? " was killed by " + signalName(engine.signal)
                          : " exited with status " + std::to_string(engine.exit_code)) +
      " and no rank recorded a failure";
  return cause;
}

}  // namespace cohort::launcher
