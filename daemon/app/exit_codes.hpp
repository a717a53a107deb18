// Documented process exit codes (README, docs/operations.md).
#pragma once

namespace fw::app {

enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,         // runtime failure (storage unwritable, listener bind failed, ...)
  exit_usage = 2,           // bad command line
  exit_bad_config = 3,      // configuration or watchlist invalid
  exit_not_listed = 4,      // lookup: valid address, not on the list
  exit_invalid_address = 5, // lookup: not a valid address on any chain
};

}  // namespace fw::app
