// freezewatch: the composition root. Reads like a table of contents:
// parse the command line, then hand over to the subcommand.
//   run           -> app/daemon.cpp  (config, watchlist, outbox, delivery, sources, admin; until a signal)
//   check-config  -> app/commands.cpp
//   lookup        -> app/commands.cpp
//   dlq           -> app/commands.cpp
//   watchlist     -> app/commands.cpp (a running daemon's admin API, app/admin_client.cpp)
#include <iostream>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "app/exit_codes.hpp"

int main(int argc, char** argv) {
  using namespace fw::app;
  auto parsed = parse_command_line(argc, argv);
  if (!parsed.command) {
    std::cerr << "freezewatch: " << parsed.error << "\n\n" << usage();
    return exit_usage;
  }
  const Command& cmd = *parsed.command;
  switch (cmd.verb) {
    case Verb::help: std::cout << usage(); return exit_ok;
    case Verb::version: std::cout << "freezewatch " FREEZEWATCH_VERSION "\n"; return exit_ok;
    case Verb::check_config: return check_config(cmd);
    case Verb::lookup: return lookup(cmd);
    case Verb::dlq_list:
    case Verb::dlq_retry: return dlq(cmd);
    case Verb::run: return run_daemon(cmd);
    case Verb::watchlist_add:
    case Verb::watchlist_remove:
    case Verb::watchlist_get:
    case Verb::watchlist_list:
    case Verb::watchlist_approve:
    case Verb::watchlist_dismiss:
    case Verb::watchlist_export:
    case Verb::watchlist_audit: return watchlist(cmd);
  }
  return exit_usage;
}
