// Checks made before anything starts, so bad input fails in a second with a
// message instead of leaving half a job behind: the engine is installed,
// every host resolves and answers ssh (that the program can be run is
// resolveProgram's, in common/program_path.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cohort::launcher {

// Throws ConfigError naming the engine and the package that provides it.
void requireEngine(const std::string& name);

// True for "localhost", this machine's name, and names of its own addresses.
bool isLocalHost(const std::string& host);

// The IPv4 address of `host`; throws ConfigError when it does not resolve.
uint32_t resolveHost(const std::string& host);

struct HostProblem {
  std::string host;
  std::string why;  // ssh's own message, or what timed out
};

// Runs "ssh -o BatchMode=yes -o ConnectTimeout=T HOST true" (or the agent
// named by OMPI_MCA_plm_rsh_agent) to every host that is not this machine,
// all at once, and returns the hosts that did not answer within about T s.
std::vector<HostProblem> unreachableHosts(const std::vector<std::string>& hosts, int timeout_s);

}  // namespace cohort::launcher
