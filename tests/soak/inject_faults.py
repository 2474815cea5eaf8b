"""The soak's fault injector (scripts/soak.sh, docs/soak.md).

While the job (cohortrun, --job-pid) runs, injects up to --faults faults, one
at a time, each after the job has trained again since the previous one ended
and a random pause:

  kill       SIGKILL to a random rank process (never its agent or mpirun)
  kill-restart  a kill, then another while the job restarts (in init, in
             resume or in its first steps, 0-1.5 s after the new ranks appear)
  stop       SIGSTOP to a random rank for 1-4 s, then SIGCONT
  stop-long  SIGSTOP for longer than COHORT_COLLECTIVE_TIMEOUT_S: the other
             rank's watchdog ends the job and cohortrun restarts it
  azurite    Azurite stopped (SIGTERM, SIGKILL after 3 s) for 2-6 s, then
             started again on the same port and data folder
  disk       the outputs tmpfs filled to the last byte for 2-6 s

A fault is aimed at a moment: a random one, or (where it applies) the next
checkpoint write (a .step-N.tmp folder exists), the next upload pass (the
uploader's I/O counters move) or the next shard fetch (Azurite's I/O
counters move while the uploader's stay still). Whatever was aimed at, the
record says what the job was doing when the fault struck, as seen in the
30 ms before it. Each fault is one JSON line appended to --record when it
has been undone.

The tag that marks the job's command lines comes in SOAK_TAG (not in this
program's own arguments, so pgrep for the tag never finds the injector).
SIGTERM ends the injector after it has undone the fault in progress.
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time

stopping = False


def on_term(signum, frame):
    global stopping
    stopping = True


def alive(pid):
    """True while pid runs (a zombie is not alive)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def environ_of(pid):
    env = {}
    for item in read_text(f"/proc/{pid}/environ").split(b"\0"):
        key, _, value = item.partition(b"=")
        env[key.decode(errors="replace")] = value.decode(errors="replace")
    return env


def processes():
    for name in os.listdir("/proc"):
        if name.isdigit():
            yield int(name)


def ranks(program, tag):
    """The job's rank processes: [(pid, rank, attempt)]."""
    found = []
    for pid in processes():
        try:
            if os.readlink(f"/proc/{pid}/exe") != program:
                continue
        except OSError:
            continue
        if tag.encode() not in read_text(f"/proc/{pid}/cmdline") or not alive(pid):
            continue
        env = environ_of(pid)
        found.append((pid, int(env.get("COHORT_RANK", "-1")), int(env.get("COHORT_RESTART_COUNT", "0"))))
    return sorted(found, key=lambda r: r[1])


def uploader(logs):
    """The pid of the job's cohort-upload --watch, or None."""
    for pid in processes():
        try:
            if os.path.basename(os.readlink(f"/proc/{pid}/exe")) != "cohort-upload":
                continue
        except OSError:
            continue
        argv = read_text(f"/proc/{pid}/cmdline").split(b"\0")
        if b"--watch" in argv and logs.encode() in argv and alive(pid):
            return pid
    return None


def io_counts(pids):
    """rchar and wchar of each pid, summed."""
    total = [0, 0]
    for pid in pids:
        for line in read_text(f"/proc/{pid}/io").decode().splitlines():
            key, _, value = line.partition(":")
            if key == "rchar":
                total[0] += int(value)
            elif key == "wchar":
                total[1] += int(value)
    return total


def checkpoint_writing(outputs):
    try:
        return any(n.startswith(".step-") for n in os.listdir(os.path.join(outputs, "checkpoints")))
    except OSError:
        return False


def last_ledger_attempt(ledger):
    """The attempt of rank 0's newest ledger line, and the ledger's size."""
    path = os.path.join(ledger, "rank-0.ledger")
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            f.seek(max(0, size - 4096))
            lines = f.read().splitlines()
        return (int(lines[-1].split()[0]) if lines else -1), size
    except (OSError, ValueError, IndexError):
        return -1, 0


class Job:
    def __init__(self, args, azurite):
        self.a = args
        self.azurite = azurite
        self.tag = os.environ["SOAK_TAG"]
        self.program = os.path.realpath(args.program)

    def running(self):
        return alive(self.a.job_pid) and not stopping

    def ranks(self):
        return ranks(self.program, self.tag)

    def io(self):
        """I/O counters of Azurite and of the uploader, in one sample."""
        up = uploader(self.a.logs)
        azurite = self.azurite.pid()
        return io_counts([azurite] if azurite else []), io_counts([up] if up else [])

    def busy(self, window):
        """What moved during `window` seconds: (Azurite served a rank, the uploader copied).
        A rank's shard fetch makes Azurite read a blob and write it to a socket
        (read(2) and write(2), counted in /proc/PID/io) while the uploader,
        which reads the files it copies, stays still; the ranks' own receives
        (recv(2)) are not counted there."""
        azurite_before, up_before = self.io()
        time.sleep(window)
        azurite_after, up_after = self.io()
        copying = up_after != up_before
        return azurite_after != azurite_before and not copying, copying

    def doing(self):
        """What the job is doing now: a ';'-joined list, from 30 ms of watching."""
        rs = self.ranks()
        if not rs:
            return "between attempts"
        ckpt = checkpoint_writing(self.a.outputs)
        fetching, copying = self.busy(0.03)
        ckpt = ckpt or checkpoint_writing(self.a.outputs)
        seen = []
        attempt, _ = last_ledger_attempt(self.a.ledger)
        if attempt != rs[0][2]:
            seen.append("starting (init or resume)")
        if ckpt:
            seen.append("checkpoint write")
        if copying:
            seen.append("upload")
        if fetching:
            seen.append("shard fetch")
        if attempt == rs[0][2]:
            seen.append("step")
        return ";".join(seen)

    def aim(self, target, limit_s=5.0):
        """Waits (up to limit_s) for the moment aimed at; False if it never came."""
        deadline = time.time() + limit_s
        while self.running() and time.time() < deadline:
            if target == "checkpoint write":
                if checkpoint_writing(self.a.outputs):
                    return True
                time.sleep(0.001)
                continue
            fetching, copying = self.busy(0.01)
            if (target == "shard fetch" and fetching) or (target == "upload" and copying):
                return True
        return False

    def wait_for_progress(self, limit_s=120.0):
        """Until rank 0 trains a step (of any attempt) after now."""
        _, size = last_ledger_attempt(self.a.ledger)
        deadline = time.time() + limit_s
        while self.running() and time.time() < deadline:
            if last_ledger_attempt(self.a.ledger)[1] > size:
                return True
            time.sleep(0.05)
        return False

    def pause(self, seconds):
        deadline = time.time() + seconds
        while self.running() and time.time() < deadline:
            time.sleep(0.05)


class Azurite:
    """Stops and starts Azurite on its port and data folder; its pid lives in a file."""

    def __init__(self, args):
        self.argv = json.loads(args.azurite_argv)
        self.pidfile = args.azurite_pidfile
        self.port = args.azurite_port
        self.log = args.azurite_log

    def pid(self):
        try:
            return int(open(self.pidfile).read())
        except (OSError, ValueError):
            return None

    def stop(self):
        pid = self.pid()
        if pid is None or not alive(pid):
            return
        os.kill(pid, signal.SIGTERM)
        for _ in range(30):
            if not alive(pid):
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.05)

    def start(self):
        with open(self.log, "ab") as log:
            child = subprocess.Popen(self.argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        with open(self.pidfile + ".new", "w") as f:
            f.write(str(child.pid))
        os.replace(self.pidfile + ".new", self.pidfile)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.1)
        return False


def fill(disk):
    """Fills the tmpfs at disk to its last byte; returns the filler's path."""
    path = os.path.join(disk, ".soak-filler")
    st = os.statvfs(disk)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.posix_fallocate(fd, 0, st.f_bavail * st.f_frsize)
    except OSError:
        pass
    finally:
        os.close(fd)
    chunk = b"\0" * 65536
    with open(path, "ab", buffering=0) as f:  # what fallocate's rounding left
        while True:
            try:
                f.write(chunk)
            except OSError:
                break
    return path


def inject(job, azurite, kind, aimed, rng, args):
    """One fault; returns its record."""
    record = {"kind": kind, "aimed": aimed}
    if aimed != "random" and not job.aim(aimed):
        record["aimed"] = aimed + " (not seen; struck anyway)"
    rs = job.ranks()
    if kind in ("kill", "kill-restart", "stop", "stop-long") and not rs:
        return None
    record["hit"] = job.doing()
    record["attempt"] = rs[0][2] if rs else None
    if kind in ("kill", "stop", "stop-long"):
        pid, rank, _ = rng.choice(rs)
        born = start_time(pid)
        record["target"] = f"rank {rank} (pid {pid})"
        sig = signal.SIGKILL if kind == "kill" else signal.SIGSTOP
        record["t_inject"] = time.time()
        os.kill(pid, sig)
        if kind != "kill":
            hold = rng.uniform(1, 4) if kind == "stop" else args.collective_timeout + rng.uniform(2, 4)
            end = time.time() + hold
            while time.time() < end and alive(pid):
                time.sleep(0.05)
            if alive(pid) and start_time(pid) == born:
                os.kill(pid, signal.SIGCONT)
                record["note"] = "continued"
            else:
                record["note"] = "ended while stopped"
    elif kind == "kill-restart":
        pid, rank, attempt = rng.choice(rs)
        record["target"] = f"rank {rank} (pid {pid})"
        record["t_inject"] = time.time()
        os.kill(pid, signal.SIGKILL)
        deadline, new = time.time() + 60, []
        while not new and time.time() < deadline and job.running():
            time.sleep(0.01)
            new = [r for r in job.ranks() if r[2] > attempt]
        time.sleep(rng.uniform(0, 1.5))
        new = [r for r in job.ranks() if r[2] > attempt]
        if new:
            record["hit"] += ", then " + job.doing()
            pid, rank, attempt = rng.choice(new)
            os.kill(pid, signal.SIGKILL)
            record["target"] += f", then rank {rank} (pid {pid}) of attempt {attempt}"
        else:
            record["note"] = "no restarted rank to kill"
    elif kind == "azurite":
        record["target"] = f"Azurite on 127.0.0.1:{azurite.port}"
        record["t_inject"] = time.time()
        azurite.stop()
        time.sleep(rng.uniform(2, 6))
        if not azurite.start():
            record["note"] = "Azurite did not come back within 60 s"
    elif kind == "disk":
        record["target"] = f"tmpfs {args.disk}"
        record["t_inject"] = time.time()
        filler = fill(args.disk)
        time.sleep(rng.uniform(2, 6))
        os.remove(filler)
    record["t_undo"] = time.time()
    record["held_s"] = round(record["t_undo"] - record["t_inject"], 3)
    return record


# kind: (weight, the moments it may be aimed at, besides a random one)
KINDS = {
    "kill": (4, ["checkpoint write", "upload", "shard fetch"]),
    "kill-restart": (1, []),
    "stop": (2, ["checkpoint write", "upload", "shard fetch"]),
    "stop-long": (1, []),
    "azurite": (2, ["upload", "shard fetch"]),
    "disk": (2, ["checkpoint write"]),
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--job-pid", type=int, required=True)
    p.add_argument("--program", required=True, help="the trainer binary")
    p.add_argument("--outputs", required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--ledger", required=True)
    p.add_argument("--disk", required=True, help="the tmpfs that holds --outputs")
    p.add_argument("--azurite-argv", required=True, help="Azurite's command line, a JSON list")
    p.add_argument("--azurite-pidfile", required=True)
    p.add_argument("--azurite-port", type=int, required=True)
    p.add_argument("--azurite-log", required=True)
    p.add_argument("--collective-timeout", type=float, required=True)
    p.add_argument("--faults", type=int, default=5)
    p.add_argument("--gap", type=float, nargs=2, default=[1.0, 4.0], help="pause range after progress (s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--record", required=True, help="JSON lines, one per fault")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    rng = random.Random(args.seed)
    azurite = Azurite(args)
    job = Job(args, azurite)
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    for n in range(args.faults):
        if not job.wait_for_progress():
            break
        job.pause(rng.uniform(*args.gap))
        if not job.running():
            break
        kind = rng.choices(kinds, weights)[0]
        aimed = "random" if rng.random() < 0.5 or not KINDS[kind][1] else rng.choice(KINDS[kind][1])
        record = inject(job, azurite, kind, aimed, rng, args)
        if record is None:
            continue
        record["n"] = n + 1
        with open(args.record, "a") as f:
            f.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
