// A scripted HTTP/1.1 (optionally TLS) server on 127.0.0.1 port 0 for the
// Dispatcher tests: it speaks the real protocol, runs on its own thread and
// io_context, records every request and every accepted connection, and
// answers as the script says (status, headers, delay, hang, close, drop).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fw::delivery::test {

struct Seen {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int connection = 0;  // 1-based id of the connection it came on
  std::chrono::steady_clock::time_point at;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // answer after this long
  bool hang = false;                   // never answer (until the server stops)
  bool close = false;                  // "Connection: close", then close
  bool close_silently = false;         // answer as keep-alive, then close anyway
  bool drop = false;                   // close without answering
};

// Self-signed certificate (also its own CA) for TLS tests.
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};
// `san` in OpenSSL config syntax, e.g. "IP:127.0.0.1, DNS:localhost".
TestCert make_test_cert(const std::string& common_name, const std::string& san);

class ScriptServer {
 public:
  // script(request, 0-based request index) -> reply; called on the server thread.
  using Script = std::function<Reply(const Seen&, int index)>;

  explicit ScriptServer(Script script);
  ScriptServer(Script script, const TestCert& tls);  // https
  ~ScriptServer();

  std::uint16_t port() const;
  std::string url(const std::string& path = "/hook") const;  // http(s)://127.0.0.1:<port><path>

  std::vector<Seen> requests() const;
  std::size_t request_count() const;
  int connections() const;       // accepted so far
  int max_concurrent() const;    // most requests being answered at the same time

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A TCP port on 127.0.0.1 with nothing listening (bound, then closed).
std::uint16_t unused_port();

}  // namespace fw::delivery::test
