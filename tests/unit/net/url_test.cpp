#include "net/url.hpp"

#include <gtest/gtest.h>

namespace fw::net {
namespace {

TEST(Url, HttpsWithPortPathAndQuery) {
  std::string error;
  auto u = parse_url("https://hooks.example.com:8443/freeze/in?team=aml&x=%20", Scheme::http, "url", error);
  ASSERT_TRUE(u) << error;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_FALSE(u->host_is_ip);
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->host_header, "hooks.example.com:8443");
  EXPECT_EQ(u->path, "/freeze/in");
  EXPECT_EQ(u->target, "/freeze/in?team=aml&x=%20");
  EXPECT_TRUE(u->has_query);
  EXPECT_EQ(u->where, "hooks.example.com:8443");
  EXPECT_EQ(u->origin(), "https://hooks.example.com:8443");
}

TEST(Url, DefaultsAndIpLiterals) {
  std::string error;
  auto plain = parse_url("http://127.0.0.1", Scheme::http, "url", error);
  ASSERT_TRUE(plain) << error;
  EXPECT_FALSE(plain->tls);
  EXPECT_TRUE(plain->host_is_ip);
  EXPECT_EQ(plain->port, "80");
  EXPECT_EQ(plain->target, "/");
  EXPECT_FALSE(plain->has_query);
  auto v6 = parse_url("wss://[::1]:9001/extended/v1/ws", Scheme::websocket, "url", error);
  ASSERT_TRUE(v6) << error;
  EXPECT_TRUE(v6->tls);
  EXPECT_EQ(v6->host, "::1");  // for the resolver: no brackets
  EXPECT_TRUE(v6->host_is_ip);
  EXPECT_EQ(v6->host_header, "[::1]:9001");
  EXPECT_EQ(v6->where, "[::1]:9001");
  EXPECT_EQ(v6->target, "/extended/v1/ws");
  auto empty_port = parse_url("https://example.com:/", Scheme::http, "url", error);
  ASSERT_TRUE(empty_port) << error;
  EXPECT_EQ(empty_port->port, "443");
}

TEST(Url, RefusalsNameTheUrl) {
  std::string error;
  EXPECT_FALSE(parse_url("hooks.example.com/x", Scheme::http, "url", error));
  EXPECT_EQ(error, "url is not a valid absolute URL");
  EXPECT_FALSE(parse_url("ws://node:3999/", Scheme::http, "base_url", error));
  EXPECT_EQ(error, "base_url must start with http:// or https://");
  EXPECT_FALSE(parse_url("https://node/", Scheme::websocket, "url", error));
  EXPECT_EQ(error, "url must start with ws:// or wss://");
  EXPECT_FALSE(parse_url("https://user:secret@example.com/", Scheme::http, "url", error));
  EXPECT_EQ(error, "credentials in the url are not supported; use headers (e.g. Authorization)");
  EXPECT_EQ(error.find("secret"), std::string::npos);
  EXPECT_FALSE(parse_url("http:///path", Scheme::http, "url", error));
  EXPECT_EQ(error, "url has no host");
}

}  // namespace
}  // namespace fw::net
