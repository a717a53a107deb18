#include "app/admin_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <limits>
#include <optional>

namespace fw::app {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxErrorBody = 1 << 20;
constexpr char kUserAgent[] = "freezewatch-cli/" FREEZEWATCH_VERSION;

bool header_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

std::string seconds_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

// A connection's transport error in words; timeouts named as such.
std::string io_error(const beast::error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) return "no answer within " + seconds_text(timeout);
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
      ec == ssl::error::stream_truncated)
    return "the connection was closed before a complete answer (" + ec.message() + ")";
  return ec.message();
}

struct Exchange {
  const AdminEndpoint& endpoint;
  const AdminRequest& request;
  const AdminUrl& url;
  ssl::context* tls;
  AdminReply reply;
};

template <class Stream>
net::awaitable<void> talk(Exchange& x, Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  http::request<http::string_body> req;
  req.method_string(x.request.method);
  req.target(x.request.target);
  req.version(11);
  const bool default_port = x.url.port == (x.url.https ? "443" : "80");
  const std::string host = x.url.host.find(':') != std::string::npos ? "[" + x.url.host + "]" : x.url.host;
  req.set(http::field::host, default_port ? host : host + ":" + x.url.port);
  req.set(http::field::user_agent, kUserAgent);
  req.set(http::field::accept, "application/json, text/csv, application/x-ndjson, */*");
  req.set(http::field::connection, "close");
  if (!x.endpoint.token.empty()) req.set(http::field::authorization, "Bearer " + x.endpoint.token);
  if (!x.request.content_type.empty()) req.set(http::field::content_type, x.request.content_type);
  req.body() = x.request.body;
  if (!req.body().empty() || x.request.method == "POST" || x.request.method == "PUT") req.prepare_payload();

  lowest.expires_after(x.endpoint.timeout);
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) {
    x.reply.error = "sending the request to " + x.url.where + " failed: " + io_error(wec, x.endpoint.timeout);
    co_return;
  }

  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parsed;
  for (;;) {  // skip 1xx answers
    parsed.emplace();
    parsed->body_limit(std::numeric_limits<std::uint64_t>::max());
    parsed->header_limit(64 * 1024);
    lowest.expires_after(x.endpoint.timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, *parsed, use_tuple);
    if (hec) {
      x.reply.error = "reading the answer from " + x.url.where + " failed: " + io_error(hec, x.endpoint.timeout);
      co_return;
    }
    if (parsed->get().result_int() >= 200) break;
  }
  auto& parser = *parsed;
  const int status = parser.get().result_int();
  const std::string content_type(parser.get()[http::field::content_type]);
  const bool to_sink = x.request.body_sink && status >= 200 && status < 300;

  std::array<char, 64 * 1024> chunk;
  std::string body;
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    lowest.expires_after(x.endpoint.timeout);
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (rec == http::error::need_buffer) rec = {};
    if (rec) {
      x.reply.error = "reading the answer from " + x.url.where + " failed: " + io_error(rec, x.endpoint.timeout);
      co_return;
    }
    const std::size_t got = chunk.size() - parser.get().body().size;
    if (to_sink) {
      if (got) x.request.body_sink(std::string_view(chunk.data(), got));
    } else if (body.size() < kMaxErrorBody || (status >= 200 && status < 300)) {
      body.append(chunk.data(), got);
    }
  }
  x.reply.status = status;
  x.reply.content_type = content_type;
  x.reply.body = std::move(body);
  beast::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

std::string verify_failure(SSL* ssl) {
  const long v = SSL_get_verify_result(ssl);
  if (v == X509_V_OK) return {};
  return X509_verify_cert_error_string(v);
}

net::awaitable<void> run_exchange(Exchange& x) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  net::steady_timer deadline(ex);
  deadline.expires_after(x.endpoint.timeout);
  deadline.async_wait([&resolver](const beast::error_code& ec) {
    if (!ec) resolver.cancel();
  });
  auto [rec, results] = co_await resolver.async_resolve(x.url.host, x.url.port, use_tuple);
  deadline.cancel();
  if (rec) {
    x.reply.error = "cannot resolve " + x.url.host + ": " +
                    (rec == net::error::operation_aborted ? "no answer within " + seconds_text(x.endpoint.timeout)
                                                          : rec.message());
    co_return;
  }

  beast::tcp_stream tcp_stream(ex);
  tcp_stream.expires_after(x.endpoint.timeout);
  auto [cec, ep] = co_await tcp_stream.async_connect(results, use_tuple);
  if (cec) {
    x.reply.error = "cannot connect to " + x.url.where + ": " + io_error(cec, x.endpoint.timeout);
    co_return;
  }
  if (!x.url.https) {
    co_await talk(x, tcp_stream);
    co_return;
  }

  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *x.tls);
  beast::error_code not_ip;
  (void)net::ip::make_address(x.url.host, not_ip);  // SNI only for host names
  if (not_ip && !SSL_set_tlsext_host_name(stream.native_handle(), x.url.host.c_str())) {
    x.reply.error = "TLS: cannot set the server name " + x.url.host;
    co_return;
  }
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification(x.url.host));
  beast::get_lowest_layer(stream).expires_after(x.endpoint.timeout);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  if (hec) {
    std::string why = verify_failure(stream.native_handle());
    if (why.empty()) why = io_error(hec, x.endpoint.timeout);
    else why = "certificate not trusted (" + why + ") for " + x.url.host;
    ERR_clear_error();
    x.reply.error = "TLS handshake with " + x.url.where + " failed: " + why;
    co_return;
  }
  co_await talk(x, stream);
}

}  // namespace

std::optional<AdminUrl> parse_admin_url(std::string_view url, std::string& error) {
  AdminUrl u;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    u.https = true;
    rest = url.substr(8);
  } else {
    error = "admin URL must start with http:// or https:// (got \"" + std::string(url) + "\")";
    return std::nullopt;
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    error = "admin URL must be scheme://host[:port] without a path, query or credentials";
    return std::nullopt;
  }
  std::string_view port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      error = "admin URL has an unclosed '[' in the host";
      return std::nullopt;
    }
    u.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        error = "admin URL: unexpected text after the IPv6 address";
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else {
    const auto colon = rest.find(':');
    u.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (u.host.empty()) {
    error = "admin URL has no host";
    return std::nullopt;
  }
  if (!port.empty()) {
    unsigned long value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) {
        error = "admin URL has an invalid port \"" + std::string(port) + "\"";
        return std::nullopt;
      }
      value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535) {
      error = "admin URL has an invalid port \"" + std::string(port) + "\"";
      return std::nullopt;
    }
    u.port = std::string(port);
  } else {
    u.port = u.https ? "443" : "80";
  }
  u.where = (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) + ":" + u.port;
  return u;
}

AdminReply admin_request(const AdminEndpoint& endpoint, const AdminRequest& request) {
  AdminReply failed;
  auto url = parse_admin_url(endpoint.url, failed.error);
  if (!url) return failed;
  if (!header_safe(endpoint.token) || !header_safe(request.target) || !header_safe(request.content_type) ||
      request.target.find(' ') != std::string::npos) {
    failed.error = "the token, target or content type contains a space, CR, LF or NUL";
    return failed;
  }
  if (request.method.empty() || http::string_to_verb(request.method) == http::verb::unknown) {
    failed.error = "unsupported HTTP method \"" + request.method + "\"";
    return failed;
  }

  std::optional<ssl::context> tls;
  if (url->https) {
    tls.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    if (!endpoint.ca_file.empty()) {
      tls->load_verify_file(endpoint.ca_file, ec);
      if (ec) {
        ERR_clear_error();
        failed.error = "cannot load CA file " + endpoint.ca_file + ": no PEM certificate in it or unreadable";
        return failed;
      }
    } else {
      tls->set_default_verify_paths(ec);
    }
    if (!endpoint.trust_file.empty()) {
      tls->load_verify_file(endpoint.trust_file, ec);
      if (ec) {
        ERR_clear_error();
        failed.error = "cannot load certificate file " + endpoint.trust_file + ": no PEM certificate in it or unreadable";
        return failed;
      }
      // A leaf (or intermediate) given here is a trust anchor by itself.
      X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(tls->native_handle()), X509_V_FLAG_PARTIAL_CHAIN);
    }
  }

  net::io_context io;
  Exchange x{endpoint, request, *url, tls ? &*tls : nullptr, {}};
  std::exception_ptr failure;
  net::co_spawn(io, run_exchange(x), [&failure](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      x.reply = AdminReply{};
      x.reply.error = std::string("request failed: ") + e.what();
    }
  }
  return std::move(x.reply);
}

}  // namespace fw::app
