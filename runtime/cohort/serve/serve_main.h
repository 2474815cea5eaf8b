// The command line of a model server, shared by cohort-serve and by a C++
// trainer that serves its own architecture from the same binary:
//
//   int main(int argc, char** argv) {
//     if (argc > 1 && std::string(argv[1]) == "serve")
//       return cohort::serve::run(argc - 1, argv + 1, myFactory);
//     ... train ...
//   }
//
//   PROGRAM MODEL [--host 127.0.0.1] [--port 8000] [--max-batch 32]
//           [--max-delay-ms 2] [--max-queue 1024] [--max-body-mb 64]
//           [--timeout-ms 30000] [--drain-seconds 30] [--threads 2]
//           [--registry URL]
//
// MODEL: NAME, NAME:VERSION or NAME@ALIAS in the registry, or a model folder
// (model_source.h). Returns the exit status: 0 after a SIGTERM drain, 2 for
// a bad command line, 1 when the model cannot be served (a tampered file,
// an architecture it cannot build), each with a message saying what to do.
#pragma once

#include "cohort/serve/torch_model.h"

namespace cohort::serve {

int run(int argc, char** argv, const ModelFactory& factory);

}  // namespace cohort::serve
