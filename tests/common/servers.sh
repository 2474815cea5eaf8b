# The servers the shell tests start themselves (sourced): each on 127.0.0.1
# on a free port, its pid added to the caller's `pids` array so that the
# caller's cleanup stops it. The caller defines `root` (the repository) and
# `work` (a temporary folder).

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {  # wait_port PORT: until it accepts connections (20 s at most)
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on 127.0.0.1:$1 after 20 s" >&2
  return 1
}

stop_pid() {  # stop_pid PID: SIGTERM, then SIGKILL after 3 s
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 30); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# start_azurite NAME: the repository's Azurite with its data in $work/NAME;
# sets azurite_port, azurite_endpoint (http://127.0.0.1:PORT/devstoreaccount1),
# azurite_pid and azurite_key (Azurite's published development key).
start_azurite() {
  local bin="$root/.deps/azurite/node_modules/.bin/azurite-blob"
  [ -x "$bin" ] || { echo "no Azurite at $bin: run scripts/setup.sh" >&2; return 1; }
  azurite_port=$(free_port)
  "$bin" --blobHost 127.0.0.1 --blobPort "$azurite_port" --location "$work/$1" --silent --skipApiVersionCheck \
    >"$work/$1.log" 2>&1 &
  azurite_pid=$!
  pids+=("$azurite_pid")
  wait_port "$azurite_port"
  azurite_endpoint="http://127.0.0.1:$azurite_port/devstoreaccount1"
  azurite_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
}

# start_webhdfs NAME [FIXTURE OPTIONS...]: the WebHDFS fixture (a stand-in for
# a real HDFS) serving $work/NAME; sets webhdfs_namenode (its port) and webhdfs_pid.
start_webhdfs() {
  local name="$1"; shift
  webhdfs_namenode=$(free_port)
  local datanode; datanode=$(free_port)
  /usr/bin/python3 "$root/tests/data/webhdfs_fixture.py" --root "$work/$name" --namenode-port "$webhdfs_namenode" \
    --datanode-port "$datanode" "$@" >"$work/$name.log" 2>&1 &
  webhdfs_pid=$!
  pids+=("$webhdfs_pid")
  wait_port "$webhdfs_namenode" && wait_port "$datanode"
}
