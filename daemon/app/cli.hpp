// Command-line parsing for the single `freezewatch` binary. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fw::app {

enum class Verb { help, version, run, check_config, lookup, dlq_list, dlq_retry };

struct Command {
  Verb verb = Verb::help;
  std::string config_path;           // --config, or the default
  std::vector<std::string> args;     // positional arguments after the verb
  bool all = false;                  // dlq retry --all
};

struct ParseOutcome {
  std::optional<Command> command;
  std::string error;  // set when command is empty
};

// Default config file when --config is not given: $FREEZEWATCH_CONFIG, else
// /etc/freezewatch/freezewatch.yaml.
std::string default_config_path();

ParseOutcome parse_command_line(int argc, const char* const* argv);

// Full --help text.
std::string usage();

}  // namespace fw::app
