// Documented process exit codes (README, docs/operations.md).
#pragma once

namespace fw::app {

enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,         // runtime failure (storage unwritable, listener bind failed, ...);
                            // watchlist: the daemon cannot be reached, or answered 5xx / unexpectedly
  exit_usage = 2,           // bad command line (also: unreadable --token-file / --file)
  exit_bad_config = 3,      // configuration or watchlist invalid
  exit_not_listed = 4,      // lookup: valid address, not on the list
  exit_invalid_address = 5, // lookup: not a valid address on any chain
  exit_unauthorized = 6,    // watchlist: the daemon refused the token (HTTP 401 / 403)
};

// The watchlist subcommands reuse 3 and 4 with the same spirit (the input was
// refused / the thing is not there):
inline constexpr int exit_rejected = 3;   // watchlist: input rejected (HTTP 400 / 413, or a bad --file)
inline constexpr int exit_not_found = 4;  // watchlist: no such entry (HTTP 404)

}  // namespace fw::app
