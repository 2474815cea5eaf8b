// A kernel that keeps the GPU busy, for nccl_victim: compiled by nvcc on its
// own, so that the program around it (libtorch, cohort) compiles as C++.
#pragma once

// Queues a one-thread kernel that spins for about `cycles` GPU clock cycles
// on the legacy default stream (libtorch's default stream), and returns.
void launchSpin(long long cycles);
