# Several "hosts" on this one machine, made of network namespaces, each with
# its own address, hostname, /etc/hosts and sshd (so mpirun reaches them over
# real ssh, as on a cluster). The file system is shared, as a cluster's
# shared file system would be (/tmp too: Slurm gets a TmpFS per node instead,
# see slurm_cluster.sh). Sourced by the multi-host tests, not run.
#
#   hosts_up N DIR      hosts h1..hN at 10.200.0.1..N on a private bridge;
#                       DIR holds their keys, configs and scratch files
#   host_exec K CMD...  runs CMD on host K (its network, mounts and hostname)
#   host_pids K         every process of host K except its sshd
#   link_down K / link_up K
#   link_rate K RATE    limits host K's link to RATE (tc's units: 1gbit,
#                       10gbit) in both directions; link_rate K off lifts it
#   hosts_down          stops every process of every host and removes them
#
# The bridge lives in its own namespace: the machine's own network is not
# touched. Namespace names carry this shell's pid, so parallel runs do not meet.
# Needs root; callers skip when not root.

netns_prefix="cohort$$"
netns_count=0
netns_dir=""
netns_subnet="10.200.0"

_ns() { echo "${netns_prefix}-$1"; }

hosts_up() {
  netns_count=$1
  netns_dir=$2
  mkdir -p "$netns_dir/ssh" /run/sshd
  # One client key for root, trusted by every host; known_hosts is not kept.
  ssh-keygen -q -t ed25519 -N '' -f "$netns_dir/ssh/id_ed25519"
  cp "$netns_dir/ssh/id_ed25519.pub" "$netns_dir/ssh/authorized_keys"
  cat >"$netns_dir/ssh/config" <<CONF
Host *
  IdentityFile /root/.ssh/id_ed25519
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
CONF
  chmod 700 "$netns_dir/ssh"
  {
    echo "127.0.0.1 localhost"
    for k in $(seq 1 "$netns_count"); do echo "$netns_subnet.$k h$k"; done
    # h9 has an address but no machine behind it: an unreachable host.
    echo "$netns_subnet.9 h9"
  } >"$netns_dir/hosts"

  local bridge
  bridge=$(_ns br)
  ip netns add "$bridge"
  ip -n "$bridge" link add br0 type bridge
  ip -n "$bridge" link set br0 up
  ip -n "$bridge" link set lo up
  for k in $(seq 1 "$netns_count"); do
    local ns
    ns=$(_ns "h$k")
    ip netns add "$ns"
    ip -n "$bridge" link add "v$k" type veth peer name eth0 netns "$ns"
    ip -n "$bridge" link set "v$k" master br0 up
    ip -n "$ns" addr add "$netns_subnet.$k/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    _start_sshd "$k"
  done
  # Every host answers ssh before the test goes on.
  for k in $(seq 1 "$netns_count"); do
    for _ in $(seq 1 50); do
      host_exec 1 ssh "h$k" true 2>/dev/null && break
      sleep 0.1
    done
  done
}

_start_sshd() {
  local k=$1 ns conf
  ns=$(_ns "h$k")
  mkdir -p "$netns_dir/h$k"
  ssh-keygen -q -t ed25519 -N '' -f "$netns_dir/h$k/host_key"
  conf="$netns_dir/h$k/sshd_config"
  cat >"$conf" <<CONF
ListenAddress $netns_subnet.$k
HostKey $netns_dir/h$k/host_key
PidFile $netns_dir/h$k/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AuthorizedKeysFile /root/.ssh/authorized_keys
ClientAliveInterval 2
ClientAliveCountMax 3
CONF
  # The host's own /etc/hosts, hostname and root's ssh folder; everything
  # else is shared with the machine.
  nsenter --net="/run/netns/$ns" unshare --mount --uts --propagation private -- bash -c "
    mount --bind '$netns_dir/hosts' /etc/hosts
    mkdir -p /root/.ssh && mount --bind '$netns_dir/ssh' /root/.ssh
    hostname h$k
    exec /usr/sbin/sshd -D -f '$conf'" </dev/null >"$netns_dir/h$k/sshd.log" 2>&1 &
  echo $! >"$netns_dir/h$k/sshd.leader"
  disown $!  # hosts_down ends it; no "Killed" notice from this shell
}

# The sshd process of host K: its namespaces are the host's.
_host_anchor() {
  cat "$netns_dir/h$1/sshd.leader"
}

host_exec() {
  local k=$1
  shift
  nsenter -t "$(_host_anchor "$k")" -n -m -u -- "$@"
}

host_pids() {
  local anchor
  anchor=$(_host_anchor "$1")
  ip netns pids "$(_ns "h$1")" 2>/dev/null | grep -vx "$anchor" || true
}

# A token bucket (tbf) on both ends of the host's veth pair: tc shapes only
# what leaves an interface, so the host's eth0 limits what it sends and the
# bridge's end what it receives. netem (delay, loss) is not in every kernel;
# a rate is what a slower network is here. The burst is what the rate sends
# in about 1 ms (at least 128 KiB), the queue holds 10 ms.
link_rate() {
  local k=$1 rate=$2 ns bridge burst
  ns=$(_ns "h$k")
  bridge=$(_ns br)
  tc -n "$ns" qdisc del dev eth0 root 2>/dev/null || true
  tc -n "$bridge" qdisc del dev "v$k" root 2>/dev/null || true
  [ "$rate" = off ] && return 0
  case $rate in
    *gbit) burst=$((${rate%gbit} * 125))kb ;;
    *) burst=128kb ;;
  esac
  [ "${burst%kb}" -ge 128 ] || burst=128kb
  tc -n "$ns" qdisc add dev eth0 root tbf rate "$rate" burst "$burst" latency 10ms
  tc -n "$bridge" qdisc add dev "v$k" root tbf rate "$rate" burst "$burst" latency 10ms
}

link_down() { ip -n "$(_ns "h$1")" link set eth0 down; }
link_up() { ip -n "$(_ns "h$1")" link set eth0 up; }

hosts_down() {
  [ "$netns_count" -gt 0 ] || return 0
  local k ns pids
  for k in $(seq 1 "$netns_count"); do
    ns=$(_ns "h$k")
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
  done
  sleep 0.2
  for k in $(seq 1 "$netns_count"); do ip netns delete "$(_ns "h$k")" 2>/dev/null || true; done
  ip netns delete "$(_ns br)" 2>/dev/null || true
  netns_count=0
}
