// cohort: data-parallel training of libtorch models across processes and machines.
// The one header a trainer includes: the runtime (who is who, settings, the
// communicator), DataParallel, cohort's fused optimizers and the state
// interface libtorch's optimizers are checkpointed through, the sharded data
// loader, the Checkpointer and model export, and RunLog. See docs/trainer.md.
#pragma once

// libtorch's tensors and factories (torch::Tensor, torch::kFloat32, torch::zeros...),
// which a trainer uses beside cohort's own headers; those include less.
#include <torch/types.h>

#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/model_export.h"
#include "cohort/checkpoint/module_state.h"
#include "cohort/comm/communicator.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/core/number.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/optim/adamw.h"
#include "cohort/optim/loss_scaler.h"
#include "cohort/optim/optimizer_state.h"
#include "cohort/optim/sgd.h"
#include "cohort/runlog/run_log.h"
#include "cohort/world/runtime.h"
