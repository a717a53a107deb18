#include "remote/meta.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fw::remote {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& tag) {
  const auto dir = fs::temp_directory_path() / ("fw-remote-meta-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(RemoteMeta, SaveThenLoadKeepsEveryField) {
  const auto dir = temp_dir("roundtrip");
  CacheMeta m;
  m.url_sha256 = url_fingerprint("https://example.com/list.csv");
  m.etag = "W/\"abc 123\"";
  m.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  m.changed_at_ms = 1700000000123;
  m.checked_at_ms = 1700000005000;
  const std::string path = (dir / "x.list.meta").string();
  ASSERT_EQ(save_meta(path, m, true), "");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  auto back = load_meta(path);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->url_sha256, m.url_sha256);
  EXPECT_EQ(back->etag, m.etag);
  EXPECT_EQ(back->last_modified, m.last_modified);
  EXPECT_EQ(back->changed_at_ms, m.changed_at_ms);
  EXPECT_EQ(back->checked_at_ms, m.checked_at_ms);
  fs::remove_all(dir);
}

TEST(RemoteMeta, MissingFileIsNulloptAndJunkIsIgnored) {
  const auto dir = temp_dir("junk");
  EXPECT_FALSE(load_meta((dir / "none.meta").string()).has_value());
  std::ofstream((dir / "j.meta").string()) << "# c\nbogus line\nchanged_at_ms notanumber\netag \"e\"\n";
  auto m = load_meta((dir / "j.meta").string());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->etag, "\"e\"");
  EXPECT_EQ(m->changed_at_ms, 0);
  fs::remove_all(dir);
}

TEST(RemoteMeta, FingerprintIsSha256HexAndHidesTheUrl) {
  const auto f = url_fingerprint("http://h/x?token=secret");
  EXPECT_EQ(f.size(), 64u);
  EXPECT_EQ(f.find("secret"), std::string::npos);
  EXPECT_NE(f, url_fingerprint("http://h/y"));
  EXPECT_EQ(url_fingerprint(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace fw::remote
