#include "decode/bitcoin/protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace fw::decode::bitcoin {
namespace {

using Chunks = std::vector<std::vector<std::string>>;

std::vector<std::string> addrs(int n, int from = 0) {
  std::vector<std::string> out;
  for (int i = from; i < from + n; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "a%03d", i);
    out.emplace_back(buf);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every address exactly once, no chunk over the limit.
void expect_covers(const Chunks& chunks, const std::vector<std::string>& addresses, std::size_t limit) {
  std::multiset<std::string> seen;
  for (const auto& c : chunks) {
    EXPECT_LE(c.size(), limit);
    seen.insert(c.begin(), c.end());
  }
  EXPECT_EQ(seen, std::multiset<std::string>(addresses.begin(), addresses.end()));
}

TEST(BitcoinProtocol, RequestsAreTheMessagesMempoolSpaceExpects) {
  EXPECT_EQ(want_blocks_request(), R"({"action":"want","data":["blocks"]})");
  EXPECT_EQ(ping_request(), R"({"action":"ping"})");
  EXPECT_EQ(track_addresses_request({"bc1qxyz", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"}),
            R"({"track-addresses":["bc1qxyz","3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"]})");
  EXPECT_EQ(track_addresses_request({}), R"({"track-addresses":[]})");
  EXPECT_EQ(track_addresses_request({"a\"b\\c\n"}), R"({"track-addresses":["a\"b\\c\u000a"]})");
}

TEST(BitcoinProtocol, TrackLimitIsReadFromTheServersRefusal) {
  EXPECT_EQ(track_limit("too many addresses requested, this connection supports tracking a maximum of 100 addresses"),
            100u);
  EXPECT_EQ(track_limit("too many addresses requested, this connection supports tracking a maximum of 1 addresses"),
            1u);
  EXPECT_EQ(track_limit("limit is 7 (you sent 12)"), 12u);  // no "maximum": the last number
  EXPECT_EQ(track_limit("maximum: 0"), 0u);
  EXPECT_EQ(track_limit("too many addresses"), std::nullopt);
  EXPECT_EQ(track_limit("maximum of 99999999999999 addresses"), 4294967295u);
}

TEST(BitcoinProtocol, NoAddressesStillGivesOneChunkForBlocks) {
  auto chunks = assign_chunks({}, {}, 10);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0].empty());
}

TEST(BitcoinProtocol, AFreshListIsSplitIntoBalancedChunksUnderTheLimit) {
  const auto a = addrs(5);
  auto chunks = assign_chunks({}, a, 2);
  ASSERT_EQ(chunks.size(), 3u);
  expect_covers(chunks, a, 2);
  chunks = assign_chunks({}, addrs(10), 4);  // 10 over 3 chunks: 4, 3, 3 (room left for additions)
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].size(), 4u);
  EXPECT_EQ(chunks[1].size(), 3u);
  EXPECT_EQ(chunks[2].size(), 3u);
  EXPECT_EQ(assign_chunks({}, addrs(3), 100).size(), 1u);
  EXPECT_EQ(assign_chunks({}, addrs(3), 0).size(), 3u);  // a limit of 0 acts as 1
}

TEST(BitcoinProtocol, AnAddedAddressChangesOnlyTheChunkWithRoom) {
  const auto before = addrs(10);
  const Chunks current = assign_chunks({}, before, 4);  // 4, 3, 3
  auto after = before;
  after.push_back("b000");
  auto chunks = assign_chunks(current, after, 4);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], current[0]);
  EXPECT_EQ(chunks[2], current[2]);
  EXPECT_EQ(chunks[1].size(), 4u);
  EXPECT_EQ(chunks[1].back(), "b000");
  expect_covers(chunks, after, 4);
}

TEST(BitcoinProtocol, AddressesBeyondTheRoomGetNewChunks) {
  const Chunks current = {addrs(2, 0), addrs(2, 2)};
  const auto all = addrs(7);
  auto chunks = assign_chunks(current, all, 2);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[0], current[0]);
  EXPECT_EQ(chunks[1], current[1]);
  expect_covers(chunks, all, 2);
}

TEST(BitcoinProtocol, ARemovedAddressLeavesTheOtherChunksAlone) {
  const auto before = addrs(9);
  const Chunks current = assign_chunks({}, before, 3);  // 3, 3, 3
  auto after = before;
  after.erase(after.begin() + 4);  // from the middle chunk
  auto chunks = assign_chunks(current, after, 3);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], current[0]);
  EXPECT_EQ(chunks[2], current[2]);
  EXPECT_EQ(chunks[1].size(), 2u);
  expect_covers(chunks, after, 3);
}

TEST(BitcoinProtocol, ALowerLimitMovesTheOverflowToNewChunks) {
  const auto all = addrs(8);
  const Chunks current = assign_chunks({}, all, 100);  // one chunk of 8
  ASSERT_EQ(current.size(), 1u);
  auto chunks = assign_chunks(current, all, 3);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], std::vector<std::string>(current[0].begin(), current[0].begin() + 3));
  expect_covers(chunks, all, 3);
  // Down to one address per connection.
  chunks = assign_chunks(chunks, all, 1);
  EXPECT_EQ(chunks.size(), 8u);
  expect_covers(chunks, all, 1);
}

TEST(BitcoinProtocol, AShrunkListIsReBalancedIntoFewerChunks) {
  const auto before = addrs(12);
  const Chunks current = assign_chunks({}, before, 3);  // 4 chunks of 3
  ASSERT_EQ(current.size(), 4u);
  // Keep one address of each chunk: 4 addresses now need only 2 chunks.
  std::vector<std::string> after = {current[0][0], current[1][0], current[2][0], current[3][0]};
  std::sort(after.begin(), after.end());
  auto chunks = assign_chunks(current, after, 3);
  ASSERT_EQ(chunks.size(), 2u);
  expect_covers(chunks, after, 3);
  // Everything removed: one empty chunk remains.
  chunks = assign_chunks(current, {}, 3);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0].empty());
}

TEST(BitcoinProtocol, AnUnchangedListKeepsEveryChunk) {
  const auto all = addrs(25);
  const Chunks current = assign_chunks({}, all, 10);
  EXPECT_EQ(assign_chunks(current, all, 10), current);
}

}  // namespace
}  // namespace fw::decode::bitcoin
