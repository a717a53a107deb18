// A small HTTP/1.1 server for pushed data: the stacks-node event observer
// POSTs JSON bodies to it and waits for our answer. Plain HTTP only (it is
// meant for 127.0.0.1 or a private network, as the node's observer config is).
//
// Per connection: one coroutine reads requests one after another (keep-alive)
// and answers each before reading the next. For every request:
//   - the header must arrive within idle_timeout_ms of the previous answer
//     (or of the accept), the body within read_timeout_ms after the header;
//     otherwise the connection is closed without an answer;
//   - a body larger than max_body_bytes (declared or streamed) is answered
//     413 and the connection closed (the rest of the body is drained briefly
//     so the client can read the 413);
//   - `Expect: 100-continue` is honoured (answered 100 before the body is read);
//   - a method other than POST is answered 405 without calling the handler
//     (when post_only);
//   - otherwise the handler is called with the method, the path (the request
//     target without its query string) and the body, and its Reply is sent.
//     A handler that throws is answered 500 (and logged).
//   - Reply::after_write runs once the response has been written (also when
//     writing it failed: the handler's work, e.g. spooling, is done and its
//     follow-up must run), but never after stop() or the destructor began.
//
// Thread: construct, start, stop and destroy on the io_context's thread (or
// before it runs). The handler and after_write run on that thread, one at a
// time. stats() and bound_port() may be read from any thread.
// Lifetime: the io_context must outlive the server; destroying it stops it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace fw::sources {

struct HttpIngestOptions {
  std::string name;                // for logs only
  std::string host = "127.0.0.1";  // address or name to bind
  std::uint16_t port = 0;          // 0 = ephemeral (see bound_port())
  std::uint64_t max_body_bytes = 64ull << 20;
  std::uint32_t read_timeout_ms = 30000;   // body (after the header), and writing the answer
  std::uint32_t idle_timeout_ms = 120000;  // waiting for the next request's header on a connection
  std::uint32_t max_connections = 256;     // more are accepted and closed at once (counted)
  bool post_only = true;                   // false: every method reaches the handler
};

struct HttpReply {
  int status = 200;
  std::string body;                   // sent as text/plain (or application/json when it starts with '{' or '[')
  std::function<void()> after_write;  // optional; see the header comment
};

// method ("POST"), path ("/new_block"), body (moved in; the handler may keep it).
using HttpHandler = std::function<HttpReply(std::string_view method, std::string_view path, std::string&& body)>;

struct HttpIngestStats {
  std::uint64_t accepted = 0;        // TCP connections accepted
  std::uint64_t open = 0;            // connections open now
  std::uint64_t refused = 0;         // closed at once: max_connections reached
  std::uint64_t requests = 0;        // requests that reached the handler
  std::uint64_t body_bytes = 0;      // body bytes of those requests
  std::uint64_t too_large = 0;       // answered 413
  std::uint64_t bad_method = 0;      // answered 405
  std::uint64_t bad_request = 0;     // malformed requests (answered 400 when possible)
  std::uint64_t timeouts = 0;        // connections closed by the idle/read timeouts mid-request
  std::uint64_t handler_errors = 0;  // handler threw (answered 500)
};

class HttpIngest {
 public:
  HttpIngest(boost::asio::io_context& io, HttpIngestOptions options, HttpHandler handler);
  ~HttpIngest();
  HttpIngest(const HttpIngest&) = delete;
  HttpIngest& operator=(const HttpIngest&) = delete;

  // Binds and starts accepting. "" on success, else why, naming host:port
  // ("listen on 127.0.0.1:3700: address already in use"). Not restartable.
  std::string start();

  // Closes the listening socket and every connection (requests being read
  // are dropped; responses being written are cut). Idempotent.
  void stop();

  // The bound port once start() succeeded (the ephemeral one for port 0), else 0.
  std::uint16_t bound_port() const noexcept;

  HttpIngestStats stats() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
