#include "watchlist/overlay.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace fw::watchlist {
namespace {

LiveEntry entry(std::string address, LiveEntry::Kind kind, std::string incident, std::string label = "") {
  LiveEntry e;
  e.address = std::move(address);
  e.kind = kind;
  e.incident = std::move(incident);
  e.label = std::move(label);
  return e;
}

TEST(Overlay, EmptyFindsNothing) {
  const Overlay o;
  EXPECT_TRUE(o.empty());
  EXPECT_EQ(o.size(), 0u);
  EXPECT_TRUE(o.find("0xabc").empty());
}

TEST(Overlay, FindReturnsEveryEntryOfAnAddressInKindThenIncidentOrder) {
  const Overlay o({entry("0xbb", LiveEntry::Kind::derived, "inc-a"), entry("0xaa", LiveEntry::Kind::api, "z"),
                   entry("0xbb", LiveEntry::Kind::api, "inc-b"), entry("0xbb", LiveEntry::Kind::api, "inc-a"),
                   entry("0xcc", LiveEntry::Kind::api, "")});
  EXPECT_EQ(o.size(), 5u);
  const auto bb = o.find("0xbb");
  ASSERT_EQ(bb.size(), 3u);
  EXPECT_EQ(bb[0].kind, LiveEntry::Kind::api);
  EXPECT_EQ(bb[0].incident, "inc-a");
  EXPECT_EQ(bb[1].kind, LiveEntry::Kind::api);
  EXPECT_EQ(bb[1].incident, "inc-b");
  EXPECT_EQ(bb[2].kind, LiveEntry::Kind::derived);
  ASSERT_EQ(o.find("0xaa").size(), 1u);
  ASSERT_EQ(o.find("0xcc").size(), 1u);
  EXPECT_TRUE(o.find("0xdd").empty());
  EXPECT_TRUE(o.find("0xb").empty());  // no prefix matches
}

TEST(Overlay, EntriesAreSortedByAddressKindIncident) {
  const Overlay o({entry("0xcc", LiveEntry::Kind::api, ""), entry("0xaa", LiveEntry::Kind::derived, ""),
                   entry("0xaa", LiveEntry::Kind::api, "b"), entry("0xaa", LiveEntry::Kind::api, "a")});
  const auto& es = o.entries();
  ASSERT_EQ(es.size(), 4u);
  EXPECT_EQ(es[0].incident, "a");
  EXPECT_EQ(es[1].incident, "b");
  EXPECT_EQ(es[2].kind, LiveEntry::Kind::derived);
  EXPECT_EQ(es[3].address, "0xcc");
}

TEST(Overlay, KeysStayValidForLongAddressesAndManyEntries) {
  // Long strings live on the heap, short ones inline (SSO): both must work
  // after the vector was moved into the Overlay.
  std::vector<LiveEntry> in;
  for (int i = 0; i < 2000; ++i) {
    in.push_back(entry("0x" + std::string(40, 'a' + static_cast<char>(i % 6)) + std::to_string(i), LiveEntry::Kind::api, ""));
    in.push_back(entry(std::to_string(i), LiveEntry::Kind::api, ""));
  }
  const Overlay o(std::move(in));
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(o.find("0x" + std::string(40, 'a' + static_cast<char>(i % 6)) + std::to_string(i)).size(), 1u) << i;
    ASSERT_EQ(o.find(std::to_string(i)).size(), 1u) << i;
  }
}

TEST(LiveEntry, ExpiredAndSuspected) {
  LiveEntry e;
  EXPECT_FALSE(e.expired(1000));
  e.expires_at_ms = 1000;
  EXPECT_FALSE(e.expired(999));
  EXPECT_TRUE(e.expired(1000));
  EXPECT_FALSE(e.suspected());
  e.kind = LiveEntry::Kind::derived;
  EXPECT_TRUE(e.suspected());
  e.approved = true;
  EXPECT_FALSE(e.suspected());
}

TEST(OverlayHolder, PublishIsSeenByReadersOnOtherThreads) {
  OverlayHolder holder;
  EXPECT_TRUE(holder.current()->empty());
  std::atomic<bool> seen{false};
  std::thread reader([&] {
    for (int i = 0; i < 10'000'000 && !seen; ++i)
      if (!holder.current()->find("0xaa").empty()) seen = true;
  });
  holder.publish(std::make_shared<const Overlay>(std::vector<LiveEntry>{entry("0xaa", LiveEntry::Kind::api, "")}));
  reader.join();
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace fw::watchlist
