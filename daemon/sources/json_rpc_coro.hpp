// Coroutine forms of JsonRpc::call, for code that already runs in Asio
// coroutines (kept apart so json_rpc.hpp stays free of Asio).
//
//   RpcResult r = co_await co_call(rpc, "eth_chainId", "[]");
//   std::vector<RpcResult> rs = co_await co_call_all(rpc, {{"eth_getBlockByNumber", "[\"0x1\",false]"}, ...});
//
// Same semantics as the callback API: the awaiting coroutine resumes on its
// own executor once the answer (or timeout, disconnect, stop) arrives.
// co_call_all sends every call at once (pipelined on the connection) and
// resumes when all are complete, results in the order of `calls`. Call on
// the client's io thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sources/json_rpc.hpp"

namespace fw::sources {

struct RpcCall {
  std::string method;
  std::string params;  // JSON array
};

boost::asio::awaitable<RpcResult> co_call(JsonRpc& rpc, std::string method, std::string params,
                                          std::optional<std::chrono::milliseconds> timeout = std::nullopt);

boost::asio::awaitable<std::vector<RpcResult>> co_call_all(JsonRpc& rpc, std::vector<RpcCall> calls);

}  // namespace fw::sources
