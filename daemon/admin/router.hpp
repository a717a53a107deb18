// The admin listener's request/response model and its router. No Beast here:
// handlers (the built-in probes, later the watchlist API) are plain functions
// from Request to Response, testable without a socket.
//
// ROUTING (Router::dispatch)
//  - A route is (method, path, PathMatch). exact: the request path equals
//    `path`. prefix: the request path starts with `path` ("/api/watchlist/"
//    matches "/api/watchlist/entries/7").
//  - The path is the request target up to '?', compared byte for byte (no
//    percent-decoding, no trailing-slash folding).
//  - Among the routes whose path and method match, the most specific wins: an
//    exact route, else the longest prefix. Equal (method, path, match) replaces
//    the earlier route.
//  - HEAD is answered by the GET route when no HEAD route matches (the server
//    sends the headers, Content-Length included, without the body).
//  - No route matches the path: 404. Some match the path but none the method:
//    405 with an Allow header listing the methods that would.
//  - Handler exceptions propagate: the server turns them into 500 and logs.
//
// THREADS
//  Build the router before the server starts (or on the io thread); dispatch
//  runs on the io thread. Handlers run on the io thread and must be quick:
//  they block every other connection while they run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::admin {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;            // as sent, e.g. "GET" (methods are case-sensitive)
  std::string target;            // raw request-target: "/api/watchlist?limit=10"
  std::string path;              // target up to '?': "/api/watchlist"
  std::string query;             // after '?', without it; "" if none
  std::vector<Header> headers;   // in the order received, names as sent
  std::string body;              // at most the server's max_body_bytes
  std::string peer;              // remote "address:port" ("[::1]:5000" for IPv6); "" in tests

  // Value of the first header named `name` (ASCII case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  int status = 200;                                   // 100..599
  std::string content_type = "text/plain; charset=utf-8";  // "" = no Content-Type
  std::string body;
  std::vector<Header> headers;  // extra headers (WWW-Authenticate, Allow, Retry-After, ...)

  static Response text(int status, std::string body);  // text/plain; charset=utf-8
  static Response json(int status, std::string body);  // application/json
};

using Handler = std::function<Response(const Request&)>;

enum class PathMatch { exact, prefix };

class Router {
 public:
  void add(std::string method, std::string path, Handler handler, PathMatch match = PathMatch::exact);

  // The handler's response, or 404 / 405 as described above.
  Response dispatch(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    PathMatch match;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace fw::admin
