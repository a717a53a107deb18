// /readyz: the daemon is ready when every check passes. The app supplies the
// checks (config and watchlist loaded, each source connected and not stale,
// outbox writable); this file only turns them into the HTTP answer.
//
// Body (text/plain), failing checks first so the first line says what is wrong:
//   200  "ready\n" then "ok: <name>: <detail>\n" per check
//   503  "not ready: <name>: <detail>\n" per failing check, then the "ok: ..." lines
//        e.g. "not ready: source exchange: stale (no frame for 61 s)"
// An empty detail drops the ": <detail>" part. No checks at all means ready.
#pragma once

#include <string>
#include <vector>

#include "admin/router.hpp"

namespace fw::admin {

struct ReadinessCheck {
  std::string name;    // "config", "watchlist", "source exchange", "outbox"
  bool ok = false;
  std::string detail;  // short and human: "stale (no frame for 61 s)", "loaded (version 3f2a)"
};

Response readiness_response(const std::vector<ReadinessCheck>& checks);

}  // namespace fw::admin
