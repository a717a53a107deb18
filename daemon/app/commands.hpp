// The short-lived subcommands: check-config, lookup, dlq. Each returns an exit code
// (app/exit_codes.hpp) and prints to stdout (results) / stderr (errors).
#pragma once

#include "app/cli.hpp"

namespace fw::app {

int check_config(const Command& cmd);
int lookup(const Command& cmd);
int dlq(const Command& cmd);

}  // namespace fw::app
