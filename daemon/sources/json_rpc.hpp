// JSON-RPC 2.0 requests and responses over a message transport (a WsClient
// connection: EVM eth_* calls, subscriptions): request ids, correlation of
// responses, a timeout per request and error objects as values.
//
//   JsonRpc rpc(io, "node", [&](std::string m) { return ws.send(std::move(m)); }, 10s);
//   rpc.call("eth_blockNumber", "[]", [](RpcResult r) { ... });   // done runs later, once
//   // every text frame of the connection:
//   auto msg = rpc.handle(frame);           // responses complete their call
//   if (msg.kind == RpcMessage::Kind::notification) ... msg.method, msg.params
//   // the connection ended / a new one opened (answers will not come):
//   rpc.fail_all("connection lost");
//
// What it does not do: batches (we never send one; a batch answer is
// `invalid`), reconnecting, resubscribing (the owner does that on open).
// Ids are integers counting from 1 and never reused for the client's
// lifetime, so an answer that arrives after its call timed out or failed is
// recognised and dropped (counted as `late`).
//
// Thread: construct, call, handle, fail_all, stop and destroy on the
// io_context's thread. `done` callbacks run on that thread, never inside the
// call that triggers them (they are posted).
// Lifetime: stop() completes every pending call with `stopped` (posted) and
// makes later calls complete the same way. Destroying the client drops
// pending callbacks without calling them. The io_context must outlive it.
//
// Coroutine forms (co_call, co_call_all) live in sources/json_rpc_coro.hpp so
// that this header stays free of Asio.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace fw::sources {

struct RpcResult {
  enum class Status : std::uint8_t {
    ok,            // `result` holds the answer
    error,         // the server answered with an error object: code, message, data
    timeout,       // no answer within the request's timeout
    disconnected,  // not sent (no open connection, send queue full) or the connection ended first
    stopped,       // the client was stopped
  };
  Status status = Status::ok;
  std::string result;     // ok: the raw JSON text of "result" (may be "null")
  std::int64_t code = 0;  // error: error.code
  std::string message;    // error: error.message; other failures: what happened
  std::string data;       // error: raw JSON of error.data, "" when absent

  bool ok() const noexcept { return status == Status::ok; }
  // "error -32000: unknown block", "timeout after 10000 ms", "disconnected: connection lost", ...
  std::string describe() const;
};

// One incoming frame, classified by handle().
struct RpcMessage {
  enum class Kind : std::uint8_t {
    response,      // an answer to one of our calls (completed, or late and dropped)
    notification,  // a message with "method" and no "id" (eth_subscription, ...)
    invalid,       // not a JSON-RPC 2.0 object we can use; `error` says why
  };
  Kind kind = Kind::invalid;
  std::string_view method;  // notification
  std::string_view params;  // notification: raw JSON of "params" ("" when absent)
  std::string error;        // invalid
  bool late = false;        // response: to no pending call (timed out, failed, not ours)
};

struct JsonRpcStats {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;    // error objects received
  std::uint64_t timeouts = 0;
  std::uint64_t late = 0;      // answers to no pending call
  std::uint64_t invalid = 0;   // frames handle() could not use
};

class JsonRpc {
 public:
  using Send = std::function<bool(std::string message)>;  // false: not sent
  using Done = std::function<void(RpcResult)>;

  JsonRpc(boost::asio::io_context& io, std::string name, Send send, std::chrono::milliseconds timeout);
  ~JsonRpc();
  JsonRpc(const JsonRpc&) = delete;
  JsonRpc& operator=(const JsonRpc&) = delete;

  // Sends {"jsonrpc":"2.0","id":N,"method":"<method>","params":<params_json>}
  // (`params_json` must be a JSON array or object; it is not checked).
  // `timeout` overrides the client's default for this call. Returns the id.
  std::int64_t call(std::string_view method, std::string_view params_json, Done done,
                    std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // One incoming text frame. Views in the result stay valid until the next
  // handle() call.
  RpcMessage handle(std::string_view frame);

  // Completes every pending call with `disconnected` (`reason` in message).
  void fail_all(std::string_view reason);
  // Completes every pending call with `stopped`; later calls complete so too. Idempotent.
  void stop();

  std::size_t pending() const noexcept;
  JsonRpcStats stats() const noexcept;
  const std::string& name() const noexcept;

  struct Impl;
  const std::shared_ptr<Impl>& impl() const noexcept { return impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
