// A scriptable websocket server for tests: speaks the real protocol (Beast)
// on 127.0.0.1, port 0, optionally over TLS, on its own thread.
//
//   fw::test::WsServer server;                 // listening when constructed
//   server.url("/stream")                      // "ws://127.0.0.1:PORT/stream"
//   server.wait_for_connections(1, 2s);
//   server.send(R"({"type":"deposit"})");      // to every open connection
//   server.drop();                             // TCP close, no close frame
//   server.received()                          // client messages, in order
//
// Every scripting call is thread-safe and has taken effect on the server
// thread when it returns (sends are queued in order on each connection).
// "Every connection" includes one whose upgrade is being answered, so a
// client that has seen its handshake complete is always reached.
// Waits poll with a deadline and return false on timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fw::test {

class WsServer {
 public:
  struct Options {
    bool tls = false;
    std::string cert_file;  // PEM chain (tls)
    std::string key_file;   // PEM private key (tls)
  };

  WsServer();
  explicit WsServer(Options options);
  ~WsServer();
  WsServer(const WsServer&) = delete;
  WsServer& operator=(const WsServer&) = delete;

  std::uint16_t port() const noexcept;
  // "ws://127.0.0.1:PORT" + target ("wss://" with tls).
  std::string url(const std::string& target = "/") const;

  // --- scripting --------------------------------------------------------
  void send(std::string text);           // text frame to every open connection
  void send_binary(std::string bytes);   // binary frame to every open connection
  void drop();                           // close every connection's socket abruptly (no close frame)
  void close(std::uint16_t code = 1000); // websocket close handshake on every connection
  // Frozen: open connections stop reading (so pings go unanswered) and
  // writing; new connections are accepted and then frozen too. Unfreezing
  // affects new connections only: frozen ones stay frozen until dropped.
  void set_frozen(bool frozen);
  // Non-zero: answer upgrade requests with this HTTP status and close.
  void set_reject_status(unsigned status);
  // Frames sent on every new connection right after the upgrade.
  void set_greeting(std::vector<std::string> frames);

  // --- observations -----------------------------------------------------
  std::size_t tcp_accepts() const;       // TCP connections accepted
  std::size_t connections() const;       // websocket upgrades completed
  std::size_t open_connections() const;  // upgraded and not yet ended
  std::vector<std::string> received() const;  // messages from clients, all connections, in order
  // Headers of the latest upgrade request; names lower-cased.
  std::map<std::string, std::string> last_request_headers() const;
  std::string last_request_target() const;
  std::vector<std::uint16_t> close_codes() const;  // close codes clients sent
  std::string last_sni() const;  // TLS server name the latest client sent ("" = none)

  bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const;
  bool wait_for_open(std::size_t n, std::chrono::milliseconds timeout) const;  // open_connections() == n
  bool wait_for_received(std::size_t n, std::chrono::milliseconds timeout) const;
  bool wait_for_tcp_accepts(std::size_t n, std::chrono::milliseconds timeout) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Writes a self-signed certificate (P-256, SHA-256, 1 day) and its key as PEM
// files cert.pem / key.pem into `dir`. `names` become subjectAltNames: IP
// literals as IP entries, anything else as DNS. Throws on failure.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};
TlsFiles make_self_signed_cert(const std::string& dir, const std::vector<std::string>& names);

// A fresh empty directory under the system temp dir (for certs, replay files).
std::string make_temp_dir();

}  // namespace fw::test
