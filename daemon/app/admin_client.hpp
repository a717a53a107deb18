// A small blocking HTTP(S) client for the CLI's conversations with a running
// daemon's admin API (freezewatch watchlist ...). One connection per request
// ("Connection: close"); no retries. Beast/Asio stay in admin_client.cpp.
//
// TIMEOUT: `timeout` bounds resolving, connecting, the TLS handshake, sending
// the request, and each wait for more response bytes (an export that keeps
// streaming is not cut off; a daemon that stops answering is).
//
// TLS (https:// URLs): TLS 1.2+, the server certificate is always verified:
// against ca_file when given, else the system's trust store; plus
// `trust_file` (e.g. the daemon's own tls_cert_file, possibly self-signed
// or a leaf of a private CA: accepted as a trust anchor by itself). The URL's
// host is checked against the certificate (DNS name or IP address SAN); SNI
// is sent for host names.
//
// THREADS: any; each call runs its own io_context on the calling thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fw::app {

struct AdminEndpoint {
  std::string url;         // "http://127.0.0.1:9464", "https://[::1]:9464", "https://admin.internal:9464"
  std::string token;       // sent as "Authorization: Bearer TOKEN" when non-empty
  std::string ca_file;     // https: PEM CA certificates to trust instead of the system store
  std::string trust_file;  // https: PEM certificates trusted in addition (leaf certificates allowed)
  std::chrono::milliseconds timeout{30'000};
};

struct AdminRequest {
  std::string method = "GET";  // GET, POST, DELETE, ...
  std::string target;          // path + query, already percent-encoded: "/api/v1/watchlist/entries?limit=10"
  std::string body;            // sent with Content-Length when non-empty or when the method is POST
  std::string content_type;    // e.g. "application/json"; "" = none
  // When set, a 2xx response body is passed here chunk by chunk (not kept in
  // AdminReply::body), so a large export never sits in memory.
  std::function<void(std::string_view)> body_sink;
};

struct AdminReply {
  int status = 0;            // HTTP status; 0 = no complete answer (`error` says why)
  std::string content_type;  // the response's Content-Type
  std::string body;          // unless streamed to body_sink; error bodies are capped at 1 MiB
  std::string error;         // transport failure, e.g. "cannot connect to 127.0.0.1:9464: Connection refused"
  bool answered() const noexcept { return status != 0; }
};

// The URL taken apart; nullopt + `error` for anything but http(s)://host[:port][/].
struct AdminUrl {
  bool https = false;
  std::string host;  // IPv6 without brackets
  std::string port;  // default 80 / 443
  std::string where; // "host:port" for messages (IPv6 in brackets)
};
std::optional<AdminUrl> parse_admin_url(std::string_view url, std::string& error);

// Sends one request and waits for the complete answer (or the timeout).
AdminReply admin_request(const AdminEndpoint& endpoint, const AdminRequest& request);

}  // namespace fw::app
