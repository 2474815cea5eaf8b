# A real single-node Slurm cluster (Debian's slurm-wlm and munge), private to
# one test: its own munge key and socket, state, spool, logs and ports under a
# folder of the test's, so it touches nothing of the machine's (no system
# munged, no /etc/slurm). Sourced by check_launcher_slurm.sh, not run.
#
#   slurm_up DIR   starts munged, slurmctld and slurmd; exports SLURM_CONF;
#                  returns once the node is idle
#   slurm_down     stops them (and any job left) and forgets them
# Needs root (slurmd runs jobs as their owner).

slurm_dir=""
slurm_pids=()

_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slurm_up() {
  slurm_dir=$1
  local node
  node=$(hostname)
  mkdir -p "$slurm_dir"/{munge,state,spool}
  chmod 755 "$slurm_dir"  # munged runs as munge and must reach its folder
  chown munge:munge "$slurm_dir/munge"
  chmod 700 "$slurm_dir/munge"
  # A fresh key, readable by munge only, and munged on a private socket.
  dd if=/dev/urandom bs=1 count=1024 of="$slurm_dir/munge/munge.key" status=none
  chown munge:munge "$slurm_dir/munge/munge.key"
  chmod 400 "$slurm_dir/munge/munge.key"
  runuser -u munge -- /usr/sbin/munged --force \
    --key-file="$slurm_dir/munge/munge.key" --socket="$slurm_dir/munge/munge.socket" \
    --pid-file="$slurm_dir/munge/munged.pid" --log-file="$slurm_dir/munge/munged.log" \
    --seed-file="$slurm_dir/munge/munged.seed" || return 1
  cat >"$slurm_dir/slurm.conf" <<CONF
ClusterName=cohorttest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(_free_port)
SlurmdPort=$(_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$slurm_dir/munge/munge.socket
StateSaveLocation=$slurm_dir/state
SlurmdSpoolDir=$slurm_dir/spool
SlurmctldPidFile=$slurm_dir/slurmctld.pid
SlurmdPidFile=$slurm_dir/slurmd.pid
SlurmctldLogFile=$slurm_dir/slurmctld.log
SlurmdLogFile=$slurm_dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
  export SLURM_CONF=$slurm_dir/slurm.conf
  /usr/sbin/slurmctld -f "$SLURM_CONF" -i || return 1
  /usr/sbin/slurmd -f "$SLURM_CONF" || return 1
  for _ in $(seq 1 100); do
    sinfo -h -o '%T' 2>/dev/null | grep -qx idle && return 0
    sleep 0.1
  done
  echo "slurm_up: the node did not become idle; logs in $slurm_dir" >&2
  return 1
}

slurm_down() {
  [ -n "$slurm_dir" ] || return 0
  scancel --full --signal=KILL -u root >/dev/null 2>&1 || true
  local f pid
  for f in slurmd.pid slurmctld.pid munge/munged.pid; do
    pid=$(cat "$slurm_dir/$f" 2>/dev/null) || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 30); do
    local alive=0
    for f in slurmd.pid slurmctld.pid munge/munged.pid; do
      pid=$(cat "$slurm_dir/$f" 2>/dev/null) || continue
      kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for f in slurmd.pid slurmctld.pid munge/munged.pid; do
    pid=$(cat "$slurm_dir/$f" 2>/dev/null) || continue
    kill -KILL "$pid" 2>/dev/null || true
  done
  unset SLURM_CONF
  slurm_dir=""
}
