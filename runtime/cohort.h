// cohort: data-parallel training of libtorch models across processes and machines.
// The one header a trainer includes.
#pragma once

#include "cohort/comm/communicator.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/world/runtime.h"
