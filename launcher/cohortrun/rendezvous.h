// torchrun's environment contract, so that a PyTorch script run by cohortrun
// (init_process_group with the default env:// rendezvous) needs no changes:
// the rank agent sets RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE, and
// cohortrun passes every rank MASTER_ADDR (rank 0's host) and MASTER_PORT.
#pragma once

#include <string>

#include "cohortrun/job_plan.h"

namespace cohort::launcher {

struct Rendezvous {
  std::string addr;  // "" when rank 0's host is not known before the start
  int port = 0;
};

// Rank 0's host for the plan (127.0.0.1 on this machine) and a TCP port that
// is free on this machine now (the kernel's choice of an ephemeral port). On
// other hosts the port is only likely to be free; set MASTER_PORT with --env
// to choose one. Chosen again for every restart, since the last job's port may
// still be in TIME_WAIT.
Rendezvous chooseRendezvous(const JobPlan& plan);

// A TCP port no socket on this machine is bound to at the moment; 0 when none
// could be found.
int freeTcpPort();

}  // namespace cohort::launcher
