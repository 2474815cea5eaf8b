// The text of `cohortrun --help` (declared in options.h).
#include "options.h"

namespace cohort::launcher {

std::string helpText() {
  return R"(cohortrun: start and supervise a cohort job on one machine, a host list, or Slurm

usage: cohortrun [options] -- PROGRAM [ARGS...]

The job is N x P ranks: N nodes with P processes each. cohortrun starts them
with the engine the machine has (Open MPI's mpirun, or Slurm's srun), sends
every rank's output to LOGS/rank-N.log, stops every rank when one fails, says
which rank failed first and why, and can start the job again.

Where it runs:
  (no host options)            one machine, mpirun on localhost
  --hosts h1:4,h2:4            these hosts over ssh, mpirun (host:slots; Slurm
                               host lists work too: node[01-04]:8)
  --hostfile FILE              the hosts of an mpirun hostfile ("h1 slots=4")
  inside a Slurm allocation    srun --mpi=pmix over the allocation's nodes
  --slurm-submit               write an sbatch script into LOGS and submit it

Options:
  --nodes N                 nodes to use (default: all hosts, all nodes of the
                            allocation, or 1 on one machine)
  --procs-per-node P        ranks per node (default: the hosts' slot count, the
                            allocation's tasks per node, or 1)
  --max-restarts K          start a failed job again, up to K times (default 0);
                            ranks see the count in COHORT_RESTART_COUNT
  --outputs DIR             COHORT_OUTPUTS_DIR for the ranks (default ./outputs)
  --logs DIR                logs folder (default ./logs)
  --env NAME=VALUE          set a variable in every rank (repeatable)
  --upload URL              copy the logs folder to URL/logs during the run
                            (every --upload-interval), each committed checkpoint
                            and at the end the whole outputs folder to
                            URL/outputs; URL: azure://ACCOUNT/CONTAINER[/PREFIX],
                            http(s)://HOST:PORT/ACCOUNT/CONTAINER[/PREFIX] or
                            hdfs://NAMENODE:PORT/PATH. Credentials only from the
                            environment (COHORT_AZURE_ACCOUNT_KEY,
                            COHORT_AZURE_SAS_TOKEN, COHORT_CREDENTIALS_FILE)
  --upload-interval DURATION  between copies of the logs (default 30s)
  --console-ranks LIST      ranks whose output the terminal shows: all (default),
                            none, or e.g. 0,2-3; every rank's log is kept anyway
  --timeout DURATION        stop the whole job after this long (90s, 30m, 12h)
  --grace-period DURATION   how long ranks get between SIGTERM and SIGKILL when
                            the job is stopped (default 10s)
  --network CIDR|IFACE      the TCP network between hosts (default: the local
                            network that reaches every host)
  --engine auto|mpirun|srun force an engine (default auto: srun inside a Slurm
                            allocation, mpirun elsewhere)
  --engine-option ARG       pass ARG to mpirun or srun as is (repeatable)
  --sbatch-option OPT       with --slurm-submit: an #SBATCH line (repeatable),
                            e.g. --sbatch-option=--partition=gpu
  --run-id ID               name the run (default: time and a random suffix)
  --dry-run                 print the engine command (or sbatch script), run nothing
  --version                 print cohortrun's version
  -h, --help                this text

Examples:
  cohortrun --procs-per-node 4 -- ./trainer --epochs 3
  cohortrun --hosts node1:8,node2:8 --max-restarts 2 -- ./trainer
  cohortrun --hostfile hosts.txt --nodes 2 --procs-per-node 4 --timeout 12h -- ./trainer
  salloc -N 2 --ntasks-per-node 4 cohortrun -- ./trainer
  cohortrun --slurm-submit --nodes 4 --procs-per-node 8 --sbatch-option=--time=12:00:00 -- ./trainer

Every rank gets COHORT_RUN_ID, COHORT_RESTART_COUNT, COHORT_OUTPUTS_DIR,
COHORT_LOGS_DIR and COHORT_RANK, COHORT_WORLD_SIZE, COHORT_LOCAL_RANK,
COHORT_LOCAL_SIZE. SIGINT or SIGTERM to cohortrun stops every rank (SIGTERM,
then SIGKILL after the grace period); a second one stops them at once.

The logs folder holds run.json (the run: command, engine, hosts, times,
restarts, exit status, versions), launcher.log (the engine's own messages),
rank-N.log, exit-rank-N.json (how each rank ended) and error-rank-N.json (the
error of a rank that died of an exception or a fatal signal); earlier attempts
are moved to attempt-K/.

Exit status: 0 success; 1 a rank failed; 2 bad command line or a check before
start failed (nothing was started); 3 a rank died of a signal; 4 a host or its
link was lost; 5 the engine failed with no rank to blame; 124 --timeout ran
out; 128+S stopped by signal S (130 for SIGINT, 143 for SIGTERM); 6 the job
succeeded but the last --upload failed (the files are still in the logs and
outputs folders; see upload.log).
)";
}

}  // namespace cohort::launcher
