#include "watchlist/watchlist.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_files.hpp"

namespace fw::watchlist {
namespace {

using ::testing::HasSubstr;
using namespace test;

std::shared_ptr<const Snapshot> load_ok(const config::WatchlistsConfig& cfg, const std::string& base = "") {
  auto out = load(cfg, base);
  EXPECT_TRUE(out.snapshot) << out.error;
  return out.snapshot;
}

std::string csv_row(std::string_view a, std::string_view chain, std::string_view label) {
  return std::string(a) + "," + std::string(chain) + "," + std::string(label) + "\n";
}

TEST(WatchlistCsv, RowsLoadCanonicalWithProvenanceWhateverTheColumnOrder) {
  TempDir tmp;
  tmp.write("lists.csv",
            "# a comment before the header\n"
            "Severity,notes,ADDED_AT,unused,label,chain,address,incident,source\n"
            ",,2024-05-16,x,\"Exploiter, main \"\"hot\"\" wallet\",evm," + std::string(evm_x_eip55) + ",,\n"
            "critical,first seen on BSC,,y,Stacks exploiter,stacks," + std::string(stacks_sp) + ",alex-2,Own research\n"
            "\n"
            ",,,,Lazarus TRON,tron," + std::string(tron_t_hex) + ",,\n"
            ",,,,,bitcoin," + std::string(btc_bech32) + ",,\n");
  auto f = list_file("alex", "lists.csv");
  f.source = "Default source";
  f.incident = "alex-lab-2024";
  f.severity = "high";
  auto snap = load_ok(config_of({f}), tmp.dir());
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 4u);
  EXPECT_EQ(snap->issue_count(), 0u);

  const Entry* e = snap->find(evm_x);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->address, evm_x);
  EXPECT_EQ(e->chain, Chain::evm);
  ASSERT_EQ(e->provenance.size(), 1u);
  const Provenance p = e->provenance.front();
  EXPECT_EQ(p.file, "lists.csv");  // as configured
  EXPECT_EQ(p.line, 3u);
  EXPECT_EQ(p.list, "alex");
  EXPECT_EQ(p.label, "Exploiter, main \"hot\" wallet");
  EXPECT_EQ(p.incident, "alex-lab-2024");  // file default
  EXPECT_EQ(p.source, "Default source");
  EXPECT_EQ(p.severity, "high");
  EXPECT_EQ(p.added_at, "2024-05-16");
  EXPECT_EQ(p.notes, "");

  const Entry* s = snap->find(stacks_sp);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->chain, Chain::stacks);
  const Provenance ps = s->provenance[0];
  EXPECT_EQ(ps.line, 4u);
  EXPECT_EQ(ps.incident, "alex-2");  // row overrides the defaults
  EXPECT_EQ(ps.source, "Own research");
  EXPECT_EQ(ps.severity, "critical");
  EXPECT_EQ(ps.notes, "first seen on BSC");

  const Entry* t = snap->find(tron_t);  // "41"+hex stored as base58
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->chain, Chain::tron);
  EXPECT_EQ(t->provenance.front().line, 6u);
  ASSERT_NE(snap->find(btc_bech32), nullptr);

  ASSERT_EQ(snap->files().size(), 1u);
  EXPECT_EQ(snap->files()[0].name, "alex");
  EXPECT_EQ(snap->files()[0].path, tmp.path("lists.csv"));
  EXPECT_EQ(snap->files()[0].rows, 4u);
  EXPECT_TRUE(snap->files()[0].stamp.exists);
}

TEST(WatchlistCsv, RowsWithoutChainUseTheFileDefaultOrTheirSyntax) {
  TempDir tmp;
  tmp.write("mixed.csv", "address,label\n" + std::string(evm_y_eip55) + ",a\n" + std::string(tron_t) + ",b\n" +
                             std::string(btc_p2pkh) + ",c\n");
  auto snap = load_ok(config_of({list_file("mixed", tmp.path("mixed.csv"))}));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 3u);
  EXPECT_EQ(snap->find(evm_y)->chain, Chain::evm);
  EXPECT_EQ(snap->find(tron_t)->chain, Chain::tron);
  EXPECT_EQ(snap->find(btc_p2pkh)->chain, Chain::bitcoin);

  // A file-level chain applies to rows that name none: "0x"+hex read as TRON.
  tmp.write("tron.csv", "address\n0x" + std::string(tron_t_hex.substr(2)) + "\n");
  auto f = list_file("tron", tmp.path("tron.csv"));
  f.chain = Chain::tron;
  auto tsnap = load_ok(config_of({f}));
  ASSERT_TRUE(tsnap);
  ASSERT_NE(tsnap->find(tron_t), nullptr);
  EXPECT_EQ(tsnap->find(tron_t)->chain, Chain::tron);
}

TEST(WatchlistText, OneAddressPerLineWithCommentsBlankLinesAndCrLf) {
  TempDir tmp;
  tmp.write("plain.txt",
            "\xEF\xBB\xBF# list of bad actors\r\n"
            "\r\n" +
                std::string(evm_x_eip55) + "\r\n" +
                "   " + std::string(stacks_sp) + "   # trailing comment\n"
                "\t# indented comment\n" +
                std::string(btc_p2pkh));  // no final newline
  auto f = text_file("plain", tmp.path("plain.txt"));
  f.source = "Hand-made";
  f.severity = "medium";
  auto snap = load_ok(config_of({f}));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 3u);
  EXPECT_EQ(snap->issue_count(), 0u);
  const Entry* s = snap->find(stacks_sp);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->provenance.front().line, 4u);
  EXPECT_EQ(s->provenance.front().source, "Hand-made");
  EXPECT_EQ(s->provenance.front().severity, "medium");
  EXPECT_EQ(s->provenance.front().label, "");
  ASSERT_NE(snap->find(btc_p2pkh), nullptr);
  EXPECT_EQ(snap->find(btc_p2pkh)->provenance.front().line, 6u);
}

TEST(WatchlistIssues, BadLinesAreReportedWithFileLineReasonAndSkipped) {
  TempDir tmp;
  const std::string path = tmp.write(
      "bad.csv",
      "address,chain,label,severity\n" +                                          // 1
          csv_row(evm_x_eip55, "evm", "good,") +                                   // 2 (4 fields: trailing empty)
          std::string(evm_x_bad_checksum) + ",evm,bad checksum,\n" +               // 3
          std::string(evm_y_eip55) + ",solana,unknown chain,\n" +                  // 4
          std::string(evm_y_eip55) + ",evm,label, with comma,\n" +                 // 5
          std::string(evm_y_eip55) + ",evm,\"unterminated,\n" +                    // 6
          ",evm,empty address,\n" +                                                // 7
          std::string(evm_y_eip55) + ",evm,bad severity,urgent\n" +                // 8
          "hello-world,,garbage,\n" +                                              // 9
          std::string(tron_t) + ",evm,wrong chain,\n" +                            // 10
          std::string(evm_z_eip55) + ",EVM,upper-case chain name is fine,HIGH\n"); // 11
  auto snap = load_ok(config_of({list_file("bad", "bad.csv")}), tmp.dir());
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 2u);
  EXPECT_NE(snap->find(evm_x), nullptr);
  EXPECT_NE(snap->find(evm_z), nullptr);
  EXPECT_EQ(snap->find(evm_z)->provenance.front().severity, "high");
  EXPECT_EQ(snap->find(evm_y), nullptr);

  ASSERT_EQ(snap->issue_count(), 8u);
  ASSERT_EQ(snap->issues().size(), 8u);
  const auto& is = snap->issues();
  for (const auto& i : is) EXPECT_EQ(i.file, path);
  EXPECT_EQ(is[0].line, 3u);
  EXPECT_THAT(is[0].reason, HasSubstr("evm address"));
  EXPECT_THAT(is[0].reason, HasSubstr("checksum"));
  EXPECT_EQ(is[0].text, std::string(evm_x_bad_checksum) + ",evm,bad checksum,");
  EXPECT_EQ(is[1].line, 4u);
  EXPECT_THAT(is[1].reason, HasSubstr("unknown chain 'solana'"));
  EXPECT_EQ(is[2].line, 5u);
  EXPECT_THAT(is[2].reason, HasSubstr("5 fields where the header has 4"));
  EXPECT_EQ(is[3].line, 6u);
  EXPECT_THAT(is[3].reason, HasSubstr("unterminated quoted field"));
  EXPECT_EQ(is[4].line, 7u);
  EXPECT_THAT(is[4].reason, HasSubstr("empty address"));
  EXPECT_EQ(is[5].line, 8u);
  EXPECT_THAT(is[5].reason, HasSubstr("unknown severity 'urgent'"));
  EXPECT_EQ(is[6].line, 9u);
  EXPECT_THAT(is[6].reason, HasSubstr("unrecognised address syntax"));
  EXPECT_EQ(is[7].line, 10u);
  EXPECT_THAT(is[7].reason, HasSubstr("evm address"));

  EXPECT_EQ(format_issue(is[1]), path + ":4: unknown chain 'solana' (expected stacks, evm, tron or bitcoin): '" +
                                     std::string(evm_y_eip55) + ",solana,unknown chain,'");
  ASSERT_EQ(snap->files().size(), 1u);
  EXPECT_EQ(snap->files()[0].rows, 2u);
  EXPECT_EQ(snap->files()[0].issues, 8u);
}

TEST(WatchlistIssues, TextLinesWithSeveralTokensAreRejected) {
  TempDir tmp;
  tmp.write("t.txt", std::string(evm_x) + " " + std::string(evm_y) + "\n" + std::string(evm_z) + "\n");
  auto snap = load_ok(config_of({text_file("t", tmp.path("t.txt"))}));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 1u);
  ASSERT_EQ(snap->issues().size(), 1u);
  EXPECT_EQ(snap->issues()[0].line, 1u);
  EXPECT_THAT(snap->issues()[0].reason, HasSubstr("one address per line"));
}

TEST(WatchlistIssues, StoredIssuesAreCappedPerFileButAllAreCounted) {
  TempDir tmp;
  std::string body = "address\n";
  for (int i = 0; i < 1100; ++i) body += "not-an-address-" + std::to_string(i) + "\n";
  body += std::string(evm_x) + "\n";
  tmp.write("many.csv", body);
  auto snap = load_ok(config_of({list_file("many", tmp.path("many.csv"))}));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 1u);
  EXPECT_EQ(snap->issue_count(), 1100u);
  EXPECT_EQ(snap->issues().size(), Builder::max_stored_issues_per_file);
}

TEST(WatchlistIssues, LongLinesAreReportedNotLoaded) {
  TempDir tmp;
  tmp.write("long.txt", std::string(100000, 'a') + "\n" + std::string(evm_x) + "\n");
  auto snap = load_ok(config_of({text_file("long", tmp.path("long.txt"))}));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 1u);
  ASSERT_EQ(snap->issues().size(), 1u);
  EXPECT_EQ(snap->issues()[0].line, 1u);
  EXPECT_THAT(snap->issues()[0].reason, HasSubstr("line longer than"));
  EXPECT_LE(snap->issues()[0].text.size(), 130u);
  EXPECT_EQ(snap->find(evm_x)->provenance.front().line, 2u);
}

TEST(WatchlistStrict, AStrictFileWithABadLineFailsTheWholeLoad) {
  TempDir tmp;
  tmp.write("ok.csv", "address\n" + std::string(evm_z) + "\n");
  tmp.write("strict.csv", "address\n" + std::string(evm_x) + "\n" + std::string(evm_x_bad_checksum) + "\nnope\n");
  auto strict = list_file("strict", "strict.csv");
  strict.strict = true;
  auto out = load(config_of({list_file("ok", "ok.csv"), strict}), tmp.dir());
  EXPECT_FALSE(out.snapshot);
  EXPECT_THAT(out.error, HasSubstr("watchlist 'strict'"));
  EXPECT_THAT(out.error, HasSubstr("is strict and has 2 bad lines"));
  EXPECT_THAT(out.error, HasSubstr(tmp.path("strict.csv") + ":3:"));
  ASSERT_EQ(out.issues.size(), 2u);  // every bad line is still reported
  EXPECT_EQ(out.issue_count, 2u);
  EXPECT_EQ(out.issues[1].line, 4u);

  // The same file, not strict: loads, bad lines skipped.
  strict.strict = false;
  auto lenient = load(config_of({list_file("ok", "ok.csv"), strict}), tmp.dir());
  ASSERT_TRUE(lenient.snapshot) << lenient.error;
  EXPECT_EQ(lenient.snapshot->size(), 2u);
  EXPECT_EQ(lenient.issue_count, 2u);
}

TEST(WatchlistErrors, AnUnreadableFileFailsTheLoadWithAClearError) {
  TempDir tmp;
  auto out = load(config_of({list_file("gone", "missing.csv")}), tmp.dir());
  EXPECT_FALSE(out.snapshot);
  EXPECT_EQ(out.error,
            "watchlist 'gone' (" + tmp.path("missing.csv") + "): cannot read: No such file or directory");

  std::filesystem::create_directory(tmp.path("dir.csv"));
  auto dir = load(config_of({list_file("dir", "dir.csv")}), tmp.dir());
  EXPECT_FALSE(dir.snapshot);
  EXPECT_THAT(dir.error, HasSubstr("is a directory"));
}

TEST(WatchlistErrors, ACsvWithoutAnAddressColumnFailsTheLoad) {
  TempDir tmp;
  tmp.write("noaddr.csv", std::string(evm_x) + ",evm\n");
  auto out = load(config_of({list_file("noaddr", tmp.path("noaddr.csv"))}), "");
  EXPECT_FALSE(out.snapshot);
  EXPECT_THAT(out.error, HasSubstr(":1: the header names no 'address' column"));

  tmp.write("twice.csv", "address,label,Address\n");
  auto twice = load(config_of({list_file("twice", tmp.path("twice.csv"))}), "");
  EXPECT_FALSE(twice.snapshot);
  EXPECT_THAT(twice.error, HasSubstr("column 'address' appears twice"));
}

TEST(WatchlistErrors, AnEmptyFileIsAnEmptyList) {
  TempDir tmp;
  tmp.write("empty.csv", "# nothing yet\n");
  tmp.write("empty.txt", "");
  auto snap = load_ok(config_of({list_file("a", tmp.path("empty.csv")), text_file("b", tmp.path("empty.txt"))}));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 0u);
  EXPECT_EQ(snap->files().size(), 2u);
}

TEST(WatchlistRouting, TheMixedOfacUsdtListIsRoutedByAddressSyntax) {
  const std::string usdt = std::string(FW_FIXTURES_DIR) + "/sanctions/ofac/sanctioned_addresses_USDT.txt";
  auto snap = load_ok(config_of({text_file("ofac-usdt", usdt)}));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->issue_count(), 0u) << (snap->issues().empty() ? "" : format_issue(snap->issues()[0]));
  EXPECT_EQ(snap->size(), 26u);
  int evm = 0, tron = 0, bitcoin = 0;
  for (const Entry& e : snap->entries()) {
    evm += e.chain == Chain::evm;
    tron += e.chain == Chain::tron;
    bitcoin += e.chain == Chain::bitcoin;
  }
  EXPECT_EQ(evm, 8);
  EXPECT_EQ(tron, 11);
  EXPECT_EQ(bitcoin, 7);
  // EIP-55 and lower-case spellings of the list both resolve.
  EXPECT_NE(snap->lookup("0x175d44451403edf28469df03a9280c1197adb92c"), nullptr);
  EXPECT_NE(snap->lookup("TXEsK1sEsKjZ1xtHitnyAAoqw3WLdYdRNW"), nullptr);
  EXPECT_NE(snap->lookup("3LtcaPbCj87CwJHnRX3vh7c2y9RZQqeSy8"), nullptr);
}

// Provenance strings are interned a batch of rows at a time; quoted fields
// (unescaped into a buffer the next quoted row reuses) must keep their own
// values, whatever the mix of quoted and plain rows around them.
TEST(WatchlistCsv, EveryRowKeepsItsOwnProvenanceAcrossInterningBatches) {
  TempDir tmp;
  std::string csv = "address,label,incident,source,severity,added_at,notes\n";
  auto address_of = [](int i) {
    char buf[43];
    std::snprintf(buf, sizeof buf, "0x%040x", i + 1);
    return std::string(buf);
  };
  for (int i = 0; i < 100; ++i) {
    const bool quoted = i % 3 == 0 || i % 7 == 0;
    const std::string label = "label " + std::to_string(i);
    csv += address_of(i) + "," + (quoted ? "\"" + label + ", quoted\"" : label) + ",inc-" + std::to_string(i % 4) +
           ",src-" + std::to_string(i % 5) + "," + (i % 2 ? "HIGH" : "low") + ",2024-05-" + std::to_string(10 + i % 9) +
           "," + (i % 5 == 0 ? "\"note " + std::to_string(i) + ", quoted\"" : "") + "\n";
  }
  tmp.write("l.csv", csv);
  auto snap = load_ok(config_of({list_file("l", "l.csv")}), tmp.dir());
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->size(), 100u);
  for (int i = 0; i < 100; ++i) {
    const Entry* e = snap->find(address_of(i));
    ASSERT_NE(e, nullptr) << i;
    const Provenance p = e->provenance.front();
    const bool quoted = i % 3 == 0 || i % 7 == 0;
    EXPECT_EQ(p.label, "label " + std::to_string(i) + (quoted ? ", quoted" : "")) << i;
    EXPECT_EQ(p.incident, "inc-" + std::to_string(i % 4)) << i;
    EXPECT_EQ(p.source, "src-" + std::to_string(i % 5)) << i;
    EXPECT_EQ(p.severity, i % 2 ? "high" : "low") << i;
    EXPECT_EQ(p.added_at, "2024-05-" + std::to_string(10 + i % 9)) << i;
    EXPECT_EQ(p.notes, i % 5 == 0 ? "note " + std::to_string(i) + ", quoted" : "") << i;
    EXPECT_EQ(p.line, static_cast<std::uint32_t>(i + 2)) << i;
  }
}

// Unquoted rows are split 16 bytes at a time: fields of every length (0 to
// 40) at every offset, with spaces and tabs around them, come out trimmed
// and in place.
TEST(WatchlistCsv, PlainFieldsOfAnyLengthAndPaddingAreSplitAndTrimmed) {
  TempDir tmp;
  std::mt19937 rng(16);
  auto pad = [&] {
    static constexpr const char* pads[] = {"", " ", "\t", "  \t", "\t "};
    return std::string(pads[rng() % 5]);
  };
  auto text = [&](char c) { return std::string(rng() % 41, c); };
  struct Want {
    std::string label, incident, added_at;
  };
  std::vector<Want> want;
  std::string csv = "address,label,incident,added_at\n";
  for (int i = 0; i < 300; ++i) {
    char address[43];
    std::snprintf(address, sizeof address, "0x%040x", i + 1);
    Want w{text('l'), text('i'), text('d')};
    if (!w.label.empty()) w.label += std::to_string(i);
    csv += pad() + address + pad() + "," + pad() + w.label + pad() + "," + pad() + w.incident + pad() + "," +
           pad() + w.added_at + pad() + "\n";
    want.push_back(w);
  }
  tmp.write("l.csv", csv);
  auto snap = load_ok(config_of({list_file("l", "l.csv")}), tmp.dir());
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->size(), 300u);
  for (int i = 0; i < 300; ++i) {
    char address[43];
    std::snprintf(address, sizeof address, "0x%040x", i + 1);
    const Entry* e = snap->find(address);
    ASSERT_NE(e, nullptr) << i;
    const Provenance p = e->provenance.front();
    EXPECT_EQ(p.label, want[static_cast<std::size_t>(i)].label) << i;
    EXPECT_EQ(p.incident, want[static_cast<std::size_t>(i)].incident) << i;
    EXPECT_EQ(p.added_at, want[static_cast<std::size_t>(i)].added_at) << i;
  }
}

TEST(WatchlistMerge, DuplicatesWithinAndAcrossFilesMergeIntoOneEntry) {
  TempDir tmp;
  tmp.write("a.csv", "address,label\n" + std::string(evm_x_eip55) + ",first\n" + std::string(evm_x) + ",again\n");
  tmp.write("b.txt", "# b\n" + std::string(evm_x) + "\n" + std::string(evm_y) + "\n");
  auto snap = load_ok(config_of({list_file("a", "a.csv"), text_file("b", "b.txt")}), tmp.dir());
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), 2u);
  const Entry* e = snap->find(evm_x);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->provenance.size(), 3u);
  std::vector<std::string> seen;
  for (const Provenance& p : e->provenance) {
    seen.push_back(std::string(p.list) + ":" + std::to_string(p.line) + ":" + std::string(p.label));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a:2:first", "a:3:again", "b:2:"}));
  ASSERT_EQ(snap->find(evm_y)->provenance.size(), 1u);
  EXPECT_EQ(snap->find(evm_y)->provenance.front().file, "b.txt");
  EXPECT_EQ(snap->files()[0].rows, 2u);  // rows, not new entries
}

TEST(WatchlistVersion, IndependentOfFileOrderAndChangesWithContent) {
  TempDir tmp;
  tmp.write("a.csv", "address,label\n" + std::string(evm_x_eip55) + ",x in a\n" + std::string(stacks_sp) + ",s\n");
  tmp.write("b.csv", "address,label\n" + std::string(evm_y) + ",y\n" + std::string(evm_x) + ",x in b\n");
  const auto a = list_file("a", "a.csv");
  const auto b = list_file("b", "b.csv");
  auto ab = load_ok(config_of({a, b}), tmp.dir());
  auto ba = load_ok(config_of({b, a}), tmp.dir());
  ASSERT_TRUE(ab && ba);
  EXPECT_EQ(ab->version().size(), 64u);
  EXPECT_EQ(ab->version().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(ab->version(), ba->version());
  // Same content, different provenance order inside the entry.
  EXPECT_EQ(ab->find(evm_x)->provenance.front().list, "a");
  EXPECT_EQ(ba->find(evm_x)->provenance.front().list, "b");
  // Loading again gives the same version.
  EXPECT_EQ(load_ok(config_of({a, b}), tmp.dir())->version(), ab->version());

  // Any change of content changes it: a label, an address, a line number.
  tmp.write("b.csv", "address,label\n" + std::string(evm_y) + ",y!\n" + std::string(evm_x) + ",x in b\n");
  const auto label_changed = load_ok(config_of({a, b}), tmp.dir())->version();
  EXPECT_NE(label_changed, ab->version());
  tmp.write("b.csv", "address,label\n" + std::string(evm_z) + ",y\n" + std::string(evm_x) + ",x in b\n");
  const auto address_changed = load_ok(config_of({a, b}), tmp.dir())->version();
  EXPECT_NE(address_changed, ab->version());
  EXPECT_NE(address_changed, label_changed);
  tmp.write("b.csv", "address,label\n\n" + std::string(evm_y) + ",y\n" + std::string(evm_x) + ",x in b\n");
  EXPECT_NE(load_ok(config_of({a, b}), tmp.dir())->version(), ab->version());

  // Spelling does not matter: the content is canonical.
  tmp.write("b.csv", "address,label\n" + std::string(evm_y_eip55) + ",y\n" + std::string(evm_x_eip55) + ",x in b\n");
  EXPECT_EQ(load_ok(config_of({a, b}), tmp.dir())->version(), ab->version());

  // The empty snapshot has a fixed version too.
  EXPECT_EQ(Snapshot().version(), Builder().build()->version());
  EXPECT_NE(Snapshot().version(), ab->version());
}

// The hash format is documented (docs/watchlists.md, "Version") so that
// others can recompute it; these values come from an independent Python
// implementation of that description (version_reference.py, run as the
// watchlist_version_reference test).
TEST(WatchlistVersion, MatchesTheDocumentedFormat) {
  EXPECT_EQ(Snapshot().version(), "16ba908210be8520b8829cbdfe06835a4c8378e96fa875603745cf7016d5e3a9");
  Builder b;
  Provenance later;  // added first, sorts second inside the entry
  later.file = "b.txt";
  later.line = 7;
  later.list = "b";
  later.severity = "critical";
  b.add(*address::parse_any(evm_x_eip55), later);
  b.add(*address::parse_any(tron_t), Provenance{"", 0, "api", "lazarus", "", "", "high", "", ""});
  b.add(*address::parse_any(evm_x),
        Provenance{"a.csv", 2, "a", "x", "inc", "src", "high", "2024-05-16", "n"});
  EXPECT_EQ(b.build()->version(), "1a374e52aaefec29171cbe1cd9de3815b4632a5fb21147206831cd56d64adb2b");
}

TEST(WatchlistLookup, AnySpellingFindsTheEntry) {
  TempDir tmp;
  tmp.write("l.csv", "address\n" + std::string(evm_x_eip55) + "\n" + std::string(tron_t) + "\n" +
                         std::string(stacks_sp) + "\n" + std::string(btc_bech32) + "\n");
  auto snap = load_ok(config_of({list_file("l", tmp.path("l.csv"))}));
  ASSERT_TRUE(snap);
  const Entry* x = snap->find(evm_x);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(snap->lookup(evm_x), x);
  EXPECT_EQ(snap->lookup(evm_x_eip55), x);
  EXPECT_EQ(snap->lookup("  " + std::string(evm_x_eip55) + "\t"), x);
  EXPECT_EQ(snap->lookup(Chain::evm, evm_x), x);
  EXPECT_EQ(snap->find(evm_x_eip55), nullptr);  // find() takes canonical only
  EXPECT_EQ(snap->lookup(evm_x_bad_checksum), nullptr);

  const Entry* t = snap->find(tron_t);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(snap->lookup(tron_t), t);
  EXPECT_EQ(snap->lookup(tron_t_hex), t);
  EXPECT_EQ(snap->lookup(Chain::tron, "0x" + std::string(tron_t_hex.substr(2))), t);
  EXPECT_EQ(snap->lookup("0x" + std::string(tron_t_hex.substr(2))), nullptr);  // read as EVM

  const Entry* s = snap->find(stacks_sp);
  ASSERT_NE(s, nullptr);
  std::string lower(stacks_sp);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(snap->lookup(lower), s);
  EXPECT_EQ(snap->lookup(stacks_sp), s);

  std::string upper_bech(btc_bech32);
  std::transform(upper_bech.begin(), upper_bech.end(), upper_bech.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  EXPECT_EQ(snap->lookup(upper_bech), snap->find(btc_bech32));

  EXPECT_EQ(snap->lookup(evm_y), nullptr);
  EXPECT_EQ(snap->lookup(""), nullptr);
  EXPECT_EQ(snap->lookup("not an address"), nullptr);
}

TEST(WatchlistBuilder, AddCopiesProvenanceAndMerges) {
  Builder b;
  {
    std::string label = "temporary label";
    auto a = address::parse_any(evm_x_eip55);
    ASSERT_TRUE(a);
    Provenance p;
    p.list = "api";
    p.label = label;
    p.severity = "high";
    b.add(*a, p);
    label.assign("overwritten!!!!");
    p.label = "second";
    b.add(*address::parse_any(evm_x), p);
    b.add(*address::parse_any(tron_t), p);
  }
  auto snap = b.build();
  EXPECT_EQ(snap->size(), 2u);
  const Entry* e = snap->find(evm_x);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->provenance.size(), 2u);
  EXPECT_EQ(e->provenance[0].label, "temporary label");
  EXPECT_EQ(e->provenance[1].label, "second");
  EXPECT_EQ(e->provenance[1].list, "api");
  EXPECT_EQ(e->provenance[1].line, 0u);
  EXPECT_EQ(snap->find(tron_t)->provenance.front().label, "second");
  // The builder is empty and reusable after build().
  EXPECT_EQ(b.build()->size(), 0u);
}

TEST(WatchlistScale, ALargeFileWithDuplicatesLoadsQuickly) {
  TempDir tmp;
  constexpr int n = 200000;
  std::string body = "address,label,source\n";
  body.reserve(static_cast<std::size_t>(n) * 70);
  char buf[64];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "0x%040x", i);
    body += buf;
    body += i % 2 ? ",odd,gen\n" : ",even,gen\n";
  }
  for (int i = 0; i < n; i += 1000) {  // 200 duplicates at the end
    std::snprintf(buf, sizeof buf, "0x%040x", i);
    body += buf;
    body += ",dup,gen\n";
  }
  tmp.write("big.csv", body);
  const auto t0 = std::chrono::steady_clock::now();
  auto snap = load_ok(config_of({list_file("big", tmp.path("big.csv"))}));
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->size(), static_cast<std::size_t>(n));
  EXPECT_EQ(snap->issue_count(), 0u);
  EXPECT_LT(took, std::chrono::seconds(5));
  std::snprintf(buf, sizeof buf, "0x%040x", 5000);
  const Entry* e = snap->find(buf);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->provenance.size(), 2u);
  EXPECT_EQ(e->provenance[0].label, "even");
  EXPECT_EQ(e->provenance[0].line, 5002u);
  EXPECT_EQ(e->provenance[1].label, "dup");
  std::snprintf(buf, sizeof buf, "0x%040x", 5001);
  ASSERT_EQ(snap->find(buf)->provenance.size(), 1u);
  EXPECT_EQ(snap->find(buf)->provenance[0].label, "odd");
  EXPECT_EQ(snap->find(buf)->provenance[0].line, 5003u);
}

// ------------------------------------------------------------ shipped lists

config::WatchlistsConfig shipped(bool strict) {
  const std::string dir = std::string(FW_SOURCE_DIR) + "/config/watchlists/";
  auto ofac = list_file("ofac", dir + "ofac.csv");
  auto alex = list_file("alex-lab-2024", dir + "alex-lab-2024.csv");
  ofac.strict = alex.strict = strict;
  return config_of({ofac, alex});
}

TEST(ShippedLists, EveryRowLoadsWithNoIssue) {
  auto out = load(shipped(true), "");
  ASSERT_TRUE(out.snapshot) << out.error;
  EXPECT_EQ(out.issue_count, 0u);
  const auto& files = out.snapshot->files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].rows, 624u);  // ETH 152, USDT 26, USDC 2, ARB 1, BSC 1, ETC 1, TRX 6, XBT 435
  EXPECT_EQ(files[1].rows, 49u);
  EXPECT_EQ(files[0].issues + files[1].issues, 0u);
}

TEST(ShippedLists, ContainTheAlexLabAttackerAddresses) {
  auto snap = load_ok(shipped(true));
  ASSERT_TRUE(snap);
  for (std::string_view a : {stacks_sp, evm_x_eip55, tron_t}) {
    const Entry* e = snap->lookup(a);
    ASSERT_NE(e, nullptr) << a;
    bool alex = false;
    for (const Provenance& p : e->provenance) {
      if (p.incident == "alex-lab-2024") {
        alex = true;
        EXPECT_EQ(p.list, "alex-lab-2024");
        EXPECT_EQ(p.severity, "high");
        EXPECT_THAT(std::string(p.label), HasSubstr("ALEX Lab"));
        EXPECT_THAT(std::string(p.source), HasSubstr("lazarus-bluenoroff-research"));
      }
    }
    EXPECT_TRUE(alex) << a;
  }
  // 0x3e8C... is listed twice in the ALEX file (attacker on BSC, DPRK theft): one entry, two records.
  EXPECT_EQ(snap->lookup(evm_x_eip55)->provenance.size(), 2u);
  EXPECT_EQ(snap->lookup(stacks_sp)->chain, Chain::stacks);
  EXPECT_EQ(snap->lookup(tron_t)->chain, Chain::tron);
  // Victim-owned and whitehat rows are not shipped.
  EXPECT_EQ(snap->lookup("0xb3955302E58FFFdf2da247E999Cd9755f652b13b"), nullptr);
  EXPECT_EQ(snap->lookup("0x27055aE433E9DCb30f6EbCC1A374Cf5CC03C484E"), nullptr);
}

TEST(ShippedLists, OfacRowsKeepAssetProvenanceAndRouteUsdtBySyntax) {
  auto snap = load_ok(shipped(true));
  ASSERT_TRUE(snap);
  const Entry* usdt_tron = snap->lookup("TXEsK1sEsKjZ1xtHitnyAAoqw3WLdYdRNW");
  ASSERT_NE(usdt_tron, nullptr);
  EXPECT_EQ(usdt_tron->chain, Chain::tron);
  const Provenance p = usdt_tron->provenance.front();
  EXPECT_EQ(p.label, "OFAC SDN Digital Currency Address - USDT");
  EXPECT_EQ(p.source, "OFAC SDN (0xB10C extract, snapshot 2024-09-27)");
  EXPECT_EQ(p.severity, "critical");
  EXPECT_EQ(p.list, "ofac");
  const Entry* usdt_btc = snap->lookup("3LtcaPbCj87CwJHnRX3vh7c2y9RZQqeSy8");
  ASSERT_NE(usdt_btc, nullptr);
  EXPECT_EQ(usdt_btc->chain, Chain::bitcoin);
  EXPECT_NE(snap->lookup("TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre"), nullptr);  // TRX list
  // The XBT list files one TRON address; the row leaves the chain empty and is routed by syntax.
  const Entry* misfiled = snap->lookup("TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq");
  ASSERT_NE(misfiled, nullptr);
  EXPECT_EQ(misfiled->chain, Chain::tron);
  EXPECT_EQ(misfiled->provenance.front().label, "OFAC SDN Digital Currency Address - XBT");
  // Every chain we watch except Stacks (OFAC lists none) is present.
  std::set<Chain> chains;
  for (const Entry& e : snap->entries()) {
    for (const Provenance& q : e.provenance) {
      if (q.list == "ofac") chains.insert(e.chain);
    }
  }
  EXPECT_EQ(chains, (std::set<Chain>{Chain::evm, Chain::tron, Chain::bitcoin}));
}

}  // namespace
}  // namespace fw::watchlist
