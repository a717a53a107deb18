#include "admin/auth.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace fw::admin {
namespace {

Request with_auth(std::string value) {
  Request r;
  r.method = "GET";
  r.path = "/api/v1/watchlist/entries";
  r.headers.push_back({"Authorization", std::move(value)});
  return r;
}

TokenSet two_tokens() {
  return TokenSet({{"alice", config::Secret("alice-token-0123456789")}, {"bob", config::Secret("bob-token-abcdefghij")}});
}

TEST(TokenSet, ReturnsTheNameOfTheMatchingToken) {
  const auto set = two_tokens();
  EXPECT_EQ(set.authenticate(with_auth("Bearer alice-token-0123456789")), "alice");
  EXPECT_EQ(set.authenticate(with_auth("Bearer bob-token-abcdefghij")), "bob");
}

TEST(TokenSet, RefusesAWrongOrMissingToken) {
  const auto set = two_tokens();
  EXPECT_FALSE(set.authenticate(with_auth("Bearer alice-token-012345678")));   // one char short
  EXPECT_FALSE(set.authenticate(with_auth("Bearer alice-token-0123456789x")));  // one char more
  EXPECT_FALSE(set.authenticate(with_auth("Bearer ")));
  EXPECT_FALSE(set.authenticate(with_auth("Bearer")));
  EXPECT_FALSE(set.authenticate(Request{}));
}

TEST(TokenSet, RequiresTheBearerScheme) {
  const auto set = two_tokens();
  EXPECT_FALSE(set.authenticate(with_auth("Basic alice-token-0123456789")));
  EXPECT_FALSE(set.authenticate(with_auth("alice-token-0123456789")));
  EXPECT_FALSE(set.authenticate(with_auth("Beareralice-token-0123456789")));
  // The scheme is case-insensitive (RFC 9110); the header name too.
  EXPECT_EQ(set.authenticate(with_auth("bearer alice-token-0123456789")), "alice");
  Request r;
  r.headers.push_back({"authorization", "Bearer bob-token-abcdefghij"});
  EXPECT_EQ(set.authenticate(r), "bob");
}

TEST(TokenSet, EmptySetRefusesEverything) {
  const TokenSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.authenticate(with_auth("Bearer anything-at-all-here")));
}

TEST(TokenSet, AnEmptyConfiguredTokenNeverMatches) {
  const TokenSet set({{"empty", config::Secret("")}});
  EXPECT_FALSE(set.authenticate_token(""));
  EXPECT_FALSE(set.authenticate(with_auth("Bearer ")));
}

TEST(TokenSet, DuplicateTokensResolveToTheFirstName) {
  const TokenSet set({{"first", config::Secret("same-token-0123456789")}, {"second", config::Secret("same-token-0123456789")}});
  EXPECT_EQ(set.authenticate_token("same-token-0123456789"), "first");
}

}  // namespace
}  // namespace fw::admin
