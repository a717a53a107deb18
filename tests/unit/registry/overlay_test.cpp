#include "watchlist/overlay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>
#include <tuple>

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

std::vector<LiveEntry> all_of(const Overlay& o) {
  std::vector<LiveEntry> out;
  o.for_each([&](const LiveEntry& e) { out.push_back(e); });
  return out;
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
  const auto es = all_of(o);
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

TEST(Overlay, WithReplacesTheEntriesOfChangedAddressesAndLeavesThePreviousAlone) {
  auto base = std::make_shared<const Overlay>(std::vector<LiveEntry>{
      entry("0xaa", LiveEntry::Kind::api, "a", "old"), entry("0xaa", LiveEntry::Kind::api, "b"),
      entry("0xbb", LiveEntry::Kind::api, ""), entry("0xdd", LiveEntry::Kind::api, "")});
  // 0xaa: one entry replaced, one gone; 0xbb removed; 0xcc new; 0xdd untouched.
  auto next = Overlay::with(base, {"0xaa", "0xbb", "0xcc"},
                            {entry("0xcc", LiveEntry::Kind::derived, "x"), entry("0xaa", LiveEntry::Kind::api, "a", "new")});
  EXPECT_EQ(next->size(), 3u);
  ASSERT_EQ(next->find("0xaa").size(), 1u);
  EXPECT_EQ(next->find("0xaa")[0].label, "new");
  EXPECT_TRUE(next->find("0xbb").empty());
  ASSERT_EQ(next->find("0xcc").size(), 1u);
  ASSERT_EQ(next->find("0xdd").size(), 1u);
  EXPECT_EQ(next->delta_size(), 2u);
  const auto es = all_of(*next);
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].address, "0xaa");
  EXPECT_EQ(es[1].address, "0xcc");
  EXPECT_EQ(es[2].address, "0xdd");
  // The previous overlay is unchanged (readers may still hold it).
  EXPECT_EQ(base->size(), 4u);
  ASSERT_EQ(base->find("0xaa").size(), 2u);
  EXPECT_EQ(base->find("0xaa")[0].label, "old");
  EXPECT_EQ(base->find("0xbb").size(), 1u);
  EXPECT_TRUE(base->find("0xcc").empty());
  // From nothing.
  auto first = Overlay::with(nullptr, {"0xee"}, {entry("0xee", LiveEntry::Kind::api, "")});
  EXPECT_EQ(first->size(), 1u);
  EXPECT_EQ(first->find("0xee").size(), 1u);
}

TEST(Overlay, ManyChangesMatchAFullRebuildAndKeepTheDeltaBounded) {
  // Random puts and removals over 3,000 addresses applied with with(), one
  // batch at a time, against a reference map rebuilt in full.
  std::mt19937 rng(7);
  std::map<std::tuple<std::string, LiveEntry::Kind, std::string>, LiveEntry> ref;
  std::shared_ptr<const Overlay> o = std::make_shared<const Overlay>();
  std::size_t rebuilds = 0;
  for (int step = 0; step < 600; ++step) {
    const int batch = step % 50 == 0 ? 400 : 1 + static_cast<int>(rng() % 8);
    std::vector<std::string> changed;
    for (int k = 0; k < batch; ++k) {
      const std::string a = "0x" + std::to_string(rng() % 3000);
      const auto kind = rng() % 3 == 0 ? LiveEntry::Kind::derived : LiveEntry::Kind::api;
      const std::string inc = "inc-" + std::to_string(rng() % 3);
      const auto key = std::tuple{a, kind, inc};
      if (rng() % 4 == 0)
        ref.erase(key);
      else
        ref[key] = entry(a, kind, inc, "step " + std::to_string(step));
      changed.push_back(a);
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    std::vector<LiveEntry> now;
    for (const auto& [key, e] : ref)
      if (std::binary_search(changed.begin(), changed.end(), std::get<0>(key))) now.push_back(e);
    const std::size_t before = o->delta_size();
    o = Overlay::with(o, changed, std::move(now));
    rebuilds += o->delta_size() == 0 || o->delta_size() < before;
    ASSERT_EQ(o->size(), ref.size()) << step;
    ASSERT_LE(o->delta_size(), Overlay::max_delta(o->size()) + 400) << step;
  }
  EXPECT_GT(rebuilds, 2u);
  std::vector<LiveEntry> want;
  for (const auto& [key, e] : ref) want.push_back(e);
  const auto got = all_of(*o);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].address, want[i].address) << i;
    ASSERT_EQ(got[i].kind, want[i].kind) << i;
    ASSERT_EQ(got[i].incident, want[i].incident) << i;
    ASSERT_EQ(got[i].label, want[i].label) << i;
  }
  for (int a = 0; a < 3000; ++a) {
    const std::string addr = "0x" + std::to_string(a);
    std::size_t n = 0;
    for (const auto& [key, e] : ref) n += std::get<0>(key) == addr;
    ASSERT_EQ(o->find(addr).size(), n) << addr;
    for (const LiveEntry& e : o->find(addr)) EXPECT_EQ(e.address, addr);
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
