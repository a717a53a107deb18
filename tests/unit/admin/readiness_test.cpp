#include "admin/readiness.hpp"

#include <gtest/gtest.h>

namespace fw::admin {
namespace {

TEST(Readiness, AllChecksPassingIs200ReadyWithEachCheckListed) {
  const auto r = readiness_response({{"config", true, "loaded"}, {"source exchange", true, "connected"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "ready\nok: config: loaded\nok: source exchange: connected\n");
}

TEST(Readiness, AFailingCheckIs503AndTheBodyNamesItFirst) {
  const auto r = readiness_response({{"config", true, "loaded"},
                                     {"source exchange", false, "stale (no frame for 61 s)"},
                                     {"outbox", false, "not writable"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body,
            "not ready: source exchange: stale (no frame for 61 s)\n"
            "not ready: outbox: not writable\n"
            "ok: config: loaded\n");
}

TEST(Readiness, EmptyDetailLeavesOnlyTheName) {
  const auto r = readiness_response({{"watchlist", false, ""}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: watchlist\n");
}

TEST(Readiness, NoChecksMeansReady) {
  const auto r = readiness_response({});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
}

}  // namespace
}  // namespace fw::admin
