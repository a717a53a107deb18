// Shared by the sources tests: an Observer that records everything, and a
// way to run the io_context on the test thread until something happened.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fakes/ws_server.hpp"
#include "sources/observer.hpp"

namespace fw::sources::testing {

using namespace std::chrono_literals;

struct StateEvent {
  SourceState state;
  std::string reason;
};

class RecordingObserver : public Observer {
 public:
  void on_frame(std::string_view source, std::string_view payload, std::chrono::steady_clock::time_point) override {
    sources.emplace_back(source);
    frames.emplace_back(payload);
    if (frame_hook) frame_hook(payload);
  }
  void on_state(std::string_view source, SourceState state, std::string_view reason) override {
    sources.emplace_back(source);
    states.push_back({state, std::string(reason)});
  }
  void on_frame_rejected(std::string_view source, std::string_view reason, std::string_view excerpt) override {
    sources.emplace_back(source);
    rejected.emplace_back(std::string(reason), std::string(excerpt));
  }
  void on_reconnect(std::string_view source) override {
    sources.emplace_back(source);
    ++reconnects;
  }

  bool saw_state(SourceState s) const {
    for (const auto& e : states)
      if (e.state == s) return true;
    return false;
  }
  std::size_t count_state(SourceState s) const {
    std::size_t n = 0;
    for (const auto& e : states) n += e.state == s;
    return n;
  }
  // Reason of the latest `s` event ("" if none).
  std::string last_reason(SourceState s) const {
    for (auto it = states.rbegin(); it != states.rend(); ++it)
      if (it->state == s) return it->reason;
    return {};
  }
  std::size_t calls() const { return sources.size(); }

  std::vector<std::string> sources;  // source name of every call, in order
  std::vector<std::string> frames;
  std::vector<StateEvent> states;
  std::vector<std::pair<std::string, std::string>> rejected;  // reason, excerpt
  int reconnects = 0;
  std::function<void(std::string_view)> frame_hook;
};

// A fresh temp directory, removed with everything in it at scope exit.
struct TempDir {
  std::string path = fw::test::make_temp_dir();
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Runs `io` on this thread until pred() holds or `timeout` passes.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) {
      io.restart();
      std::this_thread::sleep_for(1ms);  // nothing to run here: something else must happen first
    }
    io.run_one_for(5ms);
  }
  return true;
}

// Runs `io` for `d` (lets timers fire, frames arrive).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) {
      io.restart();
      std::this_thread::sleep_for(1ms);
    }
    io.run_one_for(5ms);
  }
}

// Runs `io` until it has no work left (every task ended); false on timeout.
inline bool run_to_completion(boost::asio::io_context& io, std::chrono::milliseconds timeout = 3s) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    io.run_for(10ms);
    if (io.stopped()) return true;
  }
  return false;
}

}  // namespace fw::sources::testing
