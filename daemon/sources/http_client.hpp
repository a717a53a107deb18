// An HTTP(S) client for REST calls to one origin (scheme://host:port): the
// Stacks API backfill, later TRON and remote watchlists. Knows no JSON.
//
// Requests run one at a time, in the order they were made (a queue), over a
// single keep-alive connection that is opened on demand. Each request gets
// one time budget, timeout_ms, for everything it needs: resolve, connect,
// TLS, write and read. A GET on a reused connection that fails before any
// byte of the response arrived (the server closed the idle connection) is
// sent once more on a fresh connection, within the same budget. TLS verifies
// the peer (system store + optional CA file) and the host name, and sends SNI
// for names (not for IP literals).
//
// Results are values: status 0 means no (usable) response and `error` says
// why, naming host:port; any status from the server is returned as is (the
// caller classifies it; Retry-After is parsed for it). A response body larger
// than max_response_bytes is refused: status 0, error, connection closed.
//
// Thread: construct, call, stop and destroy on the io_context's thread (or
// before it runs). Callbacks run on that thread, never inside get()/post().
// stats() may be read from any thread.
// Lifetime: stop() completes every pending request at once (inside stop(),
// error "stopped"); requests made after stop() complete with "stopped" too.
// Destroying the client drops pending callbacks without calling them (a
// coroutine awaiting co_get() is destroyed with its handler): call stop()
// first if someone must hear about it. The io_context must outlive the client.
//
// Coroutine forms (co_get, co_post) live in sources/http_client_coro.hpp so
// this header stays free of Asio.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace fw::sources {

struct HttpClientOptions {
  std::string name;      // for logs only
  std::string base_url;  // http[s]://host[:port][/path prefix]; request targets are appended to the path
  std::map<std::string, std::string> headers;      // added to every request (API keys); may override User-Agent
  std::string ca_file;                             // https: extra CA bundle (PEM) on top of the system store
  bool tls_verify = true;                          // false: accept any certificate (logged as a warning at creation)
  std::uint32_t timeout_ms = 10000;                // per request: resolve + connect + TLS + write + read
  std::uint64_t max_response_bytes = 16ull << 20;  // larger bodies: refused (status 0)
  std::size_t max_queued = 1024;                   // more waiting requests: refused at once ("queue full")
};

struct HttpResult {
  int status = 0;                                        // 0 = no usable response; see error
  std::string body;                                      // the response body (also for non-2xx)
  std::string error;                                     // set when status == 0: what failed, naming host:port
  std::optional<std::chrono::milliseconds> retry_after;  // a valid Retry-After header (seconds or HTTP-date)

  bool ok() const noexcept { return status >= 200 && status <= 299; }
};

struct HttpClientStats {
  std::uint64_t requests = 0;  // completed (any outcome)
  std::uint64_t failures = 0;  // completed with status 0
  std::uint64_t connects = 0;  // connections opened (TCP + TLS)
  std::uint64_t resends = 0;   // GETs sent again after a stale keep-alive connection failed
  std::uint64_t bytes = 0;     // response body bytes received
};

class HttpClient {
 public:
  using Done = std::function<void(HttpResult)>;

  // Validates the options (URL, headers, CA file, limits) and prepares TLS.
  // nullptr + `error` when they are unusable. Connects lazily.
  static std::unique_ptr<HttpClient> create(boost::asio::io_context& io, HttpClientOptions options, std::string& error);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET base path + `target` ("/extended/v2/blocks/5?x=1"; a missing leading
  // '/' is added). `done` runs once, later, on the io thread.
  void get(std::string target, Done done);
  // POST `body` with `content_type`. Not resent on a stale connection (not idempotent).
  void post(std::string target, std::string body, std::string content_type, Done done);

  // Fails every pending request with "stopped" (callbacks run inside this
  // call) and closes the connection. Idempotent.
  void stop();

  // "https://api.example.com:443": where requests go (for logs).
  const std::string& origin() const noexcept;
  std::size_t pending() const noexcept;  // queued + in flight
  HttpClientStats stats() const noexcept;

  struct Impl;
  // For the coroutine forms in http_client_coro.hpp.
  const std::shared_ptr<Impl>& impl() const noexcept { return impl_; }

 private:
  explicit HttpClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
