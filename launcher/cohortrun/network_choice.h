// Which TCP network the ranks of a host list talk over. Open MPI otherwise
// tries every interface, and a host with a docker bridge or a second NIC that
// the others cannot reach makes a job hang at start; cohortrun picks the one
// local network that holds every host's address (or uses --network).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cohort::launcher {

struct LocalNetwork {
  std::string interface;
  uint32_t address = 0;  // IPv4, host byte order
  int prefix = 0;        // e.g. 24
};

// This machine's IPv4 networks (getifaddrs), loopback left out.
std::vector<LocalNetwork> localNetworks();

// The CIDR ("10.200.0.0/24") of the first local network that holds every one
// of `host_addresses` (loopback ones ignored), or "" when none does.
std::string chooseNetwork(const std::vector<LocalNetwork>& networks,
                          const std::vector<uint32_t>& host_addresses);

// "10.200.0.7" (host byte order in).
std::string formatIpv4(uint32_t address);

}  // namespace cohort::launcher
