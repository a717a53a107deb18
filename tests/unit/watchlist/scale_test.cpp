// Large lists: the chunked, multi-threaded load must give exactly what a
// one-thread load gives; a remote list not fetched yet loads as empty; the
// loader's EVM <-> TRON fast paths agree with the address module.
#include "watchlist/watchlist.hpp"

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "address/address.hpp"
#include "test_files.hpp"
#include "watchlist/reloader.hpp"
#include "watchlist/twins.hpp"

namespace fw::watchlist {
namespace {

using namespace test;

// Distinct for distinct i (an odd multiplier is a bijection on 64 bits).
std::string hex40(std::uint64_t i) {
  static const char* d = "0123456789abcdef";
  const std::uint64_t v = i * 0x9E3779B97F4A7C15ull;
  std::string s = "0x";
  for (int k = 15; k >= 0; --k) s.push_back(d[(v >> (4 * k)) & 15]);
  return s + "c0ffee00c0ffee00c0ffee00";
}

// ~11 MB: three chunks of the loader, with bad lines, duplicates, comments,
// quoted fields and CRLF spread over them.
std::string big_csv(std::vector<std::pair<std::string, std::uint32_t>>& probes) {
  std::string out = "# generated\n\naddress,chain,label,incident,source,severity,added_at,notes\n";
  std::uint32_t line = 3;
  std::uint8_t bytes[20] = {};
  for (std::uint64_t i = 0; i < 150'000; ++i) {
    ++line;
    if (i % 997 == 5) {
      out += "0xnothex,evm,bad row,inc,src,high,2024-01-01,\n";
      continue;
    }
    if (i % 1500 == 7) {
      out += "# a comment line\r\n";
      continue;
    }
    std::string a;
    if (i % 501 == 3 && i > 1000) {
      a = hex40(i - 1000);  // listed again: a second provenance record
    } else if (i % 3 == 0) {
      for (int k = 0; k < 20; ++k) bytes[k] = static_cast<std::uint8_t>(k < 8 ? i >> (8 * k) : static_cast<std::uint64_t>(k) * 37);
      a = address::tron_address(bytes);
    } else {
      a = hex40(i);
    }
    const bool quoted = i % 777 == 0;
    out += a + "," + (a[0] == 'T' ? "tron" : "evm") + "," + (quoted ? "\"label, quoted\"" : "label " + std::to_string(i % 50)) +
           ",incident-" + std::to_string(i % 7) + ",source,HIGH,2024-05-" + std::to_string(10 + i % 9) + "," +
           (i % 11 == 0 ? "note" : "") + (i % 13 == 0 ? "\r\n" : "\n");
    if (i % 10'000 == 1) probes.emplace_back(a, line);
  }
  return out;
}

TEST(WatchlistScale, ParallelChunkedLoadEqualsOneThreadLoad) {
  TempDir tmp;
  std::vector<std::pair<std::string, std::uint32_t>> probes;
  tmp.write("big.csv", big_csv(probes));
  config::WatchlistsConfig cfg = config_of({list_file("big", tmp.path("big.csv"))});
  cfg.twins = config::TwinsConfig{true, false};
  auto one = load(cfg, "", 1);
  auto many = load(cfg, "", 3);
  ASSERT_TRUE(one.snapshot) << one.error;
  ASSERT_TRUE(many.snapshot) << many.error;
  EXPECT_GT(one.snapshot->size(), 150'000u);  // rows + twins
  EXPECT_EQ(one.snapshot->version(), many.snapshot->version());
  ASSERT_EQ(one.snapshot->size(), many.snapshot->size());
  ASSERT_EQ(one.snapshot->entries().size(), many.snapshot->entries().size());
  EXPECT_EQ(one.snapshot->addresses(Chain::tron), many.snapshot->addresses(Chain::tron));
  for (std::size_t i = 0; i < one.snapshot->entries().size(); ++i) {
    const Entry& a = one.snapshot->entries()[i];
    const Entry& b = many.snapshot->entries()[i];
    ASSERT_EQ(a.address, b.address) << i;
    ASSERT_EQ(a.chain, b.chain);
    ASSERT_EQ(a.provenance.size(), b.provenance.size());
    for (std::size_t r = 0; r < a.provenance.size(); ++r) {
      ASSERT_EQ(a.provenance[r].line, b.provenance[r].line);
      ASSERT_EQ(a.provenance[r].label, b.provenance[r].label);
      ASSERT_EQ(a.provenance[r].notes, b.provenance[r].notes);
    }
  }
  EXPECT_EQ(one.issue_count, many.issue_count);
  EXPECT_EQ(one.issue_count, 151u);  // the bad rows
  ASSERT_EQ(one.issues.size(), many.issues.size());
  for (std::size_t i = 0; i < one.issues.size(); ++i) {
    EXPECT_EQ(one.issues[i].line, many.issues[i].line);
    EXPECT_EQ(one.issues[i].reason, many.issues[i].reason);
  }
  EXPECT_EQ(one.snapshot->files()[0].rows, many.snapshot->files()[0].rows);

  // Line numbers count every line (comments, blank lines, CRLF) across chunks.
  for (const auto& [address, line] : probes) {
    const Entry* e = many.snapshot->lookup(address);
    ASSERT_NE(e, nullptr) << address;
    EXPECT_EQ(e->provenance.front().line, line) << address;
    EXPECT_EQ(e->provenance.front().severity, "high");
    EXPECT_EQ(e->provenance.front().list, "big");
  }
  // A duplicate keeps both records, in line order; its twin shows both as derived.
  std::size_t multi = 0;
  for (const Entry& e : many.snapshot->entries()) {
    if (e.provenance.size() < 2) continue;
    ++multi;
    EXPECT_LT(e.provenance[0].line, e.provenance[1].line);
    if (e.chain == Chain::evm && !is_derived(e.provenance[0].notes)) {
      const Entry* twin = many.snapshot->lookup(Chain::tron, std::string(e.address));
      ASSERT_NE(twin, nullptr);
      ASSERT_EQ(twin->provenance.size(), e.provenance.size());
      EXPECT_EQ(twin->provenance[1].line, e.provenance[1].line);
      EXPECT_TRUE(is_derived(twin->provenance[1].notes));
    }
  }
  EXPECT_GT(multi, 100u);
}

TEST(WatchlistScale, AReloaderReloadsOnTheThreadsItIsGiven) {
  TempDir tmp;
  std::vector<std::pair<std::string, std::uint32_t>> probes;
  tmp.write("big.csv", big_csv(probes));
  const config::WatchlistsConfig cfg = config_of({list_file("big", tmp.path("big.csv"))});
  auto initial = load(cfg, "", 1);
  ASSERT_TRUE(initial.snapshot);
  Holder holder(initial.snapshot);
  for (unsigned threads : {1u, 2u, 0u}) {
    Reloader reloader(holder, cfg, "");
    reloader.set_load_threads(threads);
    const ReloadEvent ev = reloader.reload_now();
    ASSERT_TRUE(ev.ok) << ev.error;
    EXPECT_FALSE(ev.changed) << threads;  // same content, same version, whatever the threads
    EXPECT_EQ(holder.current()->size(), initial.snapshot->size());
  }
}

TEST(WatchlistRemote, ARemoteListNotFetchedYetLoadsEmptyWithOneIssue) {
  TempDir tmp;
  tmp.write("local.csv", "address\n" + std::string(evm_x) + "\n");
  auto remote = list_file("feed", tmp.path("remote/feed.list"), config::WatchlistFile::Format::text);
  remote.remote = config::WatchlistFile::Remote{};
  remote.remote->url = "https://lists.example/feed.txt";
  remote.strict = true;  // not a bad line: a strict remote list still loads
  auto out = load(config_of({list_file("local", tmp.path("local.csv")), remote}), "");
  ASSERT_TRUE(out.snapshot) << out.error;
  EXPECT_EQ(out.snapshot->size(), 1u);
  EXPECT_NE(out.snapshot->find(evm_x), nullptr);
  ASSERT_EQ(out.issues.size(), 1u);
  EXPECT_EQ(out.issue_count, 1u);
  EXPECT_EQ(out.issues[0].file, tmp.path("remote/feed.list"));
  EXPECT_EQ(out.issues[0].line, 0u);
  EXPECT_EQ(out.issues[0].reason, "remote list not fetched yet");
  ASSERT_EQ(out.snapshot->files().size(), 2u);
  EXPECT_EQ(out.snapshot->files()[1].name, "feed");
  EXPECT_EQ(out.snapshot->files()[1].rows, 0u);
  EXPECT_FALSE(out.snapshot->files()[1].stamp.exists);

  // Once the cache file exists it loads like any list.
  std::filesystem::create_directories(tmp.path("remote"));
  tmp.write("remote/feed.list", std::string(evm_y) + "\n");
  auto fetched = load(config_of({list_file("local", tmp.path("local.csv")), remote}), "");
  ASSERT_TRUE(fetched.snapshot) << fetched.error;
  EXPECT_EQ(fetched.snapshot->size(), 2u);
  EXPECT_EQ(fetched.issue_count, 0u);

  // A missing file that is not remote still fails the load.
  auto local_missing = list_file("gone", tmp.path("gone.csv"));
  EXPECT_FALSE(load(config_of({local_missing}), "").snapshot);
}

TEST(WatchlistTwinsFast, FastPathsAgreeWithTheAddressModule) {
  std::mt19937_64 rng(7);
  config::TwinsConfig twins{true, false};
  address::Address scratch, parsed;
  std::string out;
  std::string error;
  for (int i = 0; i < 2000; ++i) {
    std::uint8_t b[20];
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (i < 20) b[0] = static_cast<std::uint8_t>(i);  // small leading bytes
    const std::string evm = address::evm_address(b), tron = address::tron_address(b);
    Chain chain = Chain::stacks;
    ASSERT_TRUE(detail::twin_text(Chain::evm, evm, twins, scratch, out, chain));
    EXPECT_EQ(out, tron);
    EXPECT_EQ(chain, Chain::tron);
    ASSERT_TRUE(detail::twin_text(Chain::tron, tron, twins, scratch, out, chain));
    EXPECT_EQ(out, evm);
    EXPECT_EQ(chain, Chain::evm);

    ASSERT_TRUE(detail::parse_tron_base58(tron, parsed));
    ASSERT_TRUE(address::parse_into(Chain::tron, tron, scratch, error));
    EXPECT_EQ(parsed.canonical, scratch.canonical);
    EXPECT_EQ(parsed.payload, scratch.payload);
    EXPECT_EQ(parsed.kind, scratch.kind);
    EXPECT_EQ(parsed.version, scratch.version);
    EXPECT_EQ(parsed.network, scratch.network);
    // One character changed: never accepted by the fast path.
    std::string bad = tron;
    bad[10 + i % 20] = bad[10 + i % 20] == 'z' ? 'y' : 'z';
    EXPECT_FALSE(detail::parse_tron_base58(bad, parsed) && !address::parse_into(Chain::tron, bad, scratch, error));
  }
  EXPECT_FALSE(detail::parse_tron_base58("TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9L", parsed));    // 33 characters
  EXPECT_FALSE(detail::parse_tron_base58("TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9LS", parsed));   // bad checksum
  EXPECT_FALSE(detail::parse_tron_base58("TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9L0", parsed));   // '0' is not base58
  Chain chain = Chain::evm;
  EXPECT_FALSE(detail::twin_text(Chain::evm, "0x01", twins, scratch, out, chain));
  EXPECT_FALSE(detail::twin_text(Chain::evm, evm_x, config::TwinsConfig{false, true}, scratch, out, chain));
}

}  // namespace
}  // namespace fw::watchlist
