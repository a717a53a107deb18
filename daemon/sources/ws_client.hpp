// A reusable websocket client: ws:// and wss://, reconnecting forever with
// full-jitter exponential backoff, reporting every text frame. Knows no JSON.
// Exchange deposit streams use it directly; chain sources reuse it for
// JSON-RPC subscriptions (on_open sends eth_subscribe / subscribe, and the
// answers arrive through on_frame like any other frame).
//
// One connection at a time. Each connection is one coroutine that reads top
// to bottom: resolve, connect, TLS (verify peer + host name, SNI), upgrade
// (with the configured headers), on_open, then reader || writer || watchdog
// || pinger until one of them ends it. The reconnect loop around it owns the
// policy: backoff (reset on the first good frame of a connection), then a
// fresh connection. Beast's idle timeout and keep-alive pings are on: a
// half-open connection is detected after idle_timeout_ms without any frame
// or pong. The application watchdog reports `stale` while connected but no
// data frame arrived for stale_after_ms, and `connected` again on the next.
//
// Thread: construct, start, send, stop and destroy on the io_context's thread
// (or before it runs). Hooks are called on that thread. state() and stats()
// may be read from any thread.
//
// Lifetime: the client may be destroyed at any time; the destructor stops it
// and no hook is called once the destructor has begun. The io_context must
// outlive the client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "sources/observer.hpp"
#include "sources/source.hpp"

namespace boost::asio {
class io_context;
}

namespace fw::sources {

struct WsOptions {
  std::string name;  // for logs only
  std::string url;   // ws://host[:port]/path?query or wss://...
  std::map<std::string, std::string> headers;  // name -> value, added to the upgrade request
  std::string ca_file;    // wss: extra CA bundle (PEM) on top of the system store
  bool tls_verify = true; // false: accept any certificate (logged as a warning at start)
  std::uint32_t connect_timeout_ms = 5000;  // connect + TLS + upgrade budget; also bounds close
  std::uint32_t idle_timeout_ms = 30000;    // no frame and no pong this long: reconnect (0 = off)
  std::uint32_t ping_interval_ms = 10000;   // our own pings, on top of Beast's idle pings (0 = off)
  std::uint32_t stale_after_ms = 60000;     // connected, no data frame this long: stale (0 = never)
  std::uint32_t max_frame_bytes = 1 << 20;  // larger message: rejected "oversized", connection closed
  std::uint32_t backoff_initial_ms = 100;
  std::uint32_t backoff_max_ms = 30000;
};

struct WsHooks {
  // After every successful upgrade, before any frame of that connection is
  // read. May call send() (subscribe, resubscribe after a reconnect).
  std::function<void()> on_open;
  // One text message; `payload` views the client's read buffer (zero copy)
  // and is valid only during the call.
  std::function<void(std::string_view payload, std::chrono::steady_clock::time_point received)> on_frame;
  std::function<void(SourceState state, std::string_view reason)> on_state;
  // "oversized" (the connection is then closed and retried) or "binary".
  std::function<void(std::string_view reason, std::string_view excerpt)> on_rejected;
  // Just before every attempt after the first.
  std::function<void()> on_reconnect;
};

class WsClient {
 public:
  WsClient(boost::asio::io_context& io, WsOptions options, WsHooks hooks);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Starts the connect/reconnect loop. An unusable URL or CA file is
  // reported as on_state(disconnected, reason) and the loop does not start.
  void start();

  // Graceful stop: sends a close frame and waits for the server's (bounded
  // by connect_timeout_ms), or aborts at once when not open; after `grace`
  // the socket is closed regardless. The last hook call is
  // on_state(disconnected, "stopped"). Idempotent.
  void stop(std::chrono::milliseconds grace);

  // Queues one text message for the single writer of the open connection.
  // Returns false (message dropped) when no connection is open, when
  // stopping, or when 1024 messages are already queued. Messages still
  // queued when a connection ends are dropped: resend from on_open.
  bool send(std::string message);

  bool is_open() const noexcept;
  SourceState state() const noexcept;
  SourceStats stats() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
