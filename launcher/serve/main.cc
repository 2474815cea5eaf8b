// cohort-serve: serves a registered model version (NAME, NAME:VERSION,
// NAME@ALIAS) or a model folder over the Open Inference Protocol; see
// cohort/serve/serve_main.h for the command line and docs/serving.md. It
// runs TorchScript models (model.pt) and the example architectures
// (cohort/models/fashion_mnist.h); a model whose architecture only its
// trainer can build is served by that trainer's own binary
// (cohort::serve::run), and anything else is refused saying so.
#include "cohort/models/fashion_mnist.h"
#include "cohort/serve/serve_main.h"

int main(int argc, char** argv) {
  return cohort::serve::run(argc, argv, cohort::models::buildExampleArchitecture);
}
