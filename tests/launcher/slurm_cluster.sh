# A real Slurm cluster (Debian's slurm-wlm and munge), private to one test:
# its own munge key and socket, state, spool, logs and ports under a folder
# of the test's, so it touches nothing of the machine's (no system munged, no
# /etc/slurm). Sourced by the Slurm checks, not run.
#
#   slurm_up DIR          one node, this machine
#   slurm_up_hosts DIR N  nodes h1..hN, the network-namespace hosts of
#                         netns_hosts.sh: slurmctld on h1, a slurmd on each;
#                         Slurm commands must then run on a host (host_exec)
#   slurm_down            stops every daemon (and any job left)
# Both slurm_up forms export SLURM_CONF and return once every node is idle.
# DIR must be reachable by the munge user (munged runs as munge). Needs root.

slurm_dir=""
slurm_client=()  # how to run a Slurm command: directly, or on host h1

_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# munged with a fresh key, readable by munge only, on a private socket.
_slurm_munge() {
  mkdir -p "$slurm_dir"/{munge,state,spool}
  chmod 755 "$slurm_dir"
  chown munge:munge "$slurm_dir/munge"
  chmod 700 "$slurm_dir/munge"
  dd if=/dev/urandom bs=1 count=1024 of="$slurm_dir/munge/munge.key" status=none
  chown munge:munge "$slurm_dir/munge/munge.key"
  chmod 400 "$slurm_dir/munge/munge.key"
  runuser -u munge -- /usr/sbin/munged --force \
    --key-file="$slurm_dir/munge/munge.key" --socket="$slurm_dir/munge/munge.socket" \
    --pid-file="$slurm_dir/munge/munged.pid" --log-file="$slurm_dir/munge/munged.log" \
    --seed-file="$slurm_dir/munge/munged.seed"
}

# slurm.conf: the controller "NAME(ADDRESS)", its two ports, then one
# "NAME ADDRESS" per node. Files a slurmd writes carry its node name (%n).
_slurm_conf() {
  local controller=$1 ctld_port=$2 slurmd_port=$3
  shift 3
  cat >"$slurm_dir/slurm.conf" <<CONF
ClusterName=cohorttest
SlurmctldHost=$controller
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$slurm_dir/munge/munge.socket
StateSaveLocation=$slurm_dir/state
SlurmdSpoolDir=$slurm_dir/spool/%n
# Per node: PMIx puts a folder named after the step here, which nodes sharing
# one /tmp would fight over.
TmpFS=$slurm_dir/tmp/%n
SlurmctldPidFile=$slurm_dir/slurmctld.pid
SlurmdPidFile=$slurm_dir/slurmd-%n.pid
SlurmctldLogFile=$slurm_dir/slurmctld.log
SlurmdLogFile=$slurm_dir/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
KillWait=5
CONF
  while [ $# -gt 0 ]; do
    mkdir -p "$slurm_dir/spool/$1" "$slurm_dir/tmp/$1"
    echo "NodeName=$1 NodeAddr=$2 CPUs=2 State=UNKNOWN" >>"$slurm_dir/slurm.conf"
    shift 2
  done
  echo "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4" \
    >>"$slurm_dir/slurm.conf"
  export SLURM_CONF=$slurm_dir/slurm.conf
}

_slurm_wait_idle() {
  local count=$1
  for _ in $(seq 1 100); do
    "${slurm_client[@]}" sinfo -h -o '%T %D' 2>/dev/null | grep -qx "idle $count" && return 0
    sleep 0.1
  done
  echo "slurm: the nodes did not become idle; logs in $slurm_dir" >&2
  return 1
}

slurm_up() {
  slurm_dir=$1
  slurm_client=()
  local node
  node=$(hostname)
  _slurm_munge || return 1
  _slurm_conf "$node(127.0.0.1)" "$(_free_port)" "$(_free_port)" "$node" 127.0.0.1
  /usr/sbin/slurmctld -f "$SLURM_CONF" -i || return 1
  /usr/sbin/slurmd -f "$SLURM_CONF" -N "$node" || return 1
  _slurm_wait_idle 1
}

slurm_up_hosts() {
  slurm_dir=$1
  local count=$2 k nodes=()
  slurm_client=(host_exec 1)
  _slurm_munge || return 1
  for k in $(seq 1 "$count"); do nodes+=("h$k" "$netns_subnet.$k"); done
  # Each host has its own network: the usual ports are free there.
  _slurm_conf "h1($netns_subnet.1)" 6817 6818 "${nodes[@]}"
  host_exec 1 /usr/sbin/slurmctld -f "$SLURM_CONF" -i || return 1
  for k in $(seq 1 "$count"); do host_exec "$k" /usr/sbin/slurmd -f "$SLURM_CONF" -N "h$k" || return 1; done
  _slurm_wait_idle "$count"
}

slurm_down() {
  [ -n "$slurm_dir" ] || return 0
  "${slurm_client[@]}" scancel --full --signal=KILL -u root >/dev/null 2>&1 || true
  local pidfiles=("$slurm_dir"/slurmd-*.pid "$slurm_dir/slurmctld.pid" "$slurm_dir/munge/munged.pid")
  local f pid
  for f in "${pidfiles[@]}"; do
    pid=$(cat "$f" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
  done
  for _ in $(seq 1 30); do
    local alive=0
    for f in "${pidfiles[@]}"; do
      pid=$(cat "$f" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for f in "${pidfiles[@]}"; do
    pid=$(cat "$f" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
  done
  unset SLURM_CONF
  slurm_dir=""
  return 0
}
