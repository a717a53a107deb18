#include "watchlist/twins.hpp"

#include <cstring>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "match/match.hpp"
#include "test_files.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::watchlist {
namespace {

using namespace test;

// ../shared/fixtures/tron/tron_address_vectors.json: one 20-byte account.
constexpr std::string_view kEvm = "0x01311788a9736dcc38cf6d53342c076c38e95ef2";
constexpr std::string_view kTron = "TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9LR";
constexpr std::string_view kEvm2 = "0xb2ff692d318825a41b5668c4cefa263e8cdcc82e";
constexpr std::string_view kTron2 = "TSHfFTij9Ch7MEcs8c67b9iPTCYmxrwsVV";
// ../shared/fixtures/stacks/c32check/c32address_vectors.json, bitcoin_equivalent_vectors.
constexpr std::string_view kSp = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7";
constexpr std::string_view kBtc1 = "1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6d";
constexpr std::string_view kSm = "SM2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQVX8X0G";
constexpr std::string_view kBtc3 = "3GgUssdoWh5QkoUDXKqT6LMESBDf8aqp2y";
constexpr std::string_view kSt = "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0RQ";
constexpr std::string_view kBtcM = "mvWRFPELmpCHSkFQ7o9EVdCd9eXeUTa9T8";
constexpr std::string_view kBtc2 = "2N8EgwcZq89akxb6mCTTKiHLVeXRpxjuy98";
constexpr std::string_view kSn = "SN2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKP6D2ZK9";

const std::string kHeader = "address,chain,label,incident,source,severity,added_at,notes\n";

std::string row(std::string_view address, std::string_view chain, std::string_view label, std::string_view notes = "") {
  return std::string(address) + "," + std::string(chain) + "," + std::string(label) +
         ",hack-2024,Own research,critical,2024-05-16," + std::string(notes) + "\n";
}

config::WatchlistsConfig with_twins(std::initializer_list<config::WatchlistFile> files, bool evm_tron,
                                    bool stacks_bitcoin) {
  config::WatchlistsConfig c;
  c.files = files;
  c.twins = config::TwinsConfig{evm_tron, stacks_bitcoin};
  return c;
}

std::shared_ptr<const Snapshot> load_ok(const config::WatchlistsConfig& cfg, const std::string& base) {
  auto out = load(cfg, base);
  EXPECT_TRUE(out.snapshot) << out.error;
  return out.snapshot;
}

Transfer tron_usdt_from(std::string_view sender) {
  Transfer t;
  t.chain = Chain::tron;
  t.chain_name = "tron";
  t.asset = Asset{"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", 6};
  t.senders = {std::string(sender)};
  t.recipient = "TXj77r7qkzvswyKAy48ZY3w4EBoosJn46P";
  t.amount = Amount(1399000000);
  t.tx_id = "1d8e417344c69d0355fcd6f71aae6575aec4911ffb706a2d3169e43728d6a2e2";
  t.status = TransferStatus::confirmed;
  return t;
}

TEST(Twins, EvmAndTronTwinsAreOnByDefault) {
  const config::WatchlistsConfig defaults;
  EXPECT_TRUE(defaults.twins.evm_tron);
  EXPECT_FALSE(defaults.twins.stacks_bitcoin);
}

TEST(Twins, ListedEvmAddressMatchesOnTronWithDerivedProvenance) {
  TempDir tmp;
  tmp.write("hack.csv", kHeader + row(kEvm, "evm", "Exploiter", "first seen on BSC"));
  auto f = list_file("hack", "hack.csv");
  config::WatchlistsConfig cfg;  // the defaults: evm_tron on
  cfg.files = {f};
  auto snap = load_ok(cfg, tmp.dir());
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 2u);

  const Entry* twin = snap->find(kTron);
  ASSERT_NE(twin, nullptr);
  EXPECT_EQ(twin->chain, Chain::tron);
  ASSERT_EQ(twin->provenance.size(), 1u);
  const Provenance p = twin->provenance.front();
  EXPECT_EQ(p.file, "hack.csv");
  EXPECT_EQ(p.line, 2u);
  EXPECT_EQ(p.list, "hack");
  EXPECT_EQ(p.label, "Exploiter");
  EXPECT_EQ(p.incident, "hack-2024");
  EXPECT_EQ(p.source, "Own research");
  EXPECT_EQ(p.severity, "critical");
  EXPECT_EQ(p.added_at, "2024-05-16");
  EXPECT_EQ(p.notes, std::string("derived from ") + std::string(kEvm) + " (same key); first seen on BSC");
  EXPECT_TRUE(is_derived(p.notes));
  // The original is untouched.
  EXPECT_EQ(snap->find(kEvm)->provenance.front().notes, "first seen on BSC");
  // Any spelling of the twin finds it.
  EXPECT_EQ(snap->lookup(Chain::tron, "0x01311788a9736dcc38cf6d53342c076c38e95ef2"), twin);

  // A TRON transfer from the twin matches, and the alert's listing says why.
  auto matches = match::match(tron_usdt_from(kTron), *snap);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].listed_address, kTron);
  EXPECT_EQ(matches[0].direction, match::Direction::from);
  ASSERT_EQ(matches[0].entry.provenance.size(), 1u);
  EXPECT_EQ(matches[0].entry.provenance[0].notes.rfind("derived from " + std::string(kEvm), 0), 0u);
  EXPECT_EQ(matches[0].entry.provenance[0].label, "Exploiter");
}

TEST(Twins, ListedTronAddressGetsItsEvmTwin) {
  TempDir tmp;
  tmp.write("t.txt", std::string(kTron2) + "\n");
  auto snap = load_ok(with_twins({text_file("t", "t.txt")}, true, false), tmp.dir());
  const Entry* twin = snap->find(kEvm2);
  ASSERT_NE(twin, nullptr);
  EXPECT_EQ(twin->chain, Chain::evm);
  EXPECT_EQ(twin->provenance.front().notes, std::string("derived from ") + std::string(kTron2) + " (same key)");
  EXPECT_EQ(twin->provenance.front().line, 1u);
}

TEST(Twins, AnExplicitEntryIsNotOverridden) {
  TempDir tmp;
  tmp.write("both.csv", kHeader + row(kEvm, "evm", "EVM side", "a") + row(kTron, "tron", "TRON side", "b"));
  auto snap = load_ok(with_twins({list_file("both", "both.csv")}, true, false), tmp.dir());
  EXPECT_EQ(snap->size(), 2u);
  ASSERT_EQ(snap->find(kEvm)->provenance.size(), 1u);
  EXPECT_EQ(snap->find(kEvm)->provenance.front().label, "EVM side");
  EXPECT_EQ(snap->find(kEvm)->provenance.front().notes, "a");
  ASSERT_EQ(snap->find(kTron)->provenance.size(), 1u);
  EXPECT_EQ(snap->find(kTron)->provenance.front().label, "TRON side");
  EXPECT_EQ(snap->find(kTron)->provenance.front().notes, "b");
}

TEST(Twins, ExplicitEntryInALaterFileIsNotOverriddenEither) {
  TempDir tmp;
  tmp.write("a.csv", kHeader + row(kEvm, "evm", "From A"));
  tmp.write("b.csv", kHeader + row(kTron, "tron", "From B"));
  auto snap = load_ok(with_twins({list_file("a", "a.csv"), list_file("b", "b.csv")}, true, false), tmp.dir());
  EXPECT_EQ(snap->size(), 2u);
  EXPECT_EQ(snap->find(kTron)->provenance.size(), 1u);
  EXPECT_EQ(snap->find(kTron)->provenance.front().list, "b");
  EXPECT_FALSE(is_derived(snap->find(kTron)->provenance.front().notes));
}

TEST(Twins, EveryListingOfTheOriginalIsCopiedInOrder) {
  TempDir tmp;
  tmp.write("a.csv", kHeader + row(kEvm2, "evm", "one") + row(kEvm, "evm", "other") + row(kEvm2, "evm", "two"));
  tmp.write("b.txt", "# comment\n" + std::string(kEvm2) + "\n");
  auto snap = load_ok(with_twins({list_file("a", "a.csv"), text_file("b", "b.txt")}, true, false), tmp.dir());
  EXPECT_EQ(snap->size(), 4u);
  const Entry* twin = snap->find(kTron2);
  ASSERT_NE(twin, nullptr);
  ASSERT_EQ(twin->provenance.size(), 3u);
  EXPECT_EQ(twin->provenance[0].label, "one");
  EXPECT_EQ(twin->provenance[1].label, "two");
  EXPECT_EQ(twin->provenance[2].list, "b");
  EXPECT_EQ(twin->provenance[2].line, 2u);
  for (const Provenance& p : twin->provenance) EXPECT_TRUE(is_derived(p.notes)) << p.notes;
  ASSERT_EQ(snap->find(kTron)->provenance.size(), 1u);
  EXPECT_EQ(snap->find(kTron)->provenance.front().label, "other");
}

TEST(Twins, StacksBitcoinTwinsOnlyWhenEnabled) {
  TempDir tmp;
  tmp.write("s.csv", kHeader + row(kSp, "stacks", "sp") + row(kBtc3, "bitcoin", "p2sh") + row(kSt, "stacks", "st") +
                         row(kBtc2, "bitcoin", "testnet p2sh"));
  auto off = load_ok(with_twins({list_file("s", "s.csv")}, true, false), tmp.dir());
  EXPECT_EQ(off->size(), 4u);
  EXPECT_EQ(off->find(kBtc1), nullptr);

  auto on = load_ok(with_twins({list_file("s", "s.csv")}, false, true), tmp.dir());
  EXPECT_EQ(on->size(), 8u);
  for (auto [derived, chain, from] : {std::tuple{kBtc1, Chain::bitcoin, kSp}, std::tuple{kSm, Chain::stacks, kBtc3},
                                      std::tuple{kBtcM, Chain::bitcoin, kSt}, std::tuple{kSn, Chain::stacks, kBtc2}}) {
    const Entry* e = on->find(derived);
    ASSERT_NE(e, nullptr) << derived;
    EXPECT_EQ(e->chain, chain);
    EXPECT_EQ(e->provenance.front().notes, std::string("derived from ") + std::string(from) + " (same key)");
  }
  EXPECT_NE(off->version(), on->version());
}

TEST(Twins, DisabledTwinsAddNothing) {
  TempDir tmp;
  tmp.write("x.csv", kHeader + row(kEvm, "evm", "x") + row(kSp, "stacks", "y"));
  auto snap = load_ok(with_twins({list_file("x", "x.csv")}, false, false), tmp.dir());
  EXPECT_EQ(snap->size(), 2u);
  EXPECT_EQ(snap->find(kTron), nullptr);
}

TEST(Twins, ContractPrincipalsAndSegwitHaveNoTwin) {
  config::TwinsConfig all{true, true};
  auto contract = address::parse(Chain::stacks, std::string(kSp) + ".token");
  ASSERT_TRUE(contract) << contract.error;
  EXPECT_FALSE(twin_of(*contract, all));
  auto segwit = address::parse(Chain::bitcoin, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq");
  ASSERT_TRUE(segwit) << segwit.error;
  EXPECT_FALSE(twin_of(*segwit, all));
  address::Address scratch;
  auto t = twin_of(Chain::evm, kEvm, all, scratch);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->canonical, kTron);
  EXPECT_EQ(t->kind, address::Kind::tron);
  EXPECT_EQ(t->payload.size(), 20u);
  EXPECT_FALSE(twin_of(Chain::evm, "0xnot", all, scratch));
}

TEST(Twins, TheVersionIsStableAndCountsTheDerivedEntries) {
  TempDir tmp;
  tmp.write("x.csv", kHeader + row(kEvm, "evm", "x"));
  auto a = load_ok(with_twins({list_file("x", "x.csv")}, true, false), tmp.dir());
  auto b = load_ok(with_twins({list_file("x", "x.csv")}, true, false), tmp.dir());
  auto none = load_ok(with_twins({list_file("x", "x.csv")}, false, false), tmp.dir());
  EXPECT_EQ(a->version(), b->version());
  EXPECT_NE(a->version(), none->version());
}

TEST(Twins, BuilderAddsNoTwinsUnlessAsked) {
  Builder b;
  auto evm = address::parse(Chain::evm, kEvm);
  ASSERT_TRUE(evm);
  b.add(*evm, Provenance{.file = "api", .list = "api", .label = "x"});
  EXPECT_EQ(b.build()->size(), 1u);
  b.set_twins(config::TwinsConfig{true, false});
  b.add(*evm, Provenance{.file = "api", .list = "api", .label = "x"});
  auto snap = b.build();
  EXPECT_EQ(snap->size(), 2u);
  EXPECT_EQ(snap->find(kTron)->provenance.front().file, "api");
}

TEST(Twins, EvmTronTwinsAreFoundButNotStored) {
  TempDir tmp;
  tmp.write("x.csv", kHeader + row(kEvm, "evm", "x") + row(kTron2, "tron", "y"));
  auto snap = load_ok(with_twins({list_file("x", "x.csv")}, true, false), tmp.dir());
  EXPECT_EQ(snap->size(), 4u);
  EXPECT_EQ(snap->entries().size(), 2u);  // the listed ones
  const Entry* tron = snap->find(kTron);
  ASSERT_NE(tron, nullptr);
  EXPECT_EQ(tron->address, kTron);
  EXPECT_EQ(snap->find(kTron), tron);  // made once
  const Entry* evm = snap->find(kEvm2);
  ASSERT_NE(evm, nullptr);
  EXPECT_EQ(evm->chain, Chain::evm);
  EXPECT_EQ(evm->provenance.front().label, "y");
  EXPECT_EQ(snap->addresses(Chain::evm), (std::vector<std::string>{std::string(kEvm), std::string(kEvm2)}));
  EXPECT_EQ(snap->addresses(Chain::tron), (std::vector<std::string>{std::string(kTron2), std::string(kTron)}));
  EXPECT_TRUE(snap->addresses(Chain::bitcoin).empty());
}

TEST(Twins, ALazyTwinIsOnlyFoundUnderItsCanonicalSpelling) {
  TempDir tmp;
  tmp.write("x.csv", kHeader + row(kEvm, "evm", "x"));
  auto snap = load_ok(with_twins({list_file("x", "x.csv")}, true, false), tmp.dir());
  // The same 20 bytes with another checksum (the last base58 digit only
  // touches the checksum bytes), and the upper-case hex of the original.
  std::string bad(kTron);
  bad.back() = bad.back() == 'R' ? 'S' : 'R';
  std::uint8_t good_bytes[25], bad_bytes[25];
  ASSERT_TRUE(address::tron_bytes(kTron, good_bytes));
  ASSERT_TRUE(address::tron_bytes(bad, bad_bytes));
  ASSERT_EQ(std::memcmp(good_bytes, bad_bytes, 21), 0);
  EXPECT_EQ(snap->find(bad), nullptr);
  EXPECT_EQ(snap->find("0x01311788A9736DCC38CF6D53342C076C38E95EF2"), nullptr);
  EXPECT_EQ(snap->find("T"), nullptr);
  EXPECT_NE(snap->find(kTron), nullptr);
  EXPECT_EQ(snap->find(kEvm2), nullptr);  // nobody listed it
}

TEST(Twins, ConcurrentFindsOfATwinShareOneEntry) {
  TempDir tmp;
  tmp.write("x.csv", kHeader + row(kEvm, "evm", "x") + row(kTron2, "tron", "y"));
  auto snap = load_ok(with_twins({list_file("x", "x.csv")}, true, false), tmp.dir());
  std::vector<const Entry*> seen(8);
  std::vector<std::thread> ts;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Entry* e = snap->find(t % 2 ? kTron : kEvm2);
        if (i == 0) seen[t] = e;
        if (e != seen[t]) seen[t] = nullptr;
        if (e) (void)e->provenance.front().notes;  // derived notes made under the same lock
      }
    });
  }
  for (auto& t : ts) t.join();
  for (std::size_t t = 0; t < seen.size(); ++t) {
    ASSERT_NE(seen[t], nullptr) << t;
    EXPECT_EQ(seen[t], seen[t % 2]) << t;
  }
  EXPECT_EQ(seen[1]->address, kTron);
  EXPECT_EQ(seen[0]->address, kEvm2);
}

TEST(Twins, AddedSinceListsTheTwinsOfNewEntries) {
  TempDir tmp;
  tmp.write("old.csv", kHeader + row(kEvm, "evm", "x"));
  tmp.write("new.csv", kHeader + row(kEvm, "evm", "x") + row(kEvm2, "evm", "y") + row(kSp, "stacks", "z"));
  tmp.write("both.csv", kHeader + row(kEvm, "evm", "x") + row(kEvm2, "evm", "y") + row(kTron2, "tron", "y"));
  auto old_snap = load_ok(with_twins({list_file("l", "old.csv")}, true, false), tmp.dir());
  auto new_snap = load_ok(with_twins({list_file("l", "new.csv")}, true, false), tmp.dir());
  auto both = load_ok(with_twins({list_file("l", "both.csv")}, true, false), tmp.dir());
  using V = std::vector<std::string>;
  EXPECT_EQ(new_snap->added_since(old_snap.get()), (V{std::string(kEvm2), std::string(kTron2), std::string(kSp)}));
  // A listed twin is listed once.
  EXPECT_EQ(both->added_since(old_snap.get()), (V{std::string(kEvm2), std::string(kTron2)}));
  EXPECT_TRUE(old_snap->added_since(new_snap.get()).empty());
  EXPECT_EQ(old_snap->added_since(nullptr), (V{std::string(kEvm), std::string(kTron)}));
  // An address that was a twin and is now listed is not new, nor is its twin.
  tmp.write("tron.csv", kHeader + row(kTron, "tron", "t"));
  auto tron = load_ok(with_twins({list_file("l", "tron.csv")}, true, false), tmp.dir());
  EXPECT_TRUE(tron->added_since(old_snap.get()).empty());
  // Turning the twins on makes the twins of known entries new.
  auto off = load_ok(with_twins({list_file("l", "old.csv")}, false, false), tmp.dir());
  EXPECT_EQ(old_snap->added_since(off.get()), (V{std::string(kTron)}));
  EXPECT_TRUE(off->added_since(old_snap.get()).empty());
}

TEST(Twins, SizeCountsEveryLazyTwinOnceAndEachIsFound) {
  // 50 EVM-only, 50 TRON-only and 30 accounts listed under both spellings,
  // in an order that interleaves them (more than the loader's prefetch ring).
  std::vector<std::string> evm_only, tron_only, pair_evm, pair_tron;
  std::string csv = kHeader;
  for (int i = 0; i < 130; ++i) {
    std::uint8_t b[20];
    for (int k = 0; k < 20; ++k) b[k] = static_cast<std::uint8_t>(i * 31 + k * 7 + 1);
    const std::string evm = address::evm_address(b), tron = address::tron_address(b);
    if (i % 13 < 5) {
      evm_only.push_back(evm);
      csv += row(evm, "evm", "e");
    } else if (i % 13 < 10) {
      tron_only.push_back(tron);
      csv += row(tron, "tron", "t");
    } else {
      pair_evm.push_back(evm);
      pair_tron.push_back(tron);
      csv += row(tron, "tron", "pt") + row(evm, "evm", "pe");
    }
  }
  ASSERT_EQ(evm_only.size(), 50u);
  ASSERT_EQ(tron_only.size(), 50u);
  ASSERT_EQ(pair_evm.size(), 30u);
  TempDir tmp;
  tmp.write("x.csv", csv);
  for (unsigned threads : {1u, 2u, 3u}) {
    auto out = load(with_twins({list_file("x", "x.csv")}, true, false), tmp.dir(), threads);
    ASSERT_TRUE(out.snapshot) << out.error;
    const auto& snap = out.snapshot;
    EXPECT_EQ(snap->entries().size(), 160u);
    EXPECT_EQ(snap->size(), 260u) << threads;
    EXPECT_EQ(snap->addresses(Chain::tron).size(), 130u);
    EXPECT_EQ(snap->addresses(Chain::evm).size(), 130u);
    for (std::size_t i = 0; i < 50; ++i) {
      std::uint8_t b[20];
      ASSERT_TRUE(hex_decode_into(std::string_view(evm_only[i]).substr(2), b, 20));
      const Entry* twin = snap->find(address::tron_address(b));
      ASSERT_NE(twin, nullptr) << evm_only[i];
      EXPECT_TRUE(is_derived(twin->provenance.front().notes));
      std::uint8_t t[25];
      ASSERT_TRUE(address::tron_bytes(tron_only[i], t));
      const Entry* evm_twin = snap->find(address::evm_address(t + 1));
      ASSERT_NE(evm_twin, nullptr) << tron_only[i];
      EXPECT_EQ(evm_twin->provenance.front().label, "t");
    }
    for (std::size_t i = 0; i < 30; ++i) {
      EXPECT_EQ(snap->find(pair_evm[i])->provenance.front().label, "pe");
      EXPECT_EQ(snap->find(pair_tron[i])->provenance.front().label, "pt");
    }
  }
}

}  // namespace
}  // namespace fw::watchlist
