// Absolute http(s) and ws(s) URLs taken apart the way every client here
// connects: resolver host, SNI and certificate name, port, Host header,
// request target. Pure; Boost.URL inside, no Asio.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fw::net {

struct Url {
  bool tls = false;          // https or wss
  std::string host;          // for the resolver and certificate checks (IPv6 without brackets)
  bool host_is_ip = false;   // IP literals get no SNI (RFC 6066)
  std::string port;          // as written, else 443 with TLS and 80 without
  std::string host_header;   // Host: as written in the URL, host[:port]
  std::string path;          // encoded path, "/" when the URL has none
  std::string target;        // origin-form request target: path, plus '?' and the query when there is one
  bool has_query = false;
  bool has_fragment = false;
  std::string where;         // host:port for messages (IPv6 in brackets)

  // scheme://host:port, for same-origin checks and messages (no path: the
  // query may carry a token).
  std::string origin() const;
};

enum class Scheme { http, websocket };  // http: http/https; websocket: ws/wss

// Splits `text`; credentials in the URL are refused (they belong in
// headers). On failure returns nullopt with `error` naming the URL as
// `what` ("url", "base_url"): "url must start with http:// or https://".
std::optional<Url> parse_url(std::string_view text, Scheme scheme, std::string_view what, std::string& error);

}  // namespace fw::net
