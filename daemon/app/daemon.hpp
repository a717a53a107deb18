// `freezewatch run`: builds the pipeline from the config and runs it until
// SIGINT/SIGTERM. Returns an exit code (app/exit_codes.hpp).
#pragma once

#include "app/cli.hpp"

namespace fw::app {

int run_daemon(const Command& cmd);

}  // namespace fw::app
