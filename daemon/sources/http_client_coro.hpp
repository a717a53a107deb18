// Coroutine forms of HttpClient::get/post, for code that already runs in
// Asio coroutines (kept apart so http_client.hpp stays free of Asio).
//
//   HttpResult r = co_await co_get(client, "/extended/v2/blocks/5");
//
// Same semantics as the callback API; the awaiting coroutine resumes on its
// own executor. Cancelling the awaiting operation (e.g. the losing branch of
// `a || b`) cancels the request: it completes with status 0, error "cancelled"
// (a request in flight loses its connection). Call on the client's io thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "sources/http_client.hpp"

namespace fw::sources {

boost::asio::awaitable<HttpResult> co_get(HttpClient& client, std::string target);
boost::asio::awaitable<HttpResult> co_post(HttpClient& client, std::string target, std::string body,
                                           std::string content_type = "application/json");

}  // namespace fw::sources
