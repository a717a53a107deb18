// summarize(): the human view `freezewatch check-config` prints. Secrets
// (header values, webhook secrets) and the parts of a URL that may carry
// credentials (userinfo, query) are shown as <redacted>.
#include <boost/url/parse.hpp>
#include <charconv>

#include "config/config.hpp"

namespace fw::config {
namespace {

std::string yes_no(bool b) { return b ? "true" : "false"; }

std::string number(double d) {
  char buf[400];  // fits any double in fixed notation
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);  // shortest round-trip
  return std::string(buf, res.ptr);
}

std::string safe_url(const std::string& url) {
  auto r = boost::urls::parse_uri(url);
  if (!r) return Secret::redacted();
  const boost::urls::url_view u = *r;
  std::string out(std::string_view(u.scheme()));
  out += "://";
  if (u.has_userinfo()) out += std::string(Secret::redacted()) + "@";
  out += std::string_view(u.encoded_host_and_port());
  out += std::string_view(u.encoded_path());
  if (u.has_query()) out += std::string("?") + Secret::redacted();
  return out;
}

std::string header_list(const std::map<std::string, Secret>& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out += ", ";
    out += name + "=" + Secret::redacted();
  }
  return out;
}

template <class T, class F>
std::string join(const std::vector<T>& items, F&& fn) {
  std::string out;
  for (const auto& it : items) {
    if (!out.empty()) out += ",";
    out += fn(it);
  }
  return out;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

void source_lines(std::string& out, const SourceConfig& s) {
  out += "  - " + s.name + " (" + std::string(to_string(s.type)) + ")\n";
  if (s.type == SourceConfig::Type::replay) {
    out += "      path: " + s.path + "\n";
    out += "      rate_per_second: " +
           (s.rate_per_second == 0 ? std::string("unlimited") : number(s.rate_per_second)) +
           ", loop: " + yes_no(s.loop) + "\n";
    return;
  }
  if (s.type != SourceConfig::Type::deposits_ws) {
    using T = SourceConfig::Type;
    const bool tron = s.type == T::tron_grid || s.type == T::tron_events;
    out += "      chain: " + s.chain_name + " " + std::string(to_string(s.network)) + ", final " +
           (tron ? std::string("when solidified (TronGrid only_confirmed / the node's solidified events)")
                 : "after " + plural(s.final_depth, "confirmation"));
    if (s.type == T::stacks_node || s.type == T::stacks_api)
      out += ", " + plural(s.tokens.size(), "configured token") + " (plus the built-in registry)";
    else if (s.type == T::evm || tron)
      out += ", tokens: " + (s.tokens.empty() ? std::string("built-in defaults (USDT, USDC)")
                                              : plural(s.tokens.size(), "configured token") +
                                                    " (replace the defaults)");
    out += "\n";
  }
  if (s.type == SourceConfig::Type::stacks_node || s.type == SourceConfig::Type::tron_events) {
    out += "      listen: " + s.listen_host + ":" + std::to_string(s.listen_port) + ", spool: " + s.spool_dir +
           ", max_body_bytes: " + std::to_string(s.max_body_bytes) + "\n";
    return;
  }
  if (s.type == SourceConfig::Type::evm)
    out += "      chain_id: " + std::to_string(s.chain_id) + ", native_transfers: " + yes_no(s.native_transfers) +
           ", eth_getLogs range: " + plural(s.getlogs_max_range, "block") + "\n";
  if (s.type == SourceConfig::Type::mempool_space)
    out += "      max_tracked_addresses: " + std::to_string(s.max_tracked_addresses) + " per connection\n";
  if (s.type == SourceConfig::Type::tron_grid) {
    out += "      api_url: " + safe_url(s.api_url) + ", poll every " + std::to_string(s.poll_interval_ms) +
           " ms, request timeout " + std::to_string(s.request_timeout_ms) + " ms\n";
    if (!s.headers.empty()) out += "      headers: " + header_list(s.headers) + "\n";
    return;
  }
  if (s.type == SourceConfig::Type::stacks_api)
    out += "      api_url: " + safe_url(s.api_url) + ", request timeout " + std::to_string(s.request_timeout_ms) +
           " ms, backfill at most " + plural(s.backfill_max_blocks, "block") + "\n";
  out += "      url: " + safe_url(s.url) + "\n";
  if (!s.headers.empty()) out += "      headers: " + header_list(s.headers) + "\n";
  if (!s.subscribe_message.empty())
    out += "      subscribe_message: " + std::to_string(s.subscribe_message.size()) + " bytes\n";
  out += "      tls_verify: " + yes_no(s.tls_verify) + (s.ca_file.empty() ? "" : ", ca_file: " + s.ca_file) +
         "\n";
  out += "      timeouts: connect " + std::to_string(s.connect_timeout_ms) + " ms, idle " +
         std::to_string(s.idle_timeout_ms) + " ms, ping every " + std::to_string(s.ping_interval_ms) +
         " ms, stale after " + (s.stale_after_ms ? std::to_string(s.stale_after_ms) + " ms" : "never") + "\n";
  out += "      max_frame_bytes: " + std::to_string(s.max_frame_bytes) +
         ", reconnect: " + std::to_string(s.reconnect.initial_ms) + ".." +
         std::to_string(s.reconnect.max_ms) + " ms\n";
  if (s.type != SourceConfig::Type::deposits_ws) return;
  if (s.mapping) {
    out += "      mapping: " + plural(s.mapping->fields.size(), "field");
    if (!s.mapping->type_pointer.empty())
      out += ", deposits where " + s.mapping->type_pointer + " == \"" + s.mapping->type_value + "\"";
    out += "\n";
  } else {
    out += "      mapping: canonical deposit events\n";
  }
}

void webhook_lines(std::string& out, const WebhookConfig& w) {
  out += "  - " + w.name + " (" + std::string(to_string(w.type)) + ")\n";
  if (w.type == WebhookConfig::Type::http) {
    out += "      url: " + safe_url(w.url) + "\n";
    out += "      secrets: " + std::to_string(w.secrets.size()) + " x " + Secret::redacted() + "\n";
    if (!w.headers.empty()) out += "      headers: " + header_list(w.headers) + "\n";
    out += "      tls_verify: " + yes_no(w.tls_verify) +
           (w.ca_file.empty() ? "" : ", ca_file: " + w.ca_file) + "\n";
    out += "      timeout: " + std::to_string(w.timeout_ms) +
           " ms, concurrency: " + std::to_string(w.concurrency) +
           ", retry: " + std::to_string(w.retry.initial_ms) + ".." + std::to_string(w.retry.max_ms) +
           " ms for " + std::to_string(w.retry_for_ms) + " ms, then dead-letter\n";
  }
  out += "      heartbeat: " +
         (w.heartbeat_interval_ms ? "every " + std::to_string(w.heartbeat_interval_ms) + " ms"
                                  : std::string("off")) +
         "\n";
  const WebhookFilter& f = w.filter;
  out += "      filter: chains=" +
         (f.chains.empty() ? std::string("all")
                           : join(f.chains, [](Chain c) { return std::string(to_string(c)); })) +
         " assets=" +
         (f.assets.empty() ? std::string("all") : join(f.assets, [](const std::string& a) { return a; })) +
         " min_amount=" + (f.min_amount.empty() ? std::string("none") : f.min_amount) +
         " direction=" + std::string(to_string(f.direction)) + " stages=" +
         (f.stages.empty() ? std::string("all") : join(f.stages, [](const std::string& a) { return a; })) +
         " suspected=" + yes_no(f.suspected) + "\n";
}

}  // namespace

std::string summarize(const Config& c) {
  std::string out;
  out += "config: " + (c.path.empty() ? std::string("(built-in defaults)") : c.path) + "\n";
  out += "log: level=" + std::string(to_string(c.log.level)) +
         " format=" + std::string(to_string(c.log.format)) + "\n";
  out += "storage: dir=" + c.storage.dir + " sync=" + std::string(to_string(c.storage.sync)) + "\n";
  out += "admin: " +
         (c.admin.enabled ? "listening on " +
                                (c.admin.listen_address.find(':') != std::string::npos
                                     ? "[" + c.admin.listen_address + "]"
                                     : c.admin.listen_address) +
                                ":" + std::to_string(c.admin.port)
                          : std::string("disabled")) +
         "\n";
  if (c.admin.enabled) {
    out += "  api: " + (c.admin.tokens.empty() ? std::string("no tokens: watchlist API answers 401")
                                               : plural(c.admin.tokens.size(), "token") + " (" +
                                                     join(c.admin.tokens, [](const AdminToken& t) { return t.name; }) +
                                                     ") x " + Secret::redacted()) +
           ", tls: " + (c.admin.tls_cert_file.empty() ? std::string("off") : "on (" + c.admin.tls_cert_file + ")") +
           ", max_body_bytes: " + std::to_string(c.admin.max_body_bytes) + "\n";
    if (!c.admin.tokens.empty() && c.admin.tls_cert_file.empty() && c.admin.listen_address != "127.0.0.1" &&
        c.admin.listen_address != "::1")
      out += "  warning: bearer tokens travel in clear text to a non-loopback listener; set tls_cert_file/tls_key_file\n";
  }

  const WatchlistsConfig& wl = c.watchlists;
  out += "watchlists: " + plural(wl.files.size(), "file") + ", watch_files=" + yes_no(wl.watch_files) +
         ", poll_interval_ms=" + std::to_string(wl.poll_interval_ms) + "\n";
  for (const WatchlistFile& f : wl.files) {
    out += "  - " + f.name + ": " + f.path + " (" + std::string(to_string(f.format)) +
           ", chain=" + (f.chain ? std::string(to_string(*f.chain)) : std::string("by address syntax")) +
           ", strict=" + yes_no(f.strict) + ", severity=" + f.severity;
    if (!f.source.empty()) out += ", source=\"" + f.source + "\"";
    if (!f.incident.empty()) out += ", incident=\"" + f.incident + "\"";
    if (f.follow) out += ", follow=true";
    out += ")\n";
    if (f.remote)
      out += "      remote: " + safe_url(f.remote->url) + " every " + std::to_string(f.remote->interval_ms) +
             " ms, timeout " + std::to_string(f.remote->timeout_ms) + " ms, max " +
             std::to_string(f.remote->max_bytes) + " bytes" +
             (f.remote->headers.empty() ? "" : ", headers: " + header_list(f.remote->headers)) + "\n";
  }
  out += "  twins: evm_tron=" + yes_no(wl.twins.evm_tron) + " stacks_bitcoin=" + yes_no(wl.twins.stacks_bitcoin) + "\n";
  const FollowConfig& fo = wl.follow;
  out += "  follow the money: ";
  if (fo.incidents.empty())
    out += "incidents none (lists with follow: true and API entries with follow only)";
  else
    out += "incidents " + join(fo.incidents, [](const std::string& a) { return a; });
  out += ", max_hops=" + std::to_string(fo.max_hops) + ", min_amount=";
  if (fo.min_amount.empty()) out += "none set (nothing is followed)";
  for (auto it = fo.min_amount.begin(); it != fo.min_amount.end(); ++it)
    out += (it == fo.min_amount.begin() ? "" : ",") + it->first + ":" + it->second;
  out += ", " + plural(fo.exclude.size(), "excluded address") + " + " + plural(fo.exclude_files.size(), "exclusion file") +
         ", expire after " + std::to_string(fo.expire_after_hours) + " h\n";
  out += "retro-scan: " + (c.retro.enabled ? "window " + std::to_string(c.retro.window_hours) + " h, at most " +
                                                 std::to_string(c.retro.max_transfers) + " transfers"
                                           : std::string("off")) +
         "\n";
  if (!c.explorers.empty())
    out += "explorers: " + join(c.explorers, [](const ExplorerConfig& e) { return e.chain_name; }) +
           " (others: built-in defaults)\n";

  out += "sources: " + plural(c.sources.size(), "source") + "\n";
  for (const SourceConfig& s : c.sources) source_lines(out, s);

  out += "webhooks: " + plural(c.webhooks.size(), "webhook") + "\n";
  for (const WebhookConfig& w : c.webhooks) webhook_lines(out, w);
  return out;
}

}  // namespace fw::config
