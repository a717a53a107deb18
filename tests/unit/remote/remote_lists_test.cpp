#include "remote/remote_lists.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "remote/meta.hpp"
#include "test_server.hpp"

namespace fw::remote {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using test::Request;
using test::Response;
using test::TestServer;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Response ok(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Response r;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

Response status(int code, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Response r;
  r.status = code;
  r.headers = std::move(headers);
  return r;
}

template <class Pred>
bool wait_for(Pred pred, milliseconds limit = milliseconds(5000)) {
  const auto until = steady_clock::now() + limit;
  while (steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

class RemoteListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("fw-remote-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  config::WatchlistFile list(const std::string& url, const std::string& name = "feed") {
    config::WatchlistFile f;
    f.name = name;
    f.path = (dir_ / "remote" / (name + ".list")).string();  // the folder does not exist yet
    f.format = config::WatchlistFile::Format::text;
    config::WatchlistFile::Remote r;
    r.url = url;
    r.interval_ms = 60'000;
    r.timeout_ms = 3'000;
    f.remote = r;
    return f;
  }

  RemoteLists::OnChanged counter() {
    return [this](const std::string& name) {
      std::lock_guard lock(mu_);
      changed_.push_back(name);
    };
  }
  std::vector<std::string> changed() {
    std::lock_guard lock(mu_);
    return changed_;
  }
  fs::path cache(const std::string& name = "feed") const { return dir_ / "remote" / (name + ".list"); }

  fs::path dir_;
  std::mutex mu_;
  std::vector<std::string> changed_;
};

TEST_F(RemoteListsTest, ServedListIsWrittenToTheCacheAndReported) {
  TestServer server([](const Request&) { return ok("0xdeadbeef00000000000000000000000000000001\n", {{"ETag", "\"v1\""}}); });
  RemoteLists lists({list(server.url("/lists/a.txt"))}, counter());
  const auto before = std::chrono::system_clock::now();
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::updated) << o.message;
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(read_file(cache()), "0xdeadbeef00000000000000000000000000000001\n");
  EXPECT_FALSE(fs::exists(cache().string() + ".tmp"));
  EXPECT_EQ(changed(), std::vector<std::string>{"feed"});
  ASSERT_EQ(server.request_count(), 1u);
  const Request r = server.requests()[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/lists/a.txt");
  EXPECT_FALSE(r.has("if-none-match"));  // nothing cached yet
  EXPECT_FALSE(r.has("if-modified-since"));
  auto meta = load_meta(cache().string() + ".meta");
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(meta->etag, "\"v1\"");
  auto s = lists.stats("feed");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->updated, 1u);
  EXPECT_EQ(s->failed, 0u);
  ASSERT_TRUE(s->last_success.has_value());
  EXPECT_GE(*s->last_success, before);
  EXPECT_EQ(s->last_change, s->last_success);
  EXPECT_TRUE(s->has_cache);
  EXPECT_EQ(s->cache_bytes, 43u);
  EXPECT_EQ(s->last_error, "");
}

TEST_F(RemoteListsTest, ChangedListReplacesTheCache) {
  std::atomic<int> version{1};
  TestServer server([&](const Request&) {
    const int v = version.load();
    return ok("list version " + std::to_string(v) + "\n", {{"ETag", "\"v" + std::to_string(v) + "\""}});
  });
  RemoteLists lists({list(server.url("/a"))}, counter());
  ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  version = 2;
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::updated) << o.message;
  EXPECT_EQ(read_file(cache()), "list version 2\n");
  EXPECT_EQ(changed().size(), 2u);
  EXPECT_EQ(server.requests()[1].header("if-none-match"), "\"v1\"");  // it asked, the server said: changed
  EXPECT_EQ(load_meta(cache().string() + ".meta")->etag, "\"v2\"");
  EXPECT_EQ(lists.stats("feed")->updated, 2u);
}

TEST_F(RemoteListsTest, MatchingEtagGives304AndNoCallback) {
  TestServer server([](const Request& r) {
    if (r.header("if-none-match") == "\"v1\"") return status(304, {{"ETag", "\"v1\""}});
    return ok("a\n", {{"ETag", "\"v1\""}});
  });
  RemoteLists lists({list(server.url("/a"))}, counter());
  ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  const auto first = lists.stats("feed")->last_success;
  std::this_thread::sleep_for(milliseconds(5));
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::not_modified) << o.message;
  EXPECT_EQ(o.status, 304);
  ASSERT_EQ(server.request_count(), 2u);
  EXPECT_EQ(server.requests()[1].header("if-none-match"), "\"v1\"");
  EXPECT_EQ(changed().size(), 1u);  // only the first fetch
  EXPECT_EQ(read_file(cache()), "a\n");
  const auto s = lists.stats("feed");
  EXPECT_EQ(s->not_modified, 1u);
  EXPECT_EQ(s->updated, 1u);
  EXPECT_GT(*s->last_success, *first);   // a 304 is a success (staleness resets)
  EXPECT_LT(*s->last_change, *s->last_success);  // but not a change
}

TEST_F(RemoteListsTest, LastModifiedIsSentBackAsIfModifiedSince) {
  const std::string lm = "Wed, 21 Oct 2015 07:28:00 GMT";
  TestServer server([&](const Request& r) {
    if (r.header("if-modified-since") == lm) return status(304);
    return ok("a\n", {{"Last-Modified", lm}});
  });
  RemoteLists lists({list(server.url("/a"))}, counter());
  ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  EXPECT_EQ(lists.fetch_now("feed").result, FetchResult::not_modified);
  ASSERT_EQ(server.request_count(), 2u);
  EXPECT_EQ(server.requests()[1].header("if-modified-since"), lm);
  EXPECT_FALSE(server.requests()[1].has("if-none-match"));  // the server gave no ETag
}

TEST_F(RemoteListsTest, ServerErrorKeepsTheOldCacheAndRecordsTheError) {
  std::atomic<bool> fail{false};
  TestServer server([&](const Request&) { return fail ? status(500) : ok("good list\n", {{"ETag", "\"g\""}}); });
  RemoteLists lists({list(server.url("/a"))}, counter());
  ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  const auto success = lists.stats("feed")->last_success;
  fail = true;
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::failed);
  EXPECT_EQ(o.error, FetchError::status);
  EXPECT_EQ(o.status, 500);
  EXPECT_EQ(read_file(cache()), "good list\n");
  EXPECT_EQ(load_meta(cache().string() + ".meta")->etag, "\"g\"");  // validators kept too
  EXPECT_EQ(changed().size(), 1u);
  const auto s = lists.stats("feed");
  EXPECT_EQ(s->failed, 1u);
  EXPECT_EQ(s->last_status, 500);
  EXPECT_EQ(s->last_error_kind, FetchError::status);
  EXPECT_NE(s->last_error.find("HTTP 500"), std::string::npos) << s->last_error;
  EXPECT_EQ(s->last_success, success);
  EXPECT_GT(*s->last_attempt, *success);
  // The next success clears the error.
  fail = false;
  EXPECT_NE(lists.fetch_now("feed").result, FetchResult::failed);
  EXPECT_EQ(lists.stats("feed")->last_error, "");
}

TEST_F(RemoteListsTest, OversizedBodyIsRefusedByContentLength) {
  std::atomic<bool> big{false};
  TestServer server([&](const Request& r) {
    if (r.target == "/error") {
      Response e = status(500);
      e.body = std::string(5000, 'e');
      return e;
    }
    return ok(big ? std::string(2000, 'x') : "small\n");
  });
  auto f = list(server.url("/a"));
  f.remote->max_bytes = 1000;
  RemoteLists lists({f}, counter());
  ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  big = true;
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::failed);
  EXPECT_EQ(o.error, FetchError::too_large) << o.message;
  EXPECT_EQ(read_file(cache()), "small\n");
  EXPECT_FALSE(fs::exists(cache().string() + ".tmp"));
  // A big error page is reported as what it is.
  auto e = list(server.url("/error"), "err");
  e.remote->max_bytes = 1000;
  RemoteLists other({e}, counter());
  const FetchOutcome eo = other.fetch_now("err");
  EXPECT_EQ(eo.error, FetchError::status) << eo.message;
  EXPECT_EQ(eo.status, 500);
}

TEST_F(RemoteListsTest, OversizedBodyIsRefusedWhileReadingWithoutContentLength) {
  std::atomic<bool> big{false};
  TestServer server([&](const Request&) {
    Response r = ok(big ? std::string(200'000, 'x') : "small\n");
    r.content_length = false;  // close-delimited: only reading tells the size
    return r;
  });
  auto f = list(server.url("/a"));
  f.remote->max_bytes = 1000;
  RemoteLists lists({f}, counter());
  const FetchOutcome first = lists.fetch_now("feed");
  ASSERT_EQ(first.result, FetchResult::updated) << first.message;
  EXPECT_EQ(read_file(cache()), "small\n");
  big = true;
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.error, FetchError::too_large) << o.message;
  EXPECT_EQ(read_file(cache()), "small\n");
  EXPECT_FALSE(fs::exists(cache().string() + ".tmp"));
  EXPECT_EQ(changed().size(), 1u);
}

TEST_F(RemoteListsTest, SameBodyWithoutValidatorsIsNotAChange) {
  std::atomic<int> version{1};
  TestServer server([&](const Request&) { return ok("v" + std::to_string(version.load()) + "\n"); });
  RemoteLists lists({list(server.url("/a"))}, counter());
  ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  const auto change = lists.stats("feed")->last_change;
  const FetchOutcome same = lists.fetch_now("feed");
  EXPECT_EQ(same.result, FetchResult::not_modified) << same.message;
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(changed().size(), 1u);
  EXPECT_EQ(lists.stats("feed")->last_change, change);
  EXPECT_FALSE(fs::exists(cache().string() + ".tmp"));
  version = 2;
  EXPECT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  EXPECT_EQ(read_file(cache()), "v2\n");
  EXPECT_EQ(changed().size(), 2u);
}

TEST_F(RemoteListsTest, EmptyBodyIsRefused) {
  TestServer server([](const Request&) { return ok(""); });
  RemoteLists lists({list(server.url("/a"))}, counter());
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.error, FetchError::empty) << o.message;
  EXPECT_FALSE(fs::exists(cache()));
  EXPECT_TRUE(changed().empty());
}

TEST_F(RemoteListsTest, ServerThatNeverAnswersTimesOutWithinTimeout) {
  TestServer server([](const Request&) {
    Response r;
    r.hang = true;
    return r;
  });
  auto f = list(server.url("/a"));
  f.remote->timeout_ms = 300;
  RemoteLists lists({f}, counter());
  const auto t0 = steady_clock::now();
  const FetchOutcome o = lists.fetch_now("feed");
  const auto took = steady_clock::now() - t0;
  EXPECT_EQ(o.result, FetchResult::failed);
  EXPECT_EQ(o.error, FetchError::timeout) << o.message;
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(lists.stats("feed")->last_error_kind, FetchError::timeout);
}

TEST_F(RemoteListsTest, ConnectionRefusedIsAnError) {
  std::uint16_t port;
  {
    TestServer gone([](const Request&) { return ok("x"); });
    port = gone.port();
  }
  RemoteLists lists({list("http://127.0.0.1:" + std::to_string(port) + "/a")}, counter());
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.error, FetchError::connect) << o.message;
}

TEST_F(RemoteListsTest, RestartSendsThePersistedValidators) {
  TestServer server([](const Request& r) {
    if (r.header("if-none-match") == "\"v7\"") return status(304);
    return ok("a\n", {{"ETag", "\"v7\""}, {"Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT"}});
  });
  std::optional<std::chrono::system_clock::time_point> change;
  {
    RemoteLists lists({list(server.url("/a"))}, counter());
    ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
    change = lists.stats("feed")->last_change;
  }
  RemoteLists again({list(server.url("/a"))}, counter());
  const auto s = again.stats("feed");  // loaded from the meta, before any fetch
  ASSERT_TRUE(s->last_change.has_value());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(s->last_change->time_since_epoch()),
            std::chrono::duration_cast<milliseconds>(change->time_since_epoch()));
  EXPECT_TRUE(s->last_success.has_value());
  EXPECT_TRUE(s->has_cache);
  EXPECT_EQ(again.fetch_now("feed").result, FetchResult::not_modified);
  ASSERT_EQ(server.request_count(), 2u);
  EXPECT_EQ(server.requests()[1].header("if-none-match"), "\"v7\"");
  EXPECT_EQ(server.requests()[1].header("if-modified-since"), "Wed, 21 Oct 2015 07:28:00 GMT");
}

TEST_F(RemoteListsTest, NoValidatorsWhenTheCacheFileIsGoneOrTheUrlChanged) {
  // The same ETag everywhere: only the client's bookkeeping keeps it from a wrong 304.
  TestServer server([](const Request& r) { return ok(r.target + "\n", {{"ETag", "\"v1\""}}); });
  {
    RemoteLists lists({list(server.url("/a"))}, counter());
    ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  }
  {
    RemoteLists other_url({list(server.url("/b"))}, counter());
    EXPECT_EQ(other_url.fetch_now("feed").result, FetchResult::updated);
    EXPECT_FALSE(server.requests()[1].has("if-none-match"));
  }
  fs::remove(cache());
  RemoteLists lists({list(server.url("/b"))}, counter());
  EXPECT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  EXPECT_FALSE(server.requests()[2].has("if-none-match"));  // a 304 would leave us with no list
  EXPECT_EQ(read_file(cache()), "/b\n");  // the same body as the meta describes, but the file was gone
}

TEST_F(RemoteListsTest, ConfiguredHeadersAreSent) {
  TestServer server([](const Request&) { return ok("a\n"); });
  auto f = list(server.url("/a?x=1"));
  f.remote->headers.emplace("Authorization", config::Secret("Bearer s3cret-token"));
  f.remote->headers.emplace("X-Api-Key", config::Secret("k"));
  RemoteLists lists({f}, counter());
  ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  const Request r = server.requests().at(0);
  EXPECT_EQ(r.target, "/a?x=1");
  EXPECT_EQ(r.header("authorization"), "Bearer s3cret-token");
  EXPECT_EQ(r.header("x-api-key"), "k");
  EXPECT_EQ(r.header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r.header("user-agent").rfind("freezewatch/", 0), 0u);
}

TEST_F(RemoteListsTest, RedirectsAreFollowedUpToThree) {
  TestServer server([](const Request& r) {
    if (r.target == "/old") return status(301, {{"Location", "/mid"}});
    if (r.target == "/mid") return status(302, {{"Location", "/new?v=2"}});
    if (r.target == "/loop") return status(307, {{"Location", "/loop"}});
    return ok("moved list\n");
  });
  auto f = list(server.url("/old"));
  f.remote->headers.emplace("Authorization", config::Secret("Bearer t"));
  RemoteLists lists({f, list(server.url("/loop"), "loop")}, counter());
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::updated) << o.message;
  EXPECT_EQ(read_file(cache()), "moved list\n");
  ASSERT_EQ(server.request_count(), 3u);
  EXPECT_EQ(server.requests()[2].target, "/new?v=2");
  EXPECT_EQ(server.requests()[2].header("authorization"), "Bearer t");  // same origin
  const FetchOutcome l = lists.fetch_now("loop");
  EXPECT_EQ(l.error, FetchError::redirect) << l.message;
  EXPECT_EQ(server.request_count(), 3u + 4u);  // the first request and 3 redirects
}

TEST_F(RemoteListsTest, HeadersAreNotSentToAnotherOrigin) {
  TestServer target([](const Request&) { return ok("elsewhere\n"); });
  TestServer origin([&](const Request&) { return status(302, {{"Location", target.url("/x")}}); });
  auto f = list(origin.url("/a"));
  f.remote->headers.emplace("Authorization", config::Secret("Bearer t"));
  RemoteLists lists({f}, counter());
  EXPECT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  ASSERT_EQ(target.request_count(), 1u);
  EXPECT_FALSE(target.requests()[0].has("authorization"));
}

TEST_F(RemoteListsTest, PollerFetchesAtStartAndThenEveryInterval) {
  TestServer server([](const Request& r) {
    if (r.header("if-none-match") == "\"e\"") return status(304);
    return ok("a\n", {{"ETag", "\"e\""}});
  });
  auto f = list(server.url("/a"));
  f.remote->interval_ms = 100;
  RemoteLists lists({f}, counter());
  lists.start();
  ASSERT_TRUE(wait_for([&] { return changed().size() == 1; }, milliseconds(2000)));
  ASSERT_TRUE(wait_for([&] { return lists.stats("feed")->not_modified >= 2; }, milliseconds(2000)));
  lists.stop();
  EXPECT_EQ(changed().size(), 1u);
  EXPECT_EQ(lists.stats("feed")->failed, 0u);
}

TEST_F(RemoteListsTest, PollerStartsAtOnceWhenACacheExists) {
  TestServer server([](const Request& r) {
    if (r.header("if-none-match") == "\"e\"") return status(304);
    return ok("a\n", {{"ETag", "\"e\""}});
  });
  {
    RemoteLists lists({list(server.url("/a"))}, counter());
    ASSERT_EQ(lists.fetch_now("feed").result, FetchResult::updated);
  }
  RemoteLists lists({list(server.url("/a"))}, counter());  // interval 60 s
  lists.start();
  ASSERT_TRUE(wait_for([&] { return lists.stats("feed")->not_modified == 1; }, milliseconds(2000)));
  EXPECT_EQ(server.requests().at(1).header("if-none-match"), "\"e\"");
  const auto next = lists.stats("feed")->next_poll;
  ASSERT_TRUE(next.has_value());
  EXPECT_GT(*next, std::chrono::system_clock::now() + std::chrono::seconds(50));
  lists.stop();
}

TEST_F(RemoteListsTest, RetryAfterDelaysTheNextPoll) {
  TestServer server([](const Request&) { return status(503, {{"Retry-After", "2"}}); });
  auto f = list(server.url("/a"));
  f.remote->interval_ms = 50;  // without Retry-After: another poll within ~50 ms
  RemoteLists lists({f}, counter());
  lists.start();
  ASSERT_TRUE(wait_for([&] { return lists.stats("feed")->failed == 1; }, milliseconds(2000)));
  const auto s = lists.stats("feed");
  ASSERT_TRUE(s->next_poll.has_value());
  EXPECT_GT(*s->next_poll, std::chrono::system_clock::now() + milliseconds(1500));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(server.request_count(), 1u);
  lists.stop();
}

TEST_F(RemoteListsTest, FailuresAreRetriedSoonerThanTheInterval) {
  std::atomic<int> n{0};
  TestServer server([&](const Request&) { return ++n == 1 ? status(500) : ok("a\n"); });
  auto f = list(server.url("/a"));
  f.remote->interval_ms = 60'000;
  RemoteLists lists({f}, counter());
  lists.start();
  ASSERT_TRUE(wait_for([&] { return changed().size() == 1; }, milliseconds(3000)));
  EXPECT_EQ(lists.stats("feed")->failed, 1u);
  lists.stop();
}

TEST_F(RemoteListsTest, StopInterruptsAFetchInProgress) {
  TestServer server([](const Request&) {
    Response r;
    r.hang = true;
    return r;
  });
  auto f = list(server.url("/a"));
  f.remote->timeout_ms = 30'000;
  RemoteLists lists({f}, counter());
  lists.start();
  ASSERT_TRUE(wait_for([&] { return server.request_count() == 1; }));
  std::atomic<bool> waiter_done{false};
  FetchOutcome waited;
  std::thread waiter([&] {
    waited = lists.fetch_now("feed");  // queued behind the hanging fetch
    waiter_done = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  const auto t0 = steady_clock::now();
  lists.stop();
  EXPECT_LT(steady_clock::now() - t0, milliseconds(1000));
  waiter.join();
  EXPECT_EQ(waited.error, FetchError::stopped);
  EXPECT_EQ(lists.fetch_now("feed").error, FetchError::stopped);
}

TEST_F(RemoteListsTest, StopEndsAFetchNowBeforeStart) {
  TestServer server([](const Request&) {
    Response r;
    r.hang = true;
    return r;
  });
  auto f = list(server.url("/a"));
  f.remote->timeout_ms = 30'000;
  RemoteLists lists({f}, counter());
  FetchOutcome o;
  std::thread caller([&] { o = lists.fetch_now("feed"); });
  ASSERT_TRUE(wait_for([&] { return server.request_count() == 1; }));
  const auto t0 = steady_clock::now();
  lists.stop();
  caller.join();
  EXPECT_LT(steady_clock::now() - t0, milliseconds(1000));
  EXPECT_EQ(o.error, FetchError::stopped);
}

TEST_F(RemoteListsTest, FetchNowWhileRunningUsesThePollThread) {
  std::atomic<int> version{1};
  TestServer server([&](const Request&) { return ok("v" + std::to_string(version.load()) + "\n"); });
  RemoteLists lists({list(server.url("/a"))}, counter());
  lists.start();
  ASSERT_TRUE(wait_for([&] { return changed().size() == 1; }));
  version = 2;
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::updated) << o.message;
  EXPECT_EQ(read_file(cache()), "v2\n");
  lists.stop();
}

TEST_F(RemoteListsTest, BadSettingsAreReportedAndFailEveryFetch) {
  auto bad = list("ftp://example.com/x", "ftp");
  auto header = list("http://127.0.0.1:1/x", "hdr");
  header.remote->headers.emplace("X-Bad", config::Secret("a\r\nInjected: 1"));
  auto ca = list("https://127.0.0.1:1/x", "ca");
  ca.remote->ca_file = (dir_ / "missing.pem").string();
  const auto errors = RemoteLists::validate({bad, header, ca, list("http://example.com/ok", "ok")});
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].find("remote list 'ftp': url"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("'X-Bad'"), std::string::npos) << errors[1];
  EXPECT_EQ(errors[1].find("Injected"), std::string::npos);
  EXPECT_NE(errors[2].find("ca_file"), std::string::npos) << errors[2];
  RemoteLists lists({bad}, counter());
  const FetchOutcome o = lists.fetch_now("ftp");
  EXPECT_EQ(o.error, FetchError::config);
  EXPECT_EQ(lists.stats("ftp")->last_error_kind, FetchError::config);
  EXPECT_EQ(lists.fetch_now("nope").error, FetchError::config);
  EXPECT_FALSE(lists.stats("nope").has_value());
}

TEST_F(RemoteListsTest, AllStatsFollowsConfigurationOrderAndSkipsFileLists) {
  auto plain = list("http://127.0.0.1:1/x", "plain");
  plain.remote.reset();
  RemoteLists lists({list("http://127.0.0.1:1/x", "b"), plain, list("http://127.0.0.1:1/y", "a")}, counter());
  const auto all = lists.all_stats();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "b");
  EXPECT_EQ(all[1].name, "a");
  EXPECT_FALSE(all[0].has_cache);
  EXPECT_FALSE(all[0].last_success.has_value());
}


// ---- HTTPS against `openssl s_server -WWW` with a self-signed certificate ----

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool can_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class RemoteListsHttpsTest : public RemoteListsTest {
 protected:
  void SetUp() override {
    RemoteListsTest::SetUp();
    www_ = dir_ / "www";
    fs::create_directories(www_);
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
                            " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
                            (dir_ / "key.pem").string() + "' -out '" + (dir_ / "cert.pem").string() +
                            "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "openssl CLI not available";
    std::ofstream(www_ / "list.txt") << "0x00000000000000000000000000000000000000aa\n";
    port_ = free_port();
    const std::string accept = "127.0.0.1:" + std::to_string(port_);
    const std::string cert = (dir_ / "cert.pem").string();
    const std::string key = (dir_ / "key.pem").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      if (::chdir(www_.c_str()) != 0) ::_exit(127);
      ::execlp("openssl", "openssl", "s_server", "-accept", accept.c_str(), "-cert", cert.c_str(), "-key", key.c_str(),
               "-WWW", "-quiet", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_GT(pid_, 0);
    ASSERT_TRUE(wait_for([&] { return can_connect(port_); })) << "openssl s_server did not start";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    RemoteListsTest::TearDown();
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/list.txt"; }

  fs::path www_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(RemoteListsHttpsTest, HttpsListIsFetchedWhenTheCaFileVouchesForTheServer) {
  auto f = list(url());
  f.remote->ca_file = (dir_ / "cert.pem").string();
  RemoteLists lists({f}, counter());
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::updated) << o.message;
  EXPECT_EQ(read_file(cache()), "0x00000000000000000000000000000000000000aa\n");
}

TEST_F(RemoteListsHttpsTest, UnknownCertificateIsRefused) {
  RemoteLists lists({list(url())}, counter());  // system store only
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.error, FetchError::tls) << o.message;
  EXPECT_FALSE(fs::exists(cache()));
}

TEST_F(RemoteListsHttpsTest, TlsVerifyOffAcceptsAnyCertificate) {
  auto f = list(url());
  f.remote->tls_verify = false;
  RemoteLists lists({f}, counter());
  const FetchOutcome o = lists.fetch_now("feed");
  EXPECT_EQ(o.result, FetchResult::updated) << o.message;
}

}  // namespace
}  // namespace fw::remote
