// Replays a JSON Lines file (one canonical deposit event per line) as if the
// lines were frames of a live stream: for the demo and for backtests.
//
// start() opens the file and reports connected; every non-blank line goes to
// Observer::on_frame (zero copy: the view points into the read buffer), in
// file order. rate_per_second == 0 replays flat out, yielding to the
// io_context every few hundred lines so timers and sockets keep running;
// otherwise line i is due at start + i / rate (no drift; a late consumer gets
// a catch-up burst). At the end: on_state(finished, "end of file"), or with
// `loop` the file starts over. A line longer than max_frame_bytes is reported
// through on_frame_rejected("oversized") and skipped. A missing or unreadable
// file is on_state(disconnected, "cannot open ...: ..."), never a crash.
//
// Thread and lifetime: io thread only; may be destroyed at any time (no
// Observer call after the destructor began). The Observer outlives it.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "sources/observer.hpp"
#include "sources/source.hpp"

namespace fw::sources {

class ReplaySource final : public Source {
 public:
  ReplaySource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer);
  ~ReplaySource() override;

  void start() override;
  // Ends after the current line with on_state(disconnected, "stopped"),
  // unless the replay already finished.
  void stop() override;
  const std::string& name() const noexcept override;
  SourceState state() const noexcept override;
  SourceStats stats() const noexcept override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
