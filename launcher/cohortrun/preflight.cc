#include "cohortrun/preflight.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "cohort/core/error.h"
#include "cohortrun/network_choice.h"
#include "common/child_process.h"
#include "common/output_pump.h"
#include "common/posix_io.h"
#include "common/program_path.h"

namespace cohort::launcher {

namespace {

// The remote shell mpirun would use: OMPI_MCA_plm_rsh_agent's first choice, or ssh.
std::vector<std::string> remoteShell() {
  const char* agent = std::getenv("OMPI_MCA_plm_rsh_agent");
  std::string text = agent && *agent ? agent : "ssh";
  text = text.substr(0, text.find(':'));
  std::vector<std::string> words;
  size_t start = 0;
  while ((start = text.find_first_not_of(' ', start)) != std::string::npos) {
    size_t end = text.find(' ', start);
    words.push_back(text.substr(start, end - start));
    start = end;
  }
  return words;
}

}  // namespace

void requireEngine(const std::string& name) {
  if (!findInPath(name).empty()) return;
  std::string package = name == "mpirun" ? "openmpi-bin" : "slurm-client";
  throw ConfigError(name + " is not installed here (not in PATH)",
                    "install it (Debian: apt-get install " + package + ") or add it to PATH");
}

bool isLocalHost(const std::string& host) {
  if (host == "localhost" || host == hostName()) return true;
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  uint32_t address = ntohl(reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  if ((address >> 24) == 127) return true;
  for (const auto& net : localNetworks()) {
    if (net.address == address) return true;
  }
  return false;
}

uint32_t resolveHost(const std::string& host) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    throw ConfigError("host '" + host + "' does not resolve: " + gai_strerror(rc),
                      "check the name, or add it to DNS or /etc/hosts");
  }
  uint32_t address = ntohl(reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  return address;
}

std::vector<HostProblem> unreachableHosts(const std::vector<std::string>& hosts, int timeout_s) {
  constexpr size_t kMaxOutput = 4096;  // of each probe, for the message
  struct Probe {
    std::string host;
    ChildProcess child;
    std::string output;
  };
  std::vector<std::unique_ptr<Probe>> probes;
  std::vector<HostProblem> problems;
  std::vector<std::string> shell = remoteShell();
  OutputPump pump;
  for (const auto& host : hosts) {
    if (isLocalHost(host)) continue;
    ChildSpec spec;
    spec.argv = shell;
    if (spec.argv[0] == "ssh") {
      spec.argv.insert(spec.argv.end(), {"-o", "BatchMode=yes", "-o",
                                         "ConnectTimeout=" + std::to_string(timeout_s)});
    }
    spec.argv.insert(spec.argv.end(), {host, "true"});
    spec.in = Stream::kNull;
    spec.out = Stream::kPipe;
    spec.err = Stream::kLikeStdout;
    try {
      probes.push_back(std::make_unique<Probe>(Probe{host, ChildProcess(spec), ""}));
    } catch (const Error& e) {
      problems.push_back({host, std::string("cannot check it: ") + e.what()});
      continue;
    }
    Probe* probe = probes.back().get();
    pump.add(probe->child.takeStdout(), [probe](const std::string& line) {
      if (probe->output.size() < kMaxOutput) probe->output += line + "\n";
    });
  }
  // Read every probe's output until it ends or the time is up.
  double deadline = unixNow() + timeout_s + 2;
  while (pump.openCount() > 0 && unixNow() < deadline) pump.pump(200);
  pump.finish();
  for (auto& p : probes) {
    // A probe that closed its output exits a moment later.
    bool done = p->child.poll();
    while (!done && unixNow() < deadline) {
      usleep(10 * 1000);
      done = p->child.poll();
    }
    if (!done) {
      p->child.signalGroup(SIGKILL);
      p->child.wait();
    }
    const ExitStatus status = p->child.status();
    if (done && status.exit_code == 0) continue;
    std::string why = p->output;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (!done) why = "no answer to " + shell[0] + " within " + std::to_string(timeout_s + 2) + " s";
    if (why.empty() && status.signal != 0) {
      why = shell[0] + " was killed by signal " + std::to_string(status.signal);
    }
    if (why.empty()) why = shell[0] + " exited with status " + std::to_string(status.exit_code);
    problems.push_back({p->host, why});
  }
  return problems;
}

}  // namespace cohort::launcher
