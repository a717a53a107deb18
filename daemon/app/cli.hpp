// Command-line parsing for the single `freezewatch` binary. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fw::app {

enum class Verb {
  help, version, run, check_config, lookup, dlq_list, dlq_retry,
  // freezewatch watchlist <sub>: talk to a running daemon's admin API (app/commands.hpp)
  watchlist_add, watchlist_remove, watchlist_get, watchlist_list,
  watchlist_approve, watchlist_dismiss, watchlist_export, watchlist_audit,
};

bool is_watchlist(Verb v) noexcept;

// Options of the watchlist subcommands, as given (unset = not on the command line).
// The parser checks which subcommand takes which option, that --limit / --since
// are numbers and that --kind / --format have a known value. A bearer token is
// never taken from the command line (it would show in ps): --token-file or
// $FREEZEWATCH_ADMIN_TOKEN.
struct WatchlistArgs {
  std::optional<std::string> admin_url;   // --admin http(s)://host:port (instead of --config)
  std::optional<std::string> token_file;  // --token-file FILE
  std::optional<std::string> ca_file;     // --ca-file FILE (https)
  // add
  std::optional<std::string> chain, label, incident, source, severity, notes, expires_at;
  bool follow = false;                    // --follow
  std::optional<std::string> file;        // --file entries.csv|.jsonl
  // list / audit / export
  std::optional<std::string> kind;        // api | derived
  std::optional<std::string> after;       // list: page after this address
  std::optional<std::string> format;      // csv | jsonl
  std::optional<std::uint64_t> limit;
  std::optional<std::uint64_t> since;     // audit: entries after this sequence number
};

struct Command {
  Verb verb = Verb::help;
  std::string config_path;           // --config, or the default
  bool config_given = false;         // --config was on the command line
  std::vector<std::string> args;     // positional arguments after the verb
  bool all = false;                  // dlq retry --all
  WatchlistArgs watchlist;           // watchlist subcommands only
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
