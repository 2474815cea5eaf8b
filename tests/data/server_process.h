// A server a test starts itself (Azurite, the WebHDFS fixture): on 127.0.0.1,
// on a free port, killed when the test ends, even when the test process dies
// (the child gets SIGKILL with its parent, through PR_SET_PDEATHSIG; Linux ties
// that to the starting thread, so start servers from a thread that outlives them).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cohort::test {

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
int freePort();

class ServerProcess {
 public:
  // Starts `argv` with its output to `log_path`, and waits (up to 60 s) until
  // each of `ports` accepts connections; throws std::runtime_error (with the
  // log's tail) otherwise.
  ServerProcess(std::vector<std::string> argv, std::vector<int> ports, std::string log_path);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it.
  void stop();
  // Starts it again with the same command and ports.
  void start();
  bool running() const { return pid_ > 0; }

 private:
  std::vector<std::string> argv_;
  std::vector<int> ports_;
  std::string log_path_;
  pid_t pid_ = -1;
};

// The repository's Azurite (installed by scripts/setup.sh), started on a free
// port with its data in `folder`. Throws (saying to run scripts/setup.sh) when
// it is not installed.
struct Azurite {
  explicit Azurite(const std::string& folder);
  int port;
  std::string endpoint;  // http://127.0.0.1:PORT/devstoreaccount1
  ServerProcess process;

  static constexpr const char* kAccount = "devstoreaccount1";
  // Azurite's published development key for devstoreaccount1.
  static constexpr const char* kKey =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
};

// The WebHDFS fixture (webhdfs_fixture.py) serving `folder`.
struct WebHdfsFixture {
  WebHdfsFixture(const std::string& folder, const std::string& token = "",
                 bool require_user = false);
  int namenode_port;
  int datanode_port;
  ServerProcess process;

  // POSTs to the fixture's control path ("/_fixture/faults?cut=1"); returns the body.
  std::string control(const std::string& method, const std::string& path_and_query) const;
};

}  // namespace cohort::test
