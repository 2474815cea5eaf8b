#include "cohortrun/network_choice.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace cohort::launcher {

namespace {
bool isLoopback(uint32_t address) { return (address >> 24) == 127; }

uint32_t mask(int prefix) { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
}  // namespace

std::string formatIpv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
         std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255);
}

std::vector<LocalNetwork> localNetworks() {
  std::vector<LocalNetwork> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    uint32_t address = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
    uint32_t netmask = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr);
    int prefix = 0;
    while (prefix < 32 && (netmask & (uint32_t{1} << (31 - prefix)))) ++prefix;
    out.push_back({i->ifa_name, address, prefix});
  }
  freeifaddrs(list);
  return out;
}

std::string chooseNetwork(const std::vector<LocalNetwork>& networks,
                          const std::vector<uint32_t>& host_addresses) {
  for (const auto& net : networks) {
    uint32_t m = mask(net.prefix);
    bool holds_all = true, holds_any = false;
    for (uint32_t a : host_addresses) {
      if (isLoopback(a)) continue;
      holds_any = true;
      if ((a & m) != (net.address & m)) holds_all = false;
    }
    if (holds_all && holds_any)
      return formatIpv4(net.address & m) + "/" + std::to_string(net.prefix);
  }
  return "";
}

}  // namespace cohort::launcher
