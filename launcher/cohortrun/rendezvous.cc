#include "cohortrun/rendezvous.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "cohort/core/file_io.h"

namespace cohort::launcher {

int freeTcpPort() {
  UniqueFd socket_fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (socket_fd.fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = 0;  // the kernel picks
  if (::bind(socket_fd.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 0;
  socklen_t length = sizeof address;
  if (::getsockname(socket_fd.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

Rendezvous chooseRendezvous(const JobPlan& plan) {
  Rendezvous r;
  r.addr = plan.engine == Engine::kMpirunLocal || plan.engine == Engine::kDirect ? "127.0.0.1"
                                                                                 : plan.hostOf(0);
  r.port = freeTcpPort();
  return r;
}

}  // namespace cohort::launcher
