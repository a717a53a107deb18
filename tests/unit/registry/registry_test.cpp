#include "registry/registry.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "registry/json.hpp"
#include "test_util.hpp"

namespace fw::registry {
namespace {

using test::api_entry;
using test::derived_entry;
using test::evm;
using Kind = LiveEntry::Kind;

class RegistryTest : public ::testing::Test {
 protected:
  std::unique_ptr<Registry> open() {
    std::string error;
    auto r = Registry::open(dir_.file("watchlist.db"), false, holder_, error);
    EXPECT_TRUE(r) << error;
    return r;
  }
  test::TempDir dir_;
  watchlist::OverlayHolder holder_;
};

TEST_F(RegistryTest, AddPublishesTheOverlayBeforeReturning) {
  auto reg = open();
  ASSERT_TRUE(reg);
  EXPECT_TRUE(holder_.current()->empty());
  const auto r = reg->add({api_entry(evm(1), "inc-1", "exploiter")}, "alice", "127.0.0.1:5000", 1000);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.added, 1u);
  EXPECT_EQ(r.updated, 0u);
  const auto found = holder_.current()->find(evm(1));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].label, "exploiter");
  EXPECT_EQ(found[0].added_by, "alice");
  EXPECT_EQ(found[0].added_at_ms, 1000);
  EXPECT_EQ(found[0].kind, Kind::api);
  EXPECT_EQ(reg->overlay(), holder_.current());
}

TEST_F(RegistryTest, ReopeningTheFileKeepsEveryEntryAndField) {
  LiveEntry full = api_entry(evm(1), "inc-1", "label \"quoted\"");
  full.notes = "notes\nwith a line break";
  full.severity = "critical";
  full.follow = true;
  full.expires_at_ms = 9'000'000;
  LiveEntry d = derived_entry(evm(2), 2);
  {
    auto reg = open();
    ASSERT_TRUE(reg->add({full, api_entry(evm(1), "inc-2")}, "alice", "", 1000).ok);
    ASSERT_TRUE(reg->add_derived({d}, 2000).ok);
    ASSERT_TRUE(reg->approve(evm(2), "bob", "", 3000).ok);
  }
  watchlist::OverlayHolder fresh;
  std::string error;
  auto reg = Registry::open(dir_.file("watchlist.db"), true, fresh, error);
  ASSERT_TRUE(reg) << error;
  ASSERT_EQ(fresh.current()->size(), 3u);
  const auto one = fresh.current()->find(evm(1));
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].label, full.label);
  EXPECT_EQ(one[0].notes, full.notes);
  EXPECT_EQ(one[0].severity, "critical");
  EXPECT_TRUE(one[0].follow);
  EXPECT_EQ(one[0].expires_at_ms, 9'000'000);
  EXPECT_EQ(one[0].added_by, "alice");
  EXPECT_EQ(one[1].incident, "inc-2");
  EXPECT_FALSE(one[1].expires_at_ms);
  const auto two = fresh.current()->find(evm(2));
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].kind, Kind::derived);
  EXPECT_EQ(two[0].hops, 2u);
  EXPECT_EQ(two[0].seed, evm(1));
  EXPECT_EQ(two[0].path, d.path);
  EXPECT_TRUE(two[0].approved);
  EXPECT_EQ(two[0].approved_by, "bob");
  EXPECT_EQ(two[0].added_by, kFollowTheMoney);
  // The audit log survives too.
  EXPECT_EQ(reg->audit_log(0, 100).records.size(), 4u);
}

TEST_F(RegistryTest, AddingAnExistingKeyUpdatesItAndKeepsTheFirstListing) {
  auto reg = open();
  ASSERT_TRUE(reg->add({api_entry(evm(1), "inc-1", "first")}, "alice", "", 1000).ok);
  const auto r = reg->add({api_entry(evm(1), "inc-1", "second"), api_entry(evm(2))}, "bob", "", 2000);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.added, 1u);
  EXPECT_EQ(r.updated, 1u);
  ASSERT_EQ(r.new_addresses, std::vector<std::string>{evm(2)});
  const auto e = reg->get(evm(1));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].label, "second");
  EXPECT_EQ(e[0].added_by, "alice");
  EXPECT_EQ(e[0].added_at_ms, 1000);
  const auto audit = reg->audit_log(0, 10).records;
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[1].action, "update");
  EXPECT_EQ(audit[1].who, "bob");
  EXPECT_EQ(audit[2].action, "add");
}

TEST_F(RegistryTest, AnEmptyBatchChangesNothing) {
  auto reg = open();
  const auto before = holder_.current();
  const auto r = reg->add({}, "x", "", 1);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.added, 0u);
  EXPECT_EQ(holder_.current(), before);
  EXPECT_EQ(reg->stats().transactions, 0u);
}

TEST_F(RegistryTest, DuplicateKeysInOneBatchLastWins) {
  auto reg = open();
  const auto r = reg->add({api_entry(evm(1), "i", "a"), api_entry(evm(1), "i", "b")}, "alice", "", 1);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.added, 1u);
  EXPECT_EQ(r.updated, 0u);
  ASSERT_EQ(reg->get(evm(1)).size(), 1u);
  EXPECT_EQ(reg->get(evm(1))[0].label, "b");
}

TEST_F(RegistryTest, AuditRowsRecordWhoWhatWhenAndPeer) {
  auto reg = open();
  LiveEntry e = api_entry(evm(7), "alex-lab-2024", "exploiter");
  ASSERT_TRUE(reg->add({e}, "alice", "10.0.0.1:4444", 1234).ok);
  ASSERT_TRUE(reg->remove(evm(7), std::nullopt, "bob", "10.0.0.2:5555", 2345).ok);
  const auto a = reg->audit_log(0, 10);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_EQ(a.records.size(), 2u);
  EXPECT_EQ(a.records[0].action, "add");
  EXPECT_EQ(a.records[0].who, "alice");
  EXPECT_EQ(a.records[0].peer, "10.0.0.1:4444");
  EXPECT_EQ(a.records[0].at_ms, 1234);
  EXPECT_EQ(a.records[0].address, evm(7));
  EXPECT_EQ(a.records[0].chain, "evm");
  EXPECT_EQ(a.records[0].incident, "alex-lab-2024");
  EXPECT_NE(a.records[0].detail.find("\"label\":\"exploiter\""), std::string::npos) << a.records[0].detail;
  EXPECT_FALSE(find_json_syntax_error(a.records[0].detail));
  EXPECT_EQ(a.records[1].action, "remove");
  EXPECT_EQ(a.records[1].who, "bob");
  EXPECT_GT(a.records[1].seq, a.records[0].seq);
  // since / limit
  EXPECT_EQ(reg->audit_log(a.records[0].seq, 10).records.size(), 1u);
  EXPECT_EQ(reg->audit_log(0, 1).records.size(), 1u);
}

TEST_F(RegistryTest, RemoveDeletesApiEntriesOfOneIncidentOrAll) {
  auto reg = open();
  ASSERT_TRUE(reg->add({api_entry(evm(1), "a"), api_entry(evm(1), "b"), api_entry(evm(1), "c")}, "x", "", 1).ok);
  ASSERT_TRUE(reg->add_derived({derived_entry(evm(1), 1)}, 1).ok);
  auto r = reg->remove(evm(1), std::string("b"), "x", "", 2);
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(holder_.current()->find(evm(1)).size(), 3u);
  r = reg->remove(evm(1), std::nullopt, "x", "", 3);
  EXPECT_EQ(r.count, 2u);
  const auto left = holder_.current()->find(evm(1));
  ASSERT_EQ(left.size(), 1u);  // remove never touches derived entries
  EXPECT_EQ(left[0].kind, Kind::derived);
  EXPECT_EQ(reg->remove(evm(9), std::nullopt, "x", "", 4).count, 0u);
}

TEST_F(RegistryTest, ManySmallChangesPublishTheSameOverlayAsARestart) {
  // More changes than an overlay delta holds (Overlay::max_delta), one at a
  // time as follow-the-money makes them: the published overlay must equal
  // the one a restart builds from the file.
  auto reg = open();
  for (int i = 1; i <= 700; ++i) {
    ASSERT_TRUE(reg->add({api_entry(evm(i), i % 2 ? "a" : "b")}, "x", "", i).ok);
    if (i % 3 == 0) ASSERT_TRUE(reg->add_derived({derived_entry(evm(i), 1)}, i).ok);
  }
  for (int i = 1; i <= 700; i += 7) ASSERT_EQ(reg->remove(evm(i), std::nullopt, "x", "", 1000).count, 1u);
  auto collect = [](const watchlist::Overlay& o) {
    std::vector<std::string> out;
    o.for_each([&](const LiveEntry& e) { out.push_back(e.address + "/" + e.incident + "/" + std::string(to_string(e.kind))); });
    return out;
  };
  const auto live = collect(*holder_.current());
  EXPECT_EQ(live.size(), 700u - 100u + 233u);
  EXPECT_EQ(holder_.current()->size(), live.size());
  EXPECT_EQ(holder_.current()->find(evm(3)).size(), 2u);
  EXPECT_EQ(holder_.current()->find(evm(8)).size(), 0u);
  EXPECT_EQ(holder_.current()->find(evm(15)).size(), 1u);  // removed: the API entry; kept: the derived one
  reg.reset();
  watchlist::OverlayHolder fresh;
  std::string error;
  auto again = Registry::open(dir_.file("watchlist.db"), false, fresh, error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(collect(*fresh.current()), live);
}

TEST_F(RegistryTest, RemovedEntriesStayRemovedAfterRestart) {
  {
    auto reg = open();
    ASSERT_TRUE(reg->add({api_entry(evm(1)), api_entry(evm(2))}, "x", "", 1).ok);
    ASSERT_EQ(reg->remove(evm(1), std::nullopt, "x", "", 2).count, 1u);
  }
  auto reg = open();
  EXPECT_TRUE(reg->get(evm(1)).empty());
  EXPECT_EQ(reg->get(evm(2)).size(), 1u);
}

TEST_F(RegistryTest, ExpireDeletesDueEntriesWithAnAuditRow) {
  auto reg = open();
  LiveEntry soon = api_entry(evm(1));
  soon.expires_at_ms = 5000;
  LiveEntry later = api_entry(evm(2));
  later.expires_at_ms = 9000;
  ASSERT_TRUE(reg->add({soon, later, api_entry(evm(3))}, "alice", "", 1000).ok);
  auto r = reg->expire(4999);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.removed.empty());
  r = reg->expire(5000);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.removed.size(), 1u);
  EXPECT_EQ(r.removed[0].address, evm(1));
  EXPECT_TRUE(holder_.current()->find(evm(1)).empty());
  EXPECT_EQ(holder_.current()->size(), 2u);
  const auto audit = reg->audit_log(0, 100).records;
  ASSERT_EQ(audit.back().action, "expire");
  EXPECT_EQ(audit.back().address, evm(1));
  EXPECT_EQ(audit.back().who, "expiry");
  EXPECT_EQ(audit.back().at_ms, 5000);
  reg.reset();
  reg = open();
  EXPECT_TRUE(reg->get(evm(1)).empty());
}

TEST_F(RegistryTest, ReAddingAnExpiredAddressCountsAsNew) {
  auto reg = open();
  LiveEntry e = api_entry(evm(1));
  e.expires_at_ms = 2000;
  ASSERT_TRUE(reg->add({e}, "x", "", 1000).ok);
  const auto r = reg->add({api_entry(evm(1))}, "x", "", 3000);
  EXPECT_EQ(r.updated, 1u);
  EXPECT_EQ(r.new_addresses, std::vector<std::string>{evm(1)});
  EXPECT_FALSE(reg->get(evm(1))[0].expires_at_ms);  // the update cleared the expiry
}

TEST_F(RegistryTest, NewAddressesExcludeAddressesAlreadyLiveUnderAnotherIncidentOrKind) {
  auto reg = open();
  ASSERT_TRUE(reg->add_derived({derived_entry(evm(5), 1)}, 1).ok);
  ASSERT_TRUE(reg->add({api_entry(evm(1), "a")}, "x", "", 1).ok);
  const auto r = reg->add({api_entry(evm(1), "b"), api_entry(evm(5)), api_entry(evm(6)), api_entry(evm(6), "z")},
                          "x", "", 2);
  EXPECT_EQ(r.added, 4u);
  EXPECT_EQ(r.new_addresses, std::vector<std::string>{evm(6)});
}

TEST_F(RegistryTest, OnAddedHookGetsNewAddressesAfterPublishing) {
  auto reg = open();
  std::vector<std::string> got;
  Kind kind = Kind::api;
  bool visible = false;
  reg->set_on_added([&](const std::vector<std::string>& addrs, Kind k) {
    got = addrs;
    kind = k;
    visible = !holder_.current()->find(addrs.front()).empty();
  });
  ASSERT_TRUE(reg->add({api_entry(evm(1)), api_entry(evm(2))}, "x", "", 1).ok);
  EXPECT_EQ(got, (std::vector<std::string>{evm(1), evm(2)}));
  EXPECT_TRUE(visible);
  got.clear();
  ASSERT_TRUE(reg->add({api_entry(evm(1))}, "x", "", 2).ok);  // update only: no new address
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(reg->add_derived({derived_entry(evm(3), 1)}, 3).ok);
  EXPECT_EQ(got, std::vector<std::string>{evm(3)});
  EXPECT_EQ(kind, Kind::derived);
}

TEST_F(RegistryTest, AddDerivedKeepsTheLowerHops) {
  auto reg = open();
  auto r = reg->add_derived({derived_entry(evm(3), 2)}, 100);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.added, 1u);
  r = reg->add_derived({derived_entry(evm(3), 2, evm(9))}, 200);  // same hops: ignored
  EXPECT_EQ(r.ignored, 1u);
  EXPECT_EQ(reg->get(evm(3))[0].seed, evm(1));
  r = reg->add_derived({derived_entry(evm(3), 1, evm(9))}, 300);  // fewer hops: replaces
  EXPECT_EQ(r.updated, 1u);
  EXPECT_TRUE(r.new_addresses.empty());
  const auto e = reg->get(evm(3));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].hops, 1u);
  EXPECT_EQ(e[0].seed, evm(9));
  EXPECT_EQ(e[0].path.size(), 1u);
  EXPECT_EQ(e[0].added_by, kFollowTheMoney);
  EXPECT_EQ(e[0].source, kFollowTheMoney);
  const auto audit = reg->audit_log(0, 10).records;
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].action, "derive");
  EXPECT_EQ(audit[0].who, kFollowTheMoney);
  EXPECT_EQ(audit[1].action, "rederive");
}

TEST_F(RegistryTest, AddDerivedInOneBatchKeepsTheLowestHops) {
  auto reg = open();
  const auto r = reg->add_derived({derived_entry(evm(3), 2), derived_entry(evm(3), 1), derived_entry(evm(3), 2)}, 1);
  EXPECT_EQ(r.added, 1u);
  EXPECT_EQ(reg->get(evm(3))[0].hops, 1u);
  EXPECT_EQ(reg->audit_log(0, 10).records.size(), 1u);
}

TEST_F(RegistryTest, ApproveFlipsSuspectedAndSurvivesAShorterRederivation) {
  auto reg = open();
  LiveEntry d = derived_entry(evm(3), 2);
  d.expires_at_ms = 1'000'000;
  ASSERT_TRUE(reg->add_derived({d}, 1).ok);
  EXPECT_TRUE(holder_.current()->find(evm(3))[0].suspected());
  auto r = reg->approve(evm(3), "alice", "1.2.3.4:1", 2);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.count, 1u);
  const auto e = holder_.current()->find(evm(3));
  EXPECT_TRUE(e[0].approved);
  EXPECT_EQ(e[0].approved_by, "alice");
  EXPECT_FALSE(e[0].suspected());
  EXPECT_FALSE(e[0].expires_at_ms);  // approved entries do not expire
  EXPECT_EQ(reg->approve(evm(3), "alice", "", 3).count, 1u);  // idempotent
  EXPECT_EQ(reg->audit_log(0, 10).records.size(), 2u);          // derive + one approve
  LiveEntry shorter = derived_entry(evm(3), 1);
  shorter.expires_at_ms = 2'000'000;
  ASSERT_TRUE(reg->add_derived({shorter}, 4).ok);
  EXPECT_TRUE(reg->get(evm(3))[0].approved);
  EXPECT_EQ(reg->get(evm(3))[0].hops, 1u);
  EXPECT_FALSE(reg->get(evm(3))[0].expires_at_ms);
  EXPECT_EQ(reg->approve(evm(4), "alice", "", 5).count, 0u);
  ASSERT_TRUE(reg->add({api_entry(evm(6))}, "x", "", 6).ok);
  EXPECT_EQ(reg->approve(evm(6), "alice", "", 7).count, 0u);  // api entries are not derived
}

TEST_F(RegistryTest, DismissRemovesDerivedEntriesAndBlocksReDerivationAcrossRestarts) {
  {
    auto reg = open();
    ASSERT_TRUE(reg->add_derived({derived_entry(evm(3), 1, evm(1), "a"), derived_entry(evm(3), 2, evm(1), "b")}, 1).ok);
    ASSERT_TRUE(reg->add({api_entry(evm(3))}, "x", "", 1).ok);
    const auto r = reg->dismiss(evm(3), "alice", "", 2);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.count, 2u);
    const auto left = holder_.current()->find(evm(3));
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].kind, Kind::api);
    const auto again = reg->add_derived({derived_entry(evm(3), 1)}, 3);
    EXPECT_EQ(again.ignored, 1u);
    EXPECT_EQ(reg->get(evm(3)).size(), 1u);
    EXPECT_EQ(reg->audit_log(0, 10).records.back().action, "dismiss");
  }
  auto reg = open();
  EXPECT_EQ(reg->add_derived({derived_entry(evm(3), 1)}, 4).ignored, 1u);
  EXPECT_EQ(reg->dismiss(evm(4), "alice", "", 5).count, 0u);
}

TEST_F(RegistryTest, AnExpiredDerivedEntryIsReplacedByANewDerivation) {
  auto reg = open();
  LiveEntry d = derived_entry(evm(3), 1);
  d.expires_at_ms = 10;
  ASSERT_TRUE(reg->add_derived({d}, 1).ok);
  const auto r = reg->add_derived({derived_entry(evm(3), 2)}, 20);
  EXPECT_EQ(r.updated, 1u);
  EXPECT_EQ(r.new_addresses, std::vector<std::string>{evm(3)});
  EXPECT_EQ(reg->get(evm(3))[0].hops, 2u);
}

TEST_F(RegistryTest, ListPagesByAddressWithFilters) {
  auto reg = open();
  std::vector<LiveEntry> batch;
  for (unsigned i = 1; i <= 25; ++i) batch.push_back(api_entry(evm(i), i % 2 ? "odd" : "even"));
  batch.push_back(api_entry(evm(5), "extra"));
  ASSERT_TRUE(reg->add(batch, "x", "", 1).ok);
  ASSERT_TRUE(reg->add_derived({derived_entry(evm(30), 1)}, 1).ok);

  std::vector<std::string> seen;
  ListQuery q;
  q.limit = 4;
  for (int page = 0; page < 20; ++page) {
    const auto p = reg->list(q);
    for (const auto& e : p.entries) seen.push_back(e.address + "/" + e.incident);
    if (p.next.empty()) break;
    EXPECT_LE(p.entries.size(), 5u);
    q.after = p.next;
  }
  EXPECT_EQ(seen.size(), 27u);  // every entry exactly once, evm(5) with both incidents
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  ListQuery odd;
  odd.incident = "odd";
  odd.limit = 100;
  EXPECT_EQ(reg->list(odd).entries.size(), 13u);
  EXPECT_TRUE(reg->list(odd).next.empty());
  ListQuery derived;
  derived.kind = Kind::derived;
  const auto d = reg->list(derived);
  ASSERT_EQ(d.entries.size(), 1u);
  EXPECT_EQ(d.entries[0].address, evm(30));
}

TEST_F(RegistryTest, APageNeverSplitsTheEntriesOfOneAddress) {
  auto reg = open();
  ASSERT_TRUE(reg->add({api_entry(evm(1), "a"), api_entry(evm(1), "b"), api_entry(evm(1), "c"), api_entry(evm(2))},
                       "x", "", 1).ok);
  ListQuery q;
  q.limit = 2;
  auto p = reg->list(q);
  EXPECT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.next, evm(1));
  q.after = p.next;
  p = reg->list(q);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].address, evm(2));
  EXPECT_TRUE(p.next.empty());
}

TEST_F(RegistryTest, StatsCountEntriesAndTransactions) {
  auto reg = open();
  ASSERT_TRUE(reg->add({api_entry(evm(1)), api_entry(evm(2))}, "x", "", 1).ok);
  ASSERT_TRUE(reg->add_derived({derived_entry(evm(3), 1), derived_entry(evm(4), 1)}, 1).ok);
  ASSERT_TRUE(reg->approve(evm(3), "x", "", 2).ok);
  const auto s = reg->stats();
  EXPECT_EQ(s.api_entries, 2u);
  EXPECT_EQ(s.derived_entries, 2u);
  EXPECT_EQ(s.derived_approved, 1u);
  EXPECT_EQ(s.transactions, 3u);
  EXPECT_EQ(s.failed_transactions, 0u);
  EXPECT_GE(s.publishes, 4u);  // open + 3 changes
}

TEST_F(RegistryTest, ABatchIsOneTransactionAllOrNothing) {
  auto reg = open();
  ASSERT_TRUE(reg->add({api_entry(evm(1))}, "x", "", 1).ok);
  // A trigger that fails on one row of the batch makes SQLite reject it
  // mid-batch: nothing of the batch may be stored, audited or published.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("watchlist.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TRIGGER boom BEFORE INSERT ON entries WHEN NEW.label = 'poison' "
                           "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const auto before = holder_.current();
  const auto r = reg->add({api_entry(evm(2)), api_entry(evm(3), "inc-1", "poison"), api_entry(evm(4))}, "x", "", 2);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("poisoned row"), std::string::npos) << r.error;
  EXPECT_EQ(r.added, 0u);
  EXPECT_EQ(holder_.current(), before);  // nothing published
  EXPECT_TRUE(reg->get(evm(2)).empty());
  EXPECT_EQ(reg->audit_log(0, 100).records.size(), 1u);
  EXPECT_EQ(reg->stats().failed_transactions, 1u);
  // The registry keeps working afterwards.
  ASSERT_TRUE(reg->add({api_entry(evm(5))}, "x", "", 3).ok);
  reg.reset();
  reg = open();
  EXPECT_TRUE(reg->get(evm(2)).empty());
  EXPECT_TRUE(reg->get(evm(4)).empty());
  EXPECT_EQ(reg->get(evm(5)).size(), 1u);
}

TEST_F(RegistryTest, SqliteErrorsAreValuesNotCrashes) {
  auto reg = open();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("watchlist.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE audit", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  const auto r = reg->add({api_entry(evm(1))}, "x", "", 1);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(holder_.current()->empty());
  EXPECT_FALSE(reg->audit_log(0, 10).ok);
}

TEST_F(RegistryTest, OpenRefusesANonRegistryFileAndANewerSchema) {
  std::string error;
  {
    std::ofstream(dir_.file("garbage.db")) << "this is not a database, just some text that is long enough to matter";
    EXPECT_FALSE(Registry::open(dir_.file("garbage.db"), false, holder_, error));
    EXPECT_FALSE(error.empty());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("other.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    EXPECT_FALSE(Registry::open(dir_.file("other.db"), false, holder_, error));
    EXPECT_NE(error.find("not a freezewatch"), std::string::npos) << error;
  }
  {
    { auto reg = open(); }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("watchlist.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    EXPECT_FALSE(Registry::open(dir_.file("watchlist.db"), false, holder_, error));
    EXPECT_NE(error.find("schema version 99"), std::string::npos) << error;
  }
}

TEST_F(RegistryTest, OpenCreatesMissingFoldersAndUsesWal) {
  std::string error;
  const auto path = (dir_.path() / "a" / "b" / "watchlist.db").string();
  auto reg = Registry::open(path, false, holder_, error);
  ASSERT_TRUE(reg) << error;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_F(RegistryTest, OpenWithAnEmptyPathFails) {
  std::string error;
  EXPECT_FALSE(Registry::open("", false, holder_, error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace fw::registry
