// An exchange's deposit stream: a WsClient configured from a SourceConfig of
// type deposits_ws. Sends subscribe_message after every (re)connect and
// forwards everything to the Observer under the source's name. Moves bytes
// only: whether a frame is a valid deposit event is decode's business.
//
// Thread and lifetime: as WsClient (io thread; destroy any time, no Observer
// call after the destructor began; the Observer outlives the source).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "sources/observer.hpp"
#include "sources/source.hpp"
#include "sources/ws_client.hpp"

namespace fw::sources {

class DepositWsSource final : public Source {
 public:
  DepositWsSource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer);
  ~DepositWsSource() override;

  void start() override;
  void stop() override;
  const std::string& name() const noexcept override { return name_; }
  SourceState state() const noexcept override;
  SourceStats stats() const noexcept override;

  // The client options a config maps to (header values revealed here, and
  // only handed to the client).
  static WsOptions options_from(const config::SourceConfig& config);

 private:
  std::string name_;
  std::string subscribe_message_;
  std::chrono::milliseconds close_grace_;
  Observer& observer_;
  std::unique_ptr<WsClient> client_;  // last: destroyed first, before what its hooks use
};

}  // namespace fw::sources
