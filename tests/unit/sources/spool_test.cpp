#include "sources/spool.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace fw::sources {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::unique_ptr<Spool> open_spool(const std::string& dir, bool fsync = false) {
  std::string error;
  auto spool = Spool::open({dir, fsync}, error);
  EXPECT_TRUE(spool) << error;
  return spool;
}

SpoolEntry put(Spool& spool, std::string_view route, std::string_view body) {
  std::string error;
  auto entry = spool.put(route, body, error);
  EXPECT_TRUE(entry) << error;
  return entry ? *entry : SpoolEntry{};
}

TEST(SpoolTest, PutListReadRemoveRoundTrip) {
  TempDir tmp;
  const std::string dir = tmp.path + "/spool/node";  // missing parents are created
  auto spool = open_spool(dir);
  ASSERT_TRUE(spool);
  const std::string binary("{\"a\":1}\0\r\n\xff", 11);
  const auto a = put(*spool, "/new_block", binary);
  const auto b = put(*spool, "new_mempool_tx", "[\"0x00\"]");
  EXPECT_EQ(a.seq, 1u);
  EXPECT_EQ(b.seq, 2u);
  EXPECT_EQ(a.route, "new_block");
  EXPECT_EQ(fs::path(a.path).filename(), "00000000000000000001.new_block.json");
  EXPECT_EQ(fs::path(b.path).filename(), "00000000000000000002.new_mempool_tx.json");
  EXPECT_EQ(spool->pending_entries(), 2u);
  EXPECT_EQ(spool->pending_bytes(), binary.size() + 8);

  const auto entries = spool->list();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].seq, 1u);
  EXPECT_EQ(entries[0].route, "new_block");
  EXPECT_EQ(entries[0].bytes, binary.size());
  EXPECT_EQ(entries[1].seq, 2u);
  std::string error;
  auto body = spool->read(entries[0], error);
  ASSERT_TRUE(body) << error;
  EXPECT_EQ(*body, binary);

  ASSERT_TRUE(spool->remove(entries[0], error)) << error;
  EXPECT_TRUE(spool->remove(entries[0], error)) << "removing twice is not an error";
  EXPECT_EQ(spool->pending_entries(), 1u);
  EXPECT_EQ(spool->pending_bytes(), 8u);
  const auto rest = spool->list();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].seq, 2u);
}

TEST(SpoolTest, ListIsInSeqOrderBeyondOneDirectoryPage) {
  TempDir tmp;
  auto spool = open_spool(tmp.path);
  ASSERT_TRUE(spool);
  for (int i = 0; i < 300; ++i) put(*spool, i % 2 ? "new_block" : "new_burn_block", std::to_string(i));
  const auto entries = spool->list();
  ASSERT_EQ(entries.size(), 300u);
  std::string error;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, i + 1);
    EXPECT_EQ(*spool->read(entries[i], error), std::to_string(i));
  }
}

TEST(SpoolTest, SeqContinuesAfterReopen) {
  TempDir tmp;
  {
    auto spool = open_spool(tmp.path);
    ASSERT_TRUE(spool);
    put(*spool, "new_block", "1");
    put(*spool, "new_block", "2");
    const auto third = put(*spool, "new_block", "3");
    std::string error;
    ASSERT_TRUE(spool->remove(third, error));  // the highest one gone: 2 is still there
  }
  auto spool = open_spool(tmp.path);
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->next_seq(), 3u);
  EXPECT_EQ(spool->pending_entries(), 2u);
  const auto e = put(*spool, "new_block", "4");
  EXPECT_EQ(e.seq, 3u);
  const auto entries = spool->list();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries.back().seq, 3u);
}

TEST(SpoolTest, QuarantinedSeqsAreNotReused) {
  TempDir tmp;
  {
    auto spool = open_spool(tmp.path);
    ASSERT_TRUE(spool);
    put(*spool, "new_block", "1");
    const auto bad = put(*spool, "new_block", "not json");
    std::string error;
    ASSERT_TRUE(spool->quarantine(bad, "not_json", error)) << error;
  }
  auto spool = open_spool(tmp.path);
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->next_seq(), 3u);
  EXPECT_EQ(spool->quarantined(), 1u);
}

TEST(SpoolTest, TmpLeftoversAreDeletedAndForeignFilesKept) {
  TempDir tmp;
  spit(tmp.path + "/00000000000000000007.new_block.json.tmp", "half a bo");
  spit(tmp.path + "/00000000000000000003.new_block.json", "{}");
  spit(tmp.path + "/README.txt", "operator notes");
  spit(tmp.path + "/12.new_block.json", "short seq: not ours");
  auto spool = open_spool(tmp.path);
  ASSERT_TRUE(spool);
  EXPECT_FALSE(fs::exists(tmp.path + "/00000000000000000007.new_block.json.tmp"));
  EXPECT_TRUE(fs::exists(tmp.path + "/README.txt"));
  EXPECT_TRUE(fs::exists(tmp.path + "/12.new_block.json"));
  const auto entries = spool->list();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].seq, 3u);
  EXPECT_EQ(spool->next_seq(), 4u);

  // A leftover that appears later (another crash path) is cleaned by list().
  spit(tmp.path + "/00000000000000000009.new_block.json.tmp", "x");
  EXPECT_EQ(spool->list().size(), 1u);
  EXPECT_FALSE(fs::exists(tmp.path + "/00000000000000000009.new_block.json.tmp"));
}

TEST(SpoolTest, QuarantineMovesTheBodyAndWritesTheReason) {
  TempDir tmp;
  auto spool = open_spool(tmp.path);
  ASSERT_TRUE(spool);
  const auto e = put(*spool, "/new_block", "{ truncated");
  std::string error;
  ASSERT_TRUE(spool->quarantine(e, "not_json: line 1\ncolumn 12", error)) << error;
  EXPECT_TRUE(spool->list().empty());
  EXPECT_EQ(spool->pending_entries(), 0u);
  EXPECT_EQ(spool->quarantined(), 1u);
  const std::string moved = tmp.path + "/failed/00000000000000000001.new_block.json";
  EXPECT_EQ(slurp(moved), "{ truncated");
  EXPECT_EQ(slurp(moved + ".reason"), "not_json: line 1 column 12\n");
}

TEST(SpoolTest, RouteIsSanitized) {
  EXPECT_EQ(Spool::route_from_path("/new_block"), "new_block");
  EXPECT_EQ(Spool::route_from_path("new_mempool_tx"), "new_mempool_tx");
  EXPECT_EQ(Spool::route_from_path("/attachments/new"), "attachments_new");
  EXPECT_EQ(Spool::route_from_path("/../../etc/passwd"), "etc_passwd");
  EXPECT_EQ(Spool::route_from_path("/New.Block?x=1"), "new_block_x_1");
  EXPECT_EQ(Spool::route_from_path(""), "body");
  EXPECT_EQ(Spool::route_from_path("///"), "body");
  EXPECT_EQ(Spool::route_from_path(std::string(100, 'a')).size(), 48u);

  TempDir tmp;
  auto spool = open_spool(tmp.path);
  ASSERT_TRUE(spool);
  const auto e = put(*spool, "/../x y", "{}");
  EXPECT_EQ(fs::path(e.path).parent_path(), fs::path(tmp.path));
  EXPECT_EQ(e.route, "x_y");
  EXPECT_EQ(spool->list().size(), 1u);
}

// The process dies right after put() returned (no destructor, no flush):
// a reopened spool still has every entry, complete.
TEST(SpoolTest, EntriesSurviveAKilledProcess) {
  for (bool fsync : {false, true}) {
    TempDir tmp;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      std::string error;
      auto spool = Spool::open({tmp.path, fsync}, error);
      if (!spool) ::_exit(2);
      for (int i = 0; i < 5; ++i)
        if (!spool->put("new_block", std::string(100000, static_cast<char>('a' + i)), error)) ::_exit(3);
      ::raise(SIGKILL);
      ::_exit(4);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
    auto spool = open_spool(tmp.path, fsync);
    ASSERT_TRUE(spool);
    const auto entries = spool->list();
    ASSERT_EQ(entries.size(), 5u) << "fsync=" << fsync;
    std::string error;
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(*spool->read(entries[static_cast<std::size_t>(i)], error),
                std::string(100000, static_cast<char>('a' + i)));
    EXPECT_EQ(spool->next_seq(), 6u);
  }
}

TEST(SpoolTest, UnusableDirectoryIsAnOpenErrorNamingThePath) {
  TempDir tmp;
  const std::string file = tmp.path + "/not-a-dir";
  spit(file, "x");
  std::string error;
  EXPECT_FALSE(Spool::open({file, false}, error));
  EXPECT_NE(error.find(file), std::string::npos) << error;
  EXPECT_NE(error.find("not a directory"), std::string::npos) << error;

  error.clear();
  EXPECT_FALSE(Spool::open({"", false}, error));
  EXPECT_FALSE(error.empty());
}

TEST(SpoolTest, FailedPutIsAnErrorNamingThePath) {
  TempDir tmp;
  const std::string dir = tmp.path + "/spool";
  auto spool = open_spool(dir);
  ASSERT_TRUE(spool);
  fs::remove_all(dir);  // the disk went away under us
  std::string error;
  EXPECT_FALSE(spool->put("new_block", "{}", error));
  EXPECT_NE(error.find(dir), std::string::npos) << error;
  EXPECT_EQ(spool->pending_entries(), 0u);
}

}  // namespace
}  // namespace fw::sources
