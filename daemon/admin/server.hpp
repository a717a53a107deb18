// The admin HTTP/1.1 listener (127.0.0.1:9464 by default): /metrics,
// /healthz, /readyz, and whatever routes the app adds (router.hpp).
//
// BUILT-IN ROUTES (GET, and HEAD through GET; replaceable with add_route)
//  /metrics  200, Content-Type "text/plain; version=0.0.4; charset=utf-8", the
//            metrics provider's text (app: Metrics::serialize). No provider: 503.
//  /healthz  200 "ok\n" while the io thread serves requests (liveness).
//  /readyz   readiness_response(checks) (readiness.hpp): 200 or 503, the body
//            names each failing check. No provider set yet: 503 "not ready:
//            startup: readiness checks not registered". A provider that throws: 503.
//
// HTTP BEHAVIOUR
//  - Keep-alive (HTTP/1.1 default, or "Connection: keep-alive" on 1.0);
//    pipelined requests are answered in order. A connection idle for
//    idle_timeout is closed; a request body or a response write slower than
//    io_timeout closes the connection.
//  - Request head larger than max_header_bytes: 431; body larger than
//    max_body_bytes (declared Content-Length or chunked): 413; malformed: 400.
//    These answers carry "Connection: close"; the server then stops sending,
//    discards what the client still sends (up to 1 s), and closes, so the
//    client reads the answer rather than a reset.
//  - "Expect: 100-continue" is answered with 100 Continue once the head passed
//    the limits.
//  - Unknown path: 404; known path, other method: 405 + Allow.
//  - A handler that throws: 500 "internal error", logged with the route.
//  - More than max_connections open connections: new ones are closed at once.
//
// TLS (optional, set_tls before start)
//  With a certificate and key (PEM files) the listener speaks HTTPS only
//  (TLS 1.2 or later); everything above holds inside the TLS session. A
//  client that sends plain HTTP to it gets a plain "400 Bad Request" naming
//  the problem ("this listener speaks HTTPS only") and the connection closes;
//  a client whose handshake fails (wrong version, bad record, timeout after
//  io_timeout) is disconnected. Other connections are unaffected. The files
//  are read once, in start(): replacing them needs a restart.
//
// THREADS AND LIFETIME
//  Everything runs on the io_context's thread: add_route / set_* before start()
//  or on that thread; handlers and providers are called there and must be
//  quick (they block the network thread: sources and delivery too).
//  The io_context must outlive the server's activity (until stop's `done` ran,
//  or until the io_context stops running). Destroying a running server closes
//  every connection at once (in-flight requests are dropped, no handler runs
//  afterwards). start() may be called once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "admin/readiness.hpp"
#include "admin/router.hpp"

namespace boost::asio {
class io_context;
}

namespace fw::admin {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct Limits {
  std::size_t max_body_bytes = 1024 * 1024;       // larger request bodies: 413
  std::size_t max_header_bytes = 16 * 1024;       // request line + headers; larger: 431
  std::size_t max_connections = 128;              // open connections at once
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection waiting for a request
  std::chrono::milliseconds io_timeout{10'000};    // reading a body / writing a response
};

// PEM files for HTTPS. cert_file: the server certificate, optionally followed
// by its intermediates (leaf first); key_file: its private key (unencrypted).
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

class AdminServer {
 public:
  // No I/O here. `address` is an IPv4 or IPv6 literal; port 0 picks a free port.
  AdminServer(boost::asio::io_context& io, std::string address, std::uint16_t port, Limits limits = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Adds (or replaces) a route; see router.hpp for matching rules.
  void add_route(std::string method, std::string path, Handler handler, PathMatch match = PathMatch::exact);

  // Text served on /metrics (called once per scrape).
  void set_metrics(std::function<std::string()> provider);
  // Checks evaluated on each /readyz request.
  void set_readiness(std::function<std::vector<ReadinessCheck>()> provider);

  // Serve HTTPS only, with these files. Before start(); both paths non-empty.
  void set_tls(TlsFiles files);
  // True when set_tls was called (the listener will speak / speaks HTTPS).
  bool tls() const noexcept;

  // Loads the TLS files (if set), binds, listens and starts accepting. false +
  // `error` ("listen 127.0.0.1:9464: bind: Address already in use", "invalid
  // listen address ...", "admin TLS: cannot read cert_file /x.pem: No such file
  // or directory", "admin TLS: key_file /k.pem does not match the certificate
  // in cert_file /c.pem") and nothing running.
  bool start(std::string& error);

  // The port actually bound (useful with port 0); 0 before a successful start().
  std::uint16_t bound_port() const noexcept;

  // Graceful stop: closes the listener and idle connections now; a request
  // being read or answered finishes (bounded by io_timeout) and its connection
  // then closes. `done` runs on the io thread once every connection is closed
  // (right away, posted, if nothing was running). Safe to call more than once.
  void stop(std::function<void()> done = {});

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared with the coroutines, which may outlive *this briefly
};

}  // namespace fw::admin
