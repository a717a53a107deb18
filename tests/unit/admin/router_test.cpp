#include "admin/router.hpp"

#include <gtest/gtest.h>

namespace fw::admin {
namespace {

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = std::move(path);
  return r;
}

Handler says(std::string what) {
  return [what](const Request&) { return Response::text(200, what); };
}

std::string allow_of(const Response& r) {
  for (const auto& h : r.headers)
    if (h.name == "Allow") return h.value;
  return "<none>";
}

TEST(Router, ExactRouteAnswersOnlyItsPath) {
  Router router;
  router.add("GET", "/a", says("a"));
  EXPECT_EQ(router.dispatch(request("GET", "/a")).body, "a");
  EXPECT_EQ(router.dispatch(request("GET", "/a/")).status, 404);
  EXPECT_EQ(router.dispatch(request("GET", "/ab")).status, 404);
}

TEST(Router, UnknownPathIs404) {
  Router router;
  router.add("GET", "/a", says("a"));
  const auto r = router.dispatch(request("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "not found\n");
}

TEST(Router, KnownPathWithAnotherMethodIs405ListingAllowedMethods) {
  Router router;
  router.add("GET", "/items", says("list"));
  router.add("POST", "/items", says("create"));
  const auto r = router.dispatch(request("DELETE", "/items"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(allow_of(r), "GET, HEAD, POST");
}

TEST(Router, PrefixRouteMatchesEverythingBelowIt) {
  Router router;
  router.add("GET", "/api/watchlist/", says("prefix"), PathMatch::prefix);
  EXPECT_EQ(router.dispatch(request("GET", "/api/watchlist/entries/7")).body, "prefix");
  EXPECT_EQ(router.dispatch(request("GET", "/api/watchlist/")).body, "prefix");
  EXPECT_EQ(router.dispatch(request("GET", "/api/watchlist")).status, 404);
}

TEST(Router, ExactBeatsPrefixAndLongerPrefixBeatsShorter) {
  Router router;
  router.add("GET", "/api/", says("api"), PathMatch::prefix);
  router.add("GET", "/api/watchlist/", says("watchlist"), PathMatch::prefix);
  router.add("GET", "/api/watchlist/version", says("version"));
  EXPECT_EQ(router.dispatch(request("GET", "/api/other")).body, "api");
  EXPECT_EQ(router.dispatch(request("GET", "/api/watchlist/x")).body, "watchlist");
  EXPECT_EQ(router.dispatch(request("GET", "/api/watchlist/version")).body, "version");
}

TEST(Router, MethodMismatchOnExactRouteFallsBackToAMatchingPrefixRoute) {
  Router router;
  router.add("GET", "/api/items", says("get exact"));
  router.add("POST", "/api/", says("post prefix"), PathMatch::prefix);
  EXPECT_EQ(router.dispatch(request("POST", "/api/items")).body, "post prefix");
  const auto r = router.dispatch(request("PUT", "/api/items"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(allow_of(r), "GET, HEAD, POST");
}

TEST(Router, HeadIsServedByTheGetRouteUnlessAHeadRouteExists) {
  Router router;
  router.add("GET", "/a", says("get"));
  router.add("GET", "/b", says("get b"));
  router.add("HEAD", "/b", says("head b"));
  EXPECT_EQ(router.dispatch(request("HEAD", "/a")).body, "get");
  EXPECT_EQ(router.dispatch(request("HEAD", "/b")).body, "head b");
}

TEST(Router, MethodsAreCaseSensitive) {
  Router router;
  router.add("GET", "/a", says("a"));
  EXPECT_EQ(router.dispatch(request("get", "/a")).status, 405);
}

TEST(Router, AddingTheSameRouteAgainReplacesIt) {
  Router router;
  router.add("GET", "/a", says("old"));
  router.add("GET", "/a", says("new"));
  EXPECT_EQ(router.dispatch(request("GET", "/a")).body, "new");
}

TEST(Router, HandlerSeesTheRequest) {
  Router router;
  router.add("POST", "/echo", [](const Request& r) {
    return Response::json(201, r.body + "|" + std::string(r.header("x-token").value_or("none")));
  });
  auto req = request("POST", "/echo");
  req.body = "{}";
  req.headers.push_back(Header{"X-Token", "abc"});
  const auto r = router.dispatch(req);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{}|abc");
}

TEST(Request, HeaderLookupIsCaseInsensitiveAndReturnsTheFirst) {
  Request r;
  r.headers = {{"Content-Type", "text/plain"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("X-a"), "1");
  EXPECT_FALSE(r.header("authorization"));
}

TEST(Router, HandlerExceptionsPropagateToTheCaller) {
  Router router;
  router.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  EXPECT_THROW(router.dispatch(request("GET", "/boom")), std::runtime_error);
}

}  // namespace
}  // namespace fw::admin
