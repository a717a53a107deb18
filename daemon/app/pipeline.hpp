// The ingest half of the data path, wired: every frame a source reports is
// decoded, matched against the live watchlist (file snapshot + live overlay),
// rendered as an alert for each endpoint whose filter passes, and appended to
// the outbox. When the outbox says the alert is durable, the records are
// handed to delivery on the io thread.
//
// Incident response (set_incident, all optional):
//  - every transfer is recorded in the retro-scan index before matching;
//  - a match on a followed entry may derive new entries (follow the money),
//    added to the registry at once, so the next transfer sees them;
//  - on_listed(addresses) (API adds, derived entries, file reloads) scans the
//    index and alerts the stored transfers of those addresses as
//    transfer.retro.
//
// Thread: on_* calls arrive on the io thread (sources::Observer contract).
// The outbox's durable callback runs on its writer thread and only posts.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "core/transfer.hpp"
#include "decode/deposit.hpp"
#include "match/deduper.hpp"
#include "match/match.hpp"
#include "watchlist/overlay.hpp"
#include "outbox/outbox.hpp"
#include "sources/observer.hpp"
#include "watchlist/watchlist.hpp"

namespace boost::asio {
class io_context;
}
namespace fw::metrics {
class Metrics;
class IncidentMetrics;
struct SourceMetrics;
}
namespace fw::registry {
class Registry;
}
namespace fw::retro {
class Index;
struct ScanResult;
}
namespace fw::follow {
class Rules;
}
namespace fw::alert {
class Explorers;
}

namespace fw::app {

class Pipeline final : public sources::Observer {
 public:
  // Called on the io thread with records that just became durable.
  using DeliverFn = std::function<void(std::vector<outbox::Record>)>;

  Pipeline(boost::asio::io_context& io, const config::Config& cfg, watchlist::Holder& watchlist,
           outbox::Outbox& outbox, metrics::Metrics& metrics, DeliverFn deliver);
  ~Pipeline() override;

  void on_frame(std::string_view source, std::string_view payload,
                std::chrono::steady_clock::time_point received) override;
  void on_state(std::string_view source, sources::SourceState state, std::string_view reason) override;
  void on_frame_rejected(std::string_view source, std::string_view reason, std::string_view excerpt) override;
  void on_reconnect(std::string_view source) override;
  void on_transfers(std::string_view source, std::vector<Transfer>& transfers,
                    std::chrono::steady_clock::time_point received) override;
  void on_block(std::string_view source, std::uint64_t height, bool reorg) override;
  void on_checkpoint(std::string_view source, std::string state, std::function<void()> durable) override;
  void on_decode_error(std::string_view source, std::string_view reason, std::string_view detail) override;
  void on_events_ignored(std::string_view source, std::string_view reason, std::uint64_t count) override;

  // The outbox key a source's checkpoints are stored under.
  static std::string state_key(std::string_view source);

  struct SourceStatus {
    std::string name;
    sources::SourceState state = sources::SourceState::connecting;
    std::string reason;
    std::chrono::steady_clock::time_point last_frame{};
    std::uint64_t frames = 0;
  };
  std::vector<SourceStatus> source_status() const;

  // Frame-received time of alerts still in flight, by outbox seq (io thread);
  // delivery uses it for the detection -> 2xx latency. Erases the entry.
  std::optional<std::chrono::steady_clock::time_point> take_received(std::int64_t seq);

  // After this, frames are counted but no longer produce alerts (shutdown).
  void close_intake() { intake_open_ = false; }

  // The incident-response parts; every pointer may be null (feature off).
  // Set before the sources start; the objects must outlive the pipeline's use.
  struct Incident {
    watchlist::OverlayHolder* overlay = nullptr;
    registry::Registry* registry = nullptr;  // follow-the-money entries are added here
    retro::Index* retro = nullptr;
    const follow::Rules* follow = nullptr;
    const alert::Explorers* explorers = nullptr;
    metrics::IncidentMetrics* metrics = nullptr;
    match::ListTraits traits;
  };
  void set_incident(Incident incident);

  // Addresses just listed (io thread): their transfers in the retro-scan
  // index alert as transfer.retro. `why` names the trigger in the log.
  void on_listed(std::vector<std::string> addresses, std::int64_t listed_at_ms, std::string_view why);

 private:
  struct PerSource;
  PerSource& source(std::string_view name);
  void process(PerSource& src, std::string_view payload, std::chrono::steady_clock::time_point received);
  // match -> alert -> outbox for one decoded transfer (any source).
  void alert_on(const Transfer& t, std::chrono::steady_clock::time_point received);
  // alert -> outbox for matches of `t`; returns the alerts appended.
  std::size_t emit(const std::vector<match::Match>& matches, const Transfer& t,
                   std::optional<std::chrono::steady_clock::time_point> received);
  void retro_alerts(const retro::ScanResult& result, const std::vector<std::string>& addresses,
                    std::int64_t listed_at_ms, const std::string& why);

  boost::asio::io_context& io_;
  const config::Config& cfg_;
  watchlist::Holder& watchlist_;
  outbox::Outbox& outbox_;
  metrics::Metrics& metrics_;
  DeliverFn deliver_;
  std::unordered_map<std::string, std::unique_ptr<PerSource>> sources_;
  match::Deduper dedup_;
  Incident incident_;
  Transfer scratch_;
  bool intake_open_ = true;
  // Only touched on the io thread.
  std::unordered_map<std::int64_t, std::chrono::steady_clock::time_point> received_by_seq_;
};

}  // namespace fw::app
