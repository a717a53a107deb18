#include "sources/json_rpc.hpp"

#include <simdjson.h>

#include <atomic>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "log/log.hpp"
#include "sources/json_rpc_coro.hpp"

namespace fw::sources {

namespace net = boost::asio;
namespace od = simdjson::ondemand;
using ms = std::chrono::milliseconds;

std::string RpcResult::describe() const {
  switch (status) {
    case Status::ok: return "ok";
    case Status::error: {
      std::string out = "error " + std::to_string(code) + ": " + message;
      if (!data.empty()) out += " (data " + log::excerpt(data, 120) + ")";
      return out;
    }
    case Status::timeout: return message.empty() ? "timeout" : message;
    case Status::disconnected: return "disconnected: " + message;
    case Status::stopped: return "stopped";
  }
  return message;
}

struct JsonRpc::Impl {
  Impl(net::io_context& io, std::string name, Send send, ms timeout)
      : io_(io), name_(std::move(name)), send_(std::move(send)), timeout_(timeout) {}

  struct Pending {
    Done done;
    std::unique_ptr<net::steady_timer> timer;
  };

  net::io_context& io_;
  std::string name_;
  Send send_;
  ms timeout_;
  std::int64_t next_id_ = 1;
  std::unordered_map<std::int64_t, Pending> pending_;
  bool stopped_ = false;

  od::parser parser_;
  std::string buffer_;  // the frame plus simdjson's padding

  std::atomic<std::uint64_t> calls_{0}, errors_{0}, timeouts_{0}, late_{0}, invalid_{0};
  std::atomic<std::size_t> pending_count_{0};

  void finish(Done done, RpcResult r) {
    net::post(io_, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  }

  // Completes call `id` with `r`; false when it is not pending.
  bool complete(std::int64_t id, RpcResult r) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return false;
    Pending p = std::move(it->second);
    pending_.erase(it);
    pending_count_.store(pending_.size(), std::memory_order_relaxed);
    if (p.timer) p.timer->cancel();
    finish(std::move(p.done), std::move(r));
    return true;
  }

  void complete_all(RpcResult::Status status, std::string_view reason) {
    auto all = std::move(pending_);
    pending_.clear();
    pending_count_.store(0, std::memory_order_relaxed);
    for (auto& [id, p] : all) {
      if (p.timer) p.timer->cancel();
      RpcResult r;
      r.status = status;
      r.message = std::string(reason);
      finish(std::move(p.done), std::move(r));
    }
  }

  std::int64_t call(const std::shared_ptr<Impl>& self, std::string_view method, std::string_view params, Done done,
                    std::optional<ms> timeout) {
    const std::int64_t id = next_id_++;
    calls_.fetch_add(1, std::memory_order_relaxed);
    if (stopped_) {
      finish(std::move(done), RpcResult{RpcResult::Status::stopped, {}, 0, "stopped", {}});
      return id;
    }
    std::string msg;
    msg.reserve(48 + method.size() + params.size());
    msg += R"({"jsonrpc":"2.0","id":)";
    msg += std::to_string(id);
    msg += R"(,"method":")";
    msg += method;
    msg += R"(","params":)";
    msg += params.empty() ? std::string_view("[]") : params;
    msg += '}';
    if (!send_ || !send_(std::move(msg))) {
      finish(std::move(done), RpcResult{RpcResult::Status::disconnected, {}, 0, "not sent: no open connection", {}});
      return id;
    }
    const ms limit = timeout.value_or(timeout_);
    Pending p{std::move(done), std::make_unique<net::steady_timer>(io_)};
    p.timer->expires_after(limit);
    p.timer->async_wait([weak = std::weak_ptr<Impl>(self), id, limit](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: answered or failed already
      auto s = weak.lock();
      if (!s) return;
      RpcResult r;
      r.status = RpcResult::Status::timeout;
      r.message = "timeout after " + std::to_string(limit.count()) + " ms";
      if (s->complete(id, std::move(r))) s->timeouts_.fetch_add(1, std::memory_order_relaxed);
    });
    pending_.emplace(id, std::move(p));
    pending_count_.store(pending_.size(), std::memory_order_relaxed);
    return id;
  }

  static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
      s.remove_suffix(1);
    return s;
  }

  // The raw JSON text of `v`, consuming it.
  static simdjson::error_code raw(od::value v, std::string_view& out) {
    od::json_type type;
    if (auto err = v.type().get(type)) return err;
    if (type == od::json_type::object) {
      od::object o;
      if (auto err = v.get_object().get(o)) return err;
      return o.raw_json().get(out);
    }
    if (type == od::json_type::array) {
      od::array a;
      if (auto err = v.get_array().get(a)) return err;
      return a.raw_json().get(out);
    }
    out = trim(v.raw_json_token());
    return simdjson::SUCCESS;
  }

  RpcMessage invalid(std::string why, std::string_view frame) {
    invalid_.fetch_add(1, std::memory_order_relaxed);
    RpcMessage m;
    m.kind = RpcMessage::Kind::invalid;
    m.error = std::move(why) + ": " + log::excerpt(frame, 120);
    return m;
  }

  RpcMessage handle(std::string_view frame) {
    buffer_.resize(frame.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(buffer_.data(), frame.data(), frame.size());
    od::document doc;
    if (parser_.iterate(buffer_.data(), frame.size(), buffer_.size()).get(doc))
      return invalid("not JSON", frame);
    od::object obj;
    if (auto err = doc.get_object().get(obj))
      return invalid(err == simdjson::INCORRECT_TYPE ? "not a JSON-RPC object (batches are not supported)" : "not JSON",
                     frame);

    bool has_id = false, id_is_int = false, has_result = false, has_error = false, has_method = false;
    std::int64_t id = 0;
    std::string_view result, method, params, error_message, error_data;
    std::int64_t error_code = 0;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return invalid("not JSON", frame);
      od::value v;
      if (field.value().get(v)) return invalid("not JSON", frame);
      if (key == "id") {
        od::json_type t;
        if (v.type().get(t)) return invalid("not JSON", frame);
        if (t == od::json_type::null) continue;
        has_id = true;
        if (t == od::json_type::number) id_is_int = !v.get_int64().get(id);
      } else if (key == "result") {
        has_result = true;
        if (raw(v, result)) return invalid("not JSON", frame);
      } else if (key == "error") {
        has_error = true;
        od::object e;
        if (v.get_object().get(e)) return invalid("error is not an object", frame);
        for (auto ef : e) {
          std::string_view ek;
          if (ef.unescaped_key().get(ek)) return invalid("not JSON", frame);
          od::value ev;
          if (ef.value().get(ev)) return invalid("not JSON", frame);
          if (ek == "code") {
            if (ev.get_int64().get(error_code)) return invalid("error.code is not an integer", frame);
          } else if (ek == "message") {
            if (ev.get_string().get(error_message)) return invalid("error.message is not a string", frame);
          } else if (ek == "data") {
            if (raw(ev, error_data)) return invalid("not JSON", frame);
          }
        }
      } else if (key == "method") {
        has_method = true;
        if (v.get_string().get(method)) return invalid("method is not a string", frame);
      } else if (key == "params") {
        if (raw(v, params)) return invalid("not JSON", frame);
      }
    }
    if (has_method && !has_id) {
      RpcMessage m;
      m.kind = RpcMessage::Kind::notification;
      m.method = method;
      m.params = params;
      return m;
    }
    if (!has_id) {
      if (has_error)
        return invalid("error without an id: " + std::to_string(error_code) + " " + std::string(error_message), frame);
      return invalid("neither a response (id) nor a notification (method)", frame);
    }
    if (!has_result && !has_error) return invalid("response without result or error", frame);
    RpcMessage m;
    m.kind = RpcMessage::Kind::response;
    RpcResult r;
    if (has_error) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      r.status = RpcResult::Status::error;
      r.code = error_code;
      r.message = std::string(error_message);
      r.data = std::string(error_data);
    } else {
      r.result = std::string(result);
    }
    if (!id_is_int || !complete(id, std::move(r))) {
      m.late = true;
      late_.fetch_add(1, std::memory_order_relaxed);
    }
    return m;
  }
};

JsonRpc::JsonRpc(net::io_context& io, std::string name, Send send, ms timeout)
    : impl_(std::make_shared<Impl>(io, std::move(name), std::move(send), timeout)) {}

JsonRpc::~JsonRpc() {
  for (auto& [id, p] : impl_->pending_)
    if (p.timer) p.timer->cancel();
  impl_->pending_.clear();
  impl_->stopped_ = true;
}

std::int64_t JsonRpc::call(std::string_view method, std::string_view params_json, Done done, std::optional<ms> timeout) {
  return impl_->call(impl_, method, params_json, std::move(done), timeout);
}

RpcMessage JsonRpc::handle(std::string_view frame) { return impl_->handle(frame); }

void JsonRpc::fail_all(std::string_view reason) { impl_->complete_all(RpcResult::Status::disconnected, reason); }

void JsonRpc::stop() {
  impl_->stopped_ = true;
  impl_->complete_all(RpcResult::Status::stopped, "stopped");
}

std::size_t JsonRpc::pending() const noexcept { return impl_->pending_count_.load(std::memory_order_relaxed); }

JsonRpcStats JsonRpc::stats() const noexcept {
  const auto& s = *impl_;
  auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return JsonRpcStats{get(s.calls_), get(s.errors_), get(s.timeouts_), get(s.late_), get(s.invalid_)};
}

const std::string& JsonRpc::name() const noexcept { return impl_->name_; }

// --- coroutine forms ---------------------------------------------------------

namespace {

struct InitiateCall {
  JsonRpc* rpc;

  template <class Handler>
  void operator()(Handler&& handler, std::string method, std::string params, std::optional<ms> timeout) const {
    auto ex = net::get_associated_executor(handler, rpc->impl()->io_.get_executor());
    auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
    // `done` already runs posted; dispatch resumes on the coroutine's executor.
    rpc->call(
        method, params, [h, ex](RpcResult r) { net::dispatch(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); }); },
        timeout);
  }
};

struct InitiateCallAll {
  JsonRpc* rpc;

  template <class Handler>
  void operator()(Handler&& handler, std::vector<RpcCall> calls) const {
    auto ex = net::get_associated_executor(handler, rpc->impl()->io_.get_executor());
    struct State {
      std::decay_t<Handler> handler;
      std::vector<RpcResult> results;
      std::size_t remaining = 0;
    };
    auto st = std::make_shared<State>(State{std::forward<Handler>(handler), {}, calls.size()});
    st->results.resize(calls.size());
    if (calls.empty()) {
      net::post(ex, [st]() mutable { st->handler(std::move(st->results)); });
      return;
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
      rpc->call(calls[i].method, calls[i].params, [st, ex, i](RpcResult r) {
        st->results[i] = std::move(r);
        if (--st->remaining == 0) net::dispatch(ex, [st]() mutable { st->handler(std::move(st->results)); });
      });
    }
  }
};

}  // namespace

net::awaitable<RpcResult> co_call(JsonRpc& rpc, std::string method, std::string params, std::optional<ms> timeout) {
  co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(RpcResult)>(
      InitiateCall{&rpc}, net::use_awaitable, std::move(method), std::move(params), timeout);
}

net::awaitable<std::vector<RpcResult>> co_call_all(JsonRpc& rpc, std::vector<RpcCall> calls) {
  co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(std::vector<RpcResult>)>(
      InitiateCallAll{&rpc}, net::use_awaitable, std::move(calls));
}

}  // namespace fw::sources
