#include "pipeline_bench_net.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#include <cstring>
#include <deque>
#include <stdexcept>

namespace fw::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::optional<std::uint64_t> listed_index_in(std::string_view text) {
  static constexpr std::string_view key = R"("deposit_id":"L-)";
  const auto at = text.find(key);
  if (at == std::string_view::npos || at + key.size() + kSeqDigits > text.size()) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kSeqDigits; ++i) {
    const char c = text[at + key.size() + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

void put_seq(char* at, std::uint64_t value) noexcept {
  for (std::size_t i = kSeqDigits; i-- > 0;) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

WireFrame make_wire_frame(std::string_view json) {
  WireFrame f;
  f.bytes.push_back(static_cast<char>(0x81));  // FIN + text; a server frame is not masked
  if (json.size() < 126) {
    f.bytes.push_back(static_cast<char>(json.size()));
  } else if (json.size() < 65536) {
    f.bytes.push_back(static_cast<char>(126));
    f.bytes.push_back(static_cast<char>(json.size() >> 8));
    f.bytes.push_back(static_cast<char>(json.size() & 0xff));
  } else {
    throw std::invalid_argument("bench frame too large");
  }
  f.payload_at = f.bytes.size();
  f.bytes.append(json);
  return f;
}

namespace {

double thread_cpu(pthread_t t) {
  clockid_t id;
  if (pthread_getcpuclockid(t, &id) != 0) return 0;
  timespec ts{};
  if (clock_gettime(id, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void sleep_until_ns(std::int64_t t) {
  timespec ts{};
  ts.tv_sec = t / 1'000'000'000;
  ts.tv_nsec = t % 1'000'000'000;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

// ---------------------------------------------------------------- feed ----

struct FeedServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<websocket::stream<tcp::socket>> ws;
  std::vector<WireFrame> unlisted;
  std::vector<WireFrame> listed;
  std::atomic<std::int64_t>* listed_send_ns = nullptr;
  std::size_t listed_capacity = 0;

  std::uint64_t next_seq = 0;
  std::uint64_t next_listed = 0;
  std::size_t unlisted_pos = 0;

  std::mutex mutex;
  std::condition_variable cv;
  bool connected = false;
  bool quit = false;
  std::optional<FeedPhase> job;
  std::optional<FeedPhaseResult> done;
  std::string failure;
  std::thread thread;

  void main() {
    pthread_setname_np(pthread_self(), "bench-feed");
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // paced sends wake on time, not 50 us late
    try {
      tcp::socket sock(io);
      acceptor.accept(sock);
      sock.set_option(tcp::no_delay(true));
      ws.emplace(std::move(sock));
      ws->accept();
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      failure = e.what();
      cv.notify_all();
      return;
    }
    {
      std::lock_guard lock(mutex);
      connected = true;
    }
    cv.notify_all();
    for (;;) {
      FeedPhase phase;
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return quit || job.has_value(); });
        if (quit) break;
        phase = *job;
        job.reset();
      }
      FeedPhaseResult r = run_phase(phase);
      {
        std::lock_guard lock(mutex);
        done = r;
      }
      cv.notify_all();
    }
    beast::error_code ec;
    ws->next_layer().shutdown(tcp::socket::shutdown_both, ec);
    ws->next_layer().close(ec);
  }

  FeedPhaseResult run_phase(const FeedPhase& phase) {
    FeedPhaseResult r;
    r.first_seq = next_seq;
    r.listed_first = next_listed;
    constexpr std::size_t kBatchBytes = 64 * 1024;
    std::string batch;
    batch.reserve(kBatchBytes + 4096);
    std::vector<std::uint64_t> batch_listed;
    tcp::socket& sock = ws->next_layer();

    auto flush = [&] {
      if (batch.empty()) return;
      const std::int64_t t = now_ns();
      for (auto idx : batch_listed) listed_send_ns[idx].store(t, std::memory_order_relaxed);
      beast::error_code ec;
      asio::write(sock, asio::buffer(batch), ec);
      ++r.writes;
      batch.clear();
      batch_listed.clear();
      if (ec) throw std::runtime_error("feed write: " + ec.message());
    };

    const double ns_per_frame = phase.rate > 0 ? 1e9 / phase.rate : 0;
    r.start_ns = now_ns();
    for (std::uint64_t i = 0; i < phase.frames; ++i) {
      if (phase.rate > 0) {
        const auto due = r.start_ns + static_cast<std::int64_t>(static_cast<double>(i) * ns_per_frame);
        if (now_ns() < due) {
          flush();
          sleep_until_ns(due);
        }
        if (now_ns() - due > 200'000) ++r.late_frames;
      }
      const bool is_listed = phase.listed_every != 0 && i % phase.listed_every == phase.listed_every - 1 &&
                             !listed.empty() && next_listed < listed_capacity;
      const WireFrame& f = is_listed ? listed[next_listed % listed.size()] : unlisted[unlisted_pos++ % unlisted.size()];
      const std::size_t at = batch.size();
      batch.append(f.bytes);
      char* id = batch.data() + at + f.payload_at + kSeqAt;
      if (is_listed) {
        put_seq(id, next_listed);
        batch_listed.push_back(next_listed++);
        ++r.listed_count;
      } else {
        put_seq(id, next_seq);
      }
      ++next_seq;
      ++r.frames;
      if (batch.size() >= kBatchBytes) flush();
    }
    flush();
    r.end_ns = now_ns();
    return r;
  }
};

FeedServer::FeedServer(std::vector<WireFrame> unlisted, std::vector<WireFrame> listed,
                       std::atomic<std::int64_t>* listed_send_ns, std::size_t listed_capacity)
    : impl_(std::make_unique<Impl>()) {
  if (unlisted.empty()) throw std::invalid_argument("feed needs unlisted frames");
  impl_->unlisted = std::move(unlisted);
  impl_->listed = std::move(listed);
  impl_->listed_send_ns = listed_send_ns;
  impl_->listed_capacity = listed_capacity;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->thread = std::thread([this] { impl_->main(); });
}

FeedServer::~FeedServer() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->quit = true;
  }
  impl_->cv.notify_all();
  if (!impl_->connected) ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);  // unblock accept()
  impl_->thread.join();
}

bool FeedServer::wait_connected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->connected || !impl_->failure.empty(); });
  return impl_->connected;
}

FeedPhaseResult FeedServer::run(const FeedPhase& phase) {
  std::unique_lock lock(impl_->mutex);
  impl_->done.reset();
  impl_->job = phase;
  impl_->cv.notify_all();
  impl_->cv.wait(lock, [&] { return impl_->done.has_value(); });
  return *impl_->done;
}

double FeedServer::thread_cpu_seconds() const { return thread_cpu(impl_->thread.native_handle()); }

// ------------------------------------------------------------ receiver ----

struct WebhookReceiver::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  OnRequest on_request;
  std::atomic<std::uint64_t>* requests = nullptr;
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::deque<tcp::socket> sockets;  // deque: stable addresses for the connection threads
  std::vector<std::thread> threads;
  std::thread acceptor_thread;

  void accept_loop() {
    pthread_setname_np(pthread_self(), "bench-recv-acc");
    for (;;) {
      tcp::socket sock(io);
      beast::error_code ec;
      acceptor.accept(sock, ec);
      if (ec || stopping.load()) return;
      sock.set_option(tcp::no_delay(true), ec);
      std::lock_guard lock(mutex);
      tcp::socket& s = sockets.emplace_back(std::move(sock));
      threads.emplace_back([this, &s] { serve(s); });
    }
  }

  void serve(tcp::socket& sock) {
    pthread_setname_np(pthread_self(), "bench-recv");
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(sock, buffer, req, ec);
      if (ec) return;
      const std::int64_t t = now_ns();
      requests->fetch_add(1, std::memory_order_relaxed);
      on_request(req.body(), t);
      http::response<http::empty_body> res{http::status::ok, 11};
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(sock, res, ec);
      if (ec || !req.keep_alive()) return;
    }
  }
};

WebhookReceiver::WebhookReceiver(OnRequest on_request) : impl_(std::make_unique<Impl>()) {
  impl_->on_request = std::move(on_request);
  impl_->requests = &requests_;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->acceptor_thread = std::thread([this] { impl_->accept_loop(); });
}

WebhookReceiver::~WebhookReceiver() {
  impl_->stopping = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);  // accept() returns
  impl_->acceptor_thread.join();
  std::lock_guard lock(impl_->mutex);
  for (auto& s : impl_->sockets) ::shutdown(s.native_handle(), SHUT_RDWR);  // blocked reads return
  for (auto& t : impl_->threads) t.join();
}

}  // namespace fw::bench
