#include "common/run_tool.h"

#include <iostream>

#include "cohort/core/error.h"

namespace cohort::cli {

int runTool(const std::string& tool, ToolExits exits, const std::function<int()>& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    std::cerr << tool << ": error: " << e.what() << std::endl;
    return exits.config_error;
  } catch (const std::exception& e) {  // cohort::Error and the rest
    std::cerr << tool << ": error: " << e.what() << std::endl;
    return exits.error;
  }
}

}  // namespace cohort::cli
