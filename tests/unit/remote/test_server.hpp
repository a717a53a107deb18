// A scripted HTTP/1.1 server on 127.0.0.1 (port 0) for the remote tests:
// plain POSIX sockets, one thread for accepting and one per connection.
// Every request is recorded; the handler decides the response.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fw::remote::test {

struct Request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool content_length = true;  // false: the body ends when the connection closes
  bool hang = false;           // never answer (until the server stops)
};

class TestServer {
 public:
  using Handler = std::function<Response(const Request&)>;

  explicit TestServer(Handler handler);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;  // http://127.0.0.1:PORT + path
  void set_handler(Handler handler);
  std::vector<Request> requests() const;
  std::size_t request_count() const;
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<Request> requests_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace fw::remote::test
