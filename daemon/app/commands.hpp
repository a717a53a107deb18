// The short-lived subcommands: check-config, lookup, dlq, watchlist. Each returns
// an exit code (app/exit_codes.hpp) and prints to stdout (results) / stderr (errors).
#pragma once

#include "app/cli.hpp"

namespace fw::app {

int check_config(const Command& cmd);
int lookup(const Command& cmd);
int dlq(const Command& cmd);

// freezewatch watchlist add|remove|get|list|approve|dismiss|export|audit: one
// request to a running daemon's admin API (docs/watchlist-api.md), its answer
// printed to stdout as sent (JSON re-indented when stdout is a terminal; export
// streamed). The daemon: --admin URL, else the admin section of --config FILE
// (or of the default config file, when it exists), else http://127.0.0.1:9464.
// The token: --token-file FILE, else $FREEZEWATCH_ADMIN_TOKEN.
// Exit: 0 2xx; 1 unreachable / 5xx / other; 2 usage, unreadable token or entries
// file; 3 400 or 413 or a malformed entries file; 4 404; 6 401 or 403.
int watchlist(const Command& cmd);

}  // namespace fw::app
