#include "watchlist/reloader.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_files.hpp"

namespace fw::watchlist {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using namespace test;

// Collects callback events; tests wait on it instead of sleeping blindly.
class Events {
 public:
  Reloader::Callback callback() {
    return [this](const ReloadEvent& e) {
      std::lock_guard lk(mu_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [&] { return events_.size() >= n; });
  }
  std::vector<ReloadEvent> all() {
    std::lock_guard lk(mu_);
    return events_;
  }
  std::size_t size() {
    std::lock_guard lk(mu_);
    return events_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReloadEvent> events_;
};

std::string rows(std::initializer_list<std::string_view> addresses) {
  std::string out = "address,label\n";
  for (auto a : addresses) out += std::string(a) + ",test\n";
  return out;
}

std::shared_ptr<const Snapshot> must_load(const config::WatchlistsConfig& cfg, const std::string& base) {
  auto out = load(cfg, base);
  if (!out.snapshot) ADD_FAILURE() << out.error;
  return out.snapshot;
}

TEST(Reloader, ReloadNowPublishesTheNewSnapshotAndReportsIt) {
  TempDir tmp;
  tmp.write("a.csv", rows({evm_x}));
  const auto cfg = config_of({list_file("a", "a.csv")});
  Holder holder(must_load(cfg, tmp.dir()));
  const auto initial = holder.current();
  Reloader r(holder, cfg, tmp.dir());
  Events events;
  r.on_reload(events.callback());

  auto same = r.reload_now();
  EXPECT_TRUE(same.ok);
  EXPECT_FALSE(same.changed);  // same content, same version
  EXPECT_EQ(same.previous_version, initial->version());
  EXPECT_EQ(same.snapshot, holder.current());
  EXPECT_EQ(same.trigger, ReloadTrigger::manual);

  tmp.write("a.csv", rows({evm_x, evm_y}));
  auto grown = r.reload_now();
  EXPECT_TRUE(grown.ok);
  EXPECT_TRUE(grown.changed);
  EXPECT_TRUE(grown.error.empty());
  EXPECT_EQ(holder.current(), grown.snapshot);
  EXPECT_NE(holder.current()->find(evm_y), nullptr);
  EXPECT_NE(grown.snapshot->version(), initial->version());
  EXPECT_EQ(r.reloads(), 2u);
  EXPECT_EQ(r.failures(), 0u);
  EXPECT_TRUE(r.last_success().has_value());
  EXPECT_EQ(r.last_error(), "");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events.all()[1].changed);
  // A reader that kept the old snapshot still uses it safely.
  EXPECT_EQ(initial->find(evm_y), nullptr);
  EXPECT_NE(initial->find(evm_x), nullptr);
}

TEST(Reloader, AFailedReloadKeepsTheOldSnapshotAndSaysWhy) {
  TempDir tmp;
  tmp.write("s.csv", rows({evm_x}));
  auto f = list_file("s", "s.csv");
  f.strict = true;
  const auto cfg = config_of({f});
  Holder holder(must_load(cfg, tmp.dir()));
  const auto good = holder.current();
  Reloader r(holder, cfg, tmp.dir());
  Events events;
  r.on_reload(events.callback());

  // A strict file with a bad line.
  tmp.write("s.csv", rows({evm_x, evm_x_bad_checksum, evm_y}));
  auto broken = r.reload_now();
  EXPECT_FALSE(broken.ok);
  EXPECT_THAT(broken.error, HasSubstr("is strict and has 1 bad line"));
  EXPECT_THAT(broken.error, HasSubstr("s.csv:3:"));
  ASSERT_EQ(broken.issues.size(), 1u);
  EXPECT_EQ(broken.issue_count, 1u);
  EXPECT_EQ(broken.snapshot, good);
  EXPECT_EQ(holder.current(), good);
  EXPECT_EQ(holder.current()->version(), good->version());
  EXPECT_EQ(r.last_error(), broken.error);
  EXPECT_EQ(r.failures(), 1u);
  EXPECT_FALSE(r.last_success().has_value());

  // The file disappears, or becomes something that cannot be read.
  std::filesystem::remove(tmp.path("s.csv"));
  auto missing = r.reload_now();
  EXPECT_FALSE(missing.ok);
  EXPECT_THAT(missing.error, HasSubstr("cannot read: No such file or directory"));
  std::filesystem::create_directory(tmp.path("s.csv"));
  auto dir = r.reload_now();
  EXPECT_FALSE(dir.ok);
  EXPECT_THAT(dir.error, HasSubstr("is a directory"));
  EXPECT_EQ(holder.current(), good);
  EXPECT_EQ(r.failures(), 3u);

  // Fixed: the next reload succeeds and clears the error.
  std::filesystem::remove(tmp.path("s.csv"));
  tmp.write("s.csv", rows({evm_x, evm_y}));
  auto fixed = r.reload_now();
  EXPECT_TRUE(fixed.ok) << fixed.error;
  EXPECT_NE(holder.current()->find(evm_y), nullptr);
  EXPECT_EQ(r.last_error(), "");
  EXPECT_EQ(r.reloads(), 1u);
  EXPECT_TRUE(r.last_success().has_value());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_FALSE(events.all()[0].ok);
  EXPECT_TRUE(events.all()[3].ok);
}

TEST(Reloader, RequestReloadReloadsOnTheReloaderThread) {
  TempDir tmp;
  tmp.write("a.csv", rows({evm_x}));
  auto cfg = config_of({list_file("a", "a.csv")});
  cfg.watch_files = false;
  Holder holder(must_load(cfg, tmp.dir()));
  Reloader r(holder, cfg, tmp.dir());
  Events events;
  r.on_reload(events.callback());
  r.start();
  EXPECT_TRUE(r.running());

  tmp.write("a.csv", rows({evm_z}));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(events.size(), 0u);  // not watching files: nothing happens by itself
  r.request_reload();
  ASSERT_TRUE(events.wait_for(1));
  const auto ev = events.all()[0];
  EXPECT_EQ(ev.trigger, ReloadTrigger::request);
  EXPECT_TRUE(ev.ok);
  EXPECT_TRUE(ev.changed);
  EXPECT_NE(holder.current()->find(evm_z), nullptr);
  EXPECT_EQ(holder.current()->find(evm_x), nullptr);
  r.stop();
  EXPECT_FALSE(r.running());
}

TEST(Reloader, AChangedFileIsReloadedWhenWatched) {
  TempDir tmp;
  tmp.write("a.csv", rows({evm_x}));
  tmp.write("b.txt", std::string(tron_t) + "\n");
  auto cfg = config_of({list_file("a", "a.csv"), text_file("b", "b.txt")});
  cfg.watch_files = true;
  cfg.poll_interval_ms = 20;
  Holder holder(must_load(cfg, tmp.dir()));
  Reloader r(holder, cfg, tmp.dir());
  Events events;
  r.on_reload(events.callback());
  r.start();

  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(events.size(), 0u);  // nothing changed, nothing reloaded

  tmp.write("b.txt", std::string(tron_t) + "\n" + std::string(stacks_sp) + "\n");
  ASSERT_TRUE(events.wait_for(1));
  auto ev = events.all()[0];
  EXPECT_EQ(ev.trigger, ReloadTrigger::file_change);
  EXPECT_TRUE(ev.ok);
  EXPECT_NE(holder.current()->find(stacks_sp), nullptr);

  // In-place rewrite of the same size: mtime/ctime still differ.
  const auto before = stamp_file(tmp.path("a.csv"));
  std::this_thread::sleep_for(20ms);
  {
    std::ofstream out(tmp.path("a.csv"), std::ios::binary | std::ios::trunc);
    out << rows({evm_y});
  }
  ASSERT_EQ(stamp_file(tmp.path("a.csv")).size, before.size);
  // A poll may catch the file half-written and load that first; the next
  // poll sees the final state. Wait for it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (holder.current()->find(evm_y) == nullptr && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_NE(holder.current()->find(evm_y), nullptr);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.all().back().trigger, ReloadTrigger::file_change);
}

TEST(Reloader, AChangeBetweenTheFirstLoadAndStartIsNotMissed) {
  TempDir tmp;
  tmp.write("a.csv", rows({evm_x}));
  auto cfg = config_of({list_file("a", "a.csv")});
  cfg.poll_interval_ms = 20;
  Holder holder(must_load(cfg, tmp.dir()));
  tmp.write("a.csv", rows({evm_x, evm_y}));  // after the load, before start()
  Reloader r(holder, cfg, tmp.dir());
  Events events;
  r.on_reload(events.callback());
  r.start();
  ASSERT_TRUE(events.wait_for(1));
  EXPECT_NE(holder.current()->find(evm_y), nullptr);
}

TEST(Reloader, AFileThatKeepsFailingIsRetriedOnlyWhenItChanges) {
  TempDir tmp;
  tmp.write("s.csv", rows({evm_x}));
  auto f = list_file("s", "s.csv");
  f.strict = true;
  auto cfg = config_of({f});
  cfg.poll_interval_ms = 10;
  Holder holder(must_load(cfg, tmp.dir()));
  const auto good = holder.current();
  Reloader r(holder, cfg, tmp.dir());
  Events events;
  r.on_reload(events.callback());
  r.start();

  tmp.write("s.csv", rows({evm_x_bad_checksum}));
  ASSERT_TRUE(events.wait_for(1));
  std::this_thread::sleep_for(200ms);  // ~20 polls
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(r.failures(), 1u);
  EXPECT_EQ(holder.current(), good);

  tmp.write("s.csv", rows({evm_z}));
  ASSERT_TRUE(events.wait_for(2));
  EXPECT_TRUE(events.all()[1].ok);
  EXPECT_NE(holder.current()->find(evm_z), nullptr);
  EXPECT_EQ(r.last_error(), "");
}

TEST(Reloader, LookupsDuringReloadsAlwaysSeeOneWholeSnapshot) {
  TempDir tmp;
  tmp.write("a.csv", rows({evm_x_eip55, evm_y}));  // snapshot A = {x, y}
  tmp.write("b.txt", std::string(evm_z) + "\n");    // snapshot B = {z}
  const auto cfg_a = config_of({list_file("a", "a.csv")});
  const auto cfg_b = config_of({text_file("b", "b.txt")});
  const std::string version_a = must_load(cfg_a, tmp.dir())->version();
  const std::string version_b = must_load(cfg_b, tmp.dir())->version();
  ASSERT_NE(version_a, version_b);

  Holder holder(must_load(cfg_a, tmp.dir()));
  Reloader r(holder, cfg_a, tmp.dir());

  std::atomic<bool> done{false};
  std::atomic<long> seen_a{0}, seen_b{0}, torn{0};
  std::thread reader([&] {
    long i = 0;
    while (!done.load(std::memory_order_relaxed)) {
      const auto snap = holder.current();
      // Alternate canonical find() and any-spelling lookup().
      const bool x = (i % 2 ? snap->lookup(evm_x_eip55) : snap->find(evm_x)) != nullptr;
      const bool y = snap->find(evm_y) != nullptr;
      const bool z = (i % 2 ? snap->lookup(evm_z_eip55) : snap->find(evm_z)) != nullptr;
      ++i;
      if (x && y && !z && snap->version() == version_a && snap->size() == 2) {
        ++seen_a;
      } else if (!x && !y && z && snap->version() == version_b && snap->size() == 1) {
        ++seen_b;
      } else {
        ++torn;
      }
    }
  });

  for (int i = 0; i < 300; ++i) {
    r.set_config(i % 2 ? cfg_a : cfg_b);
    const auto ev = r.reload_now();
    ASSERT_TRUE(ev.ok) << ev.error;
    ASSERT_EQ(ev.snapshot->version(), i % 2 ? version_a : version_b);
    if (i % 50 == 0) std::this_thread::yield();
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(seen_a.load(), 0);
  EXPECT_GT(seen_b.load(), 0);
  EXPECT_EQ(r.reloads(), 300u);
}

TEST(Reloader, StopIsPromptCleanAndIdempotent) {
  TempDir tmp;
  tmp.write("a.csv", rows({evm_x}));
  auto cfg = config_of({list_file("a", "a.csv")});
  cfg.poll_interval_ms = 60000;  // stop must not wait for the next poll
  Holder holder(must_load(cfg, tmp.dir()));
  {
    Reloader r(holder, cfg, tmp.dir());
    r.start();
    r.start();  // no second thread
    const auto t0 = std::chrono::steady_clock::now();
    r.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    r.stop();
    EXPECT_FALSE(r.running());
    // reload_now still works on a stopped reloader.
    EXPECT_TRUE(r.reload_now().ok);
  }
  {
    Reloader started(holder, cfg, tmp.dir());
    started.start();
    started.request_reload();
  }  // destructor stops and joins
  {
    Reloader never_started(holder, cfg, tmp.dir());
  }
  SUCCEED();
}

}  // namespace
}  // namespace fw::watchlist
