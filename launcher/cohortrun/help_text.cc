#include "cohortrun/help_text.h"

namespace cohort::launcher {

const char* helpDescription() {
  return R"(cohortrun: start and supervise a cohort job on one machine, a host list, or Slurm

usage: cohortrun [options] -- PROGRAM [ARGS...]

The job is N x P ranks: N nodes with P processes each. cohortrun starts them
with the engine the machine has (Open MPI's mpirun, or Slurm's srun), sends
every rank's output to LOGS/rank-N.log, stops every rank when one fails, says
which rank failed first and why, and can start the job again.

Where it runs:
  (no host options)            one machine, mpirun on localhost
  --hosts, --hostfile          these hosts over ssh, mpirun
  inside a Slurm allocation    srun --mpi=pmix over the allocation's nodes
  --slurm-submit               write an sbatch script into LOGS and submit it)";
}

const char* helpFooter() {
  return R"(Examples:
  cohortrun --procs-per-node 4 -- ./trainer --epochs 3
  cohortrun --hosts node1:8,node2:8 --max-restarts 2 -- ./trainer
  cohortrun --hostfile hosts.txt --nodes 2 --procs-per-node 4 --timeout 12h -- ./trainer
  salloc -N 2 --ntasks-per-node 4 cohortrun -- ./trainer
  cohortrun --slurm-submit --nodes 4 --procs-per-node 8 --sbatch-option=--time=12:00:00 -- ./trainer

Every rank gets COHORT_RUN_ID, COHORT_RESTART_COUNT, COHORT_OUTPUTS_DIR,
COHORT_LOGS_DIR and COHORT_RANK, COHORT_WORLD_SIZE, COHORT_LOCAL_RANK,
COHORT_LOCAL_SIZE, and torchrun's RANK, WORLD_SIZE, LOCAL_RANK,
LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT, so PyTorch scripts written for
torchrun run unchanged. SIGINT or SIGTERM to cohortrun stops every rank (SIGTERM,
then SIGKILL after the grace period); a second one stops them at once.

The logs folder holds run.json (the run: command, engine, hosts, times,
restarts, exit status, versions), launcher.log (the engine's own messages),
rank-N.log, exit-rank-N.json (how each rank ended) and error-rank-N.json (the
error of a rank that died of an exception or a fatal signal); earlier attempts
are moved to attempt-K/.

Exit status: 0 success; 1 a rank failed (or left while the others were still
running); 2 bad command line or a check before start failed (nothing was
started); 3 a rank died of a signal; 4 a host or its link was lost; 5 the
engine failed with no rank to blame; 124 --timeout ran out; 128+S stopped by
signal S (130 for SIGINT, 143 for SIGTERM); 6 the job succeeded but the last
--upload failed (the files are still in the logs and outputs folders; see
upload.log); 7 the job succeeded but --register failed (the model, if the job
wrote one, is still in the outputs folder; see launcher.log); 8 the job
succeeded but its logs (run.json) could not be written (a full disk?).)";
}

}  // namespace cohort::launcher
