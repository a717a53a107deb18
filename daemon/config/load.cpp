// load_file / load_string: walks the YAML tree once, section by section,
// filling the structs and collecting every problem (see config.hpp).
#include <algorithm>
#include <array>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <system_error>

#include "config/config.hpp"
#include "core/base64.hpp"
#include "config/reader.hpp"
#include "address/address.hpp"

namespace fw::config {
namespace {

using detail::Ctx;
using detail::Env;
using detail::Field;
using detail::MapReader;

template <class E, std::size_t N>
using Table = std::array<std::pair<std::string_view, E>, N>;

constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kYearMs = 365ull * 24 * 3600 * 1000;

constexpr Table<LogLevel, 5> kLogLevels{{{"trace", LogLevel::trace},
                                         {"debug", LogLevel::debug},
                                         {"info", LogLevel::info},
                                         {"warn", LogLevel::warn},
                                         {"error", LogLevel::error}}};
constexpr Table<LogFormat, 2> kLogFormats{{{"logfmt", LogFormat::logfmt}, {"json", LogFormat::json}}};
constexpr Table<StorageSync, 2> kStorageSyncs{{{"normal", StorageSync::normal}, {"full", StorageSync::full}}};
constexpr Table<WatchlistFile::Format, 2> kListFormats{
    {{"csv", WatchlistFile::Format::csv}, {"text", WatchlistFile::Format::text}}};
constexpr Table<SourceConfig::Type, 8> kSourceTypes{{{"deposits_ws", SourceConfig::Type::deposits_ws},
                                                     {"replay", SourceConfig::Type::replay},
                                                     {"stacks_node", SourceConfig::Type::stacks_node},
                                                     {"stacks_api", SourceConfig::Type::stacks_api},
                                                     {"evm", SourceConfig::Type::evm},
                                                     {"tron_grid", SourceConfig::Type::tron_grid},
                                                     {"tron_events", SourceConfig::Type::tron_events},
                                                     {"mempool_space", SourceConfig::Type::mempool_space}}};
constexpr Table<Network, 2> kNetworks{{{"mainnet", Network::mainnet}, {"testnet", Network::testnet}}};
constexpr Table<WebhookConfig::Type, 2> kWebhookTypes{
    {{"http", WebhookConfig::Type::http}, {"log", WebhookConfig::Type::log}}};
constexpr Table<Direction, 3> kDirections{
    {{"any", Direction::any}, {"from", Direction::from}, {"to", Direction::to}}};

constexpr std::string_view kSeverities[] = {"info", "low", "medium", "high", "critical"};
constexpr std::string_view kChainNames[] = {"stacks", "evm", "tron", "bitcoin"};

template <class E, std::size_t N>
std::string_view name_of(const Table<E, N>& t, E v) noexcept {
  for (const auto& [n, e] : t)
    if (e == v) return n;
  return "unknown";
}

// ---- keys valid at each place ------------------------------------------------

template <std::size_t... N>
constexpr auto concat(const std::string_view (&... lists)[N]) {
  std::array<std::string_view, (N + ...)> out{};
  std::size_t i = 0;
  ((std::copy(std::begin(lists), std::end(lists), out.begin() + i), i += N), ...);
  return out;
}

constexpr std::string_view kTopKeys[] = {"log",     "storage",   "admin",   "watchlists",
                                         "retro",   "explorers", "sources", "webhooks"};
constexpr std::string_view kLogKeys[] = {"level", "format"};
constexpr std::string_view kStorageKeys[] = {"dir", "sync"};
constexpr std::string_view kAdminKeys[] = {"enabled",     "listen_address", "port",         "tokens",
                                           "tokens_file", "tls_cert_file",  "tls_key_file", "max_body_bytes"};
constexpr std::string_view kTokenEntryKeys[] = {"name", "token"};
constexpr std::string_view kWatchlistsKeys[] = {"watch_files", "poll_interval_ms", "files", "twins", "follow"};
constexpr std::string_view kFollowKeys[] = {"incidents", "max_hops",      "min_amount",
                                            "exclude",   "exclude_files", "expire_after_hours"};
constexpr std::string_view kRetroKeys[] = {"enabled", "window_hours", "max_transfers"};
constexpr std::string_view kExplorerKeys[] = {"tx", "address"};
constexpr std::string_view kTwinsKeys[] = {"evm_tron", "stacks_bitcoin"};
constexpr std::string_view kListFileKeys[] = {"name",   "path",   "format",   "chain",
                                              "strict", "source", "incident", "severity", "follow"};
// A remote list has `url` instead of `path`, and these keys.
constexpr std::string_view kListRemoteKeys[] = {"url",        "headers", "interval_ms", "timeout_ms",
                                                "max_bytes",  "ca_file", "tls_verify"};
constexpr auto kListKeys = concat(kListFileKeys, kListRemoteKeys);
constexpr std::string_view kBackoffKeys[] = {"initial_ms", "max_ms"};
constexpr std::string_view kMappingKeys[] = {"type_pointer", "type_value", "fields"};
constexpr std::string_view kFilterKeys[] = {"chains", "assets", "min_amount", "direction", "stages", "suspected"};
constexpr std::string_view kStages[] = {"pending", "confirmed", "credited", "final", "retracted", "retro"};

// Source keys come in groups; each type allows some groups (groups_of).
constexpr std::string_view kSourceConnKeys[] = {"headers", "ca_file", "tls_verify"};
constexpr std::string_view kSourceWsKeys[] = {"url",           "connect_timeout_ms", "idle_timeout_ms",
                                              "ping_interval_ms", "stale_after_ms",   "max_frame_bytes",
                                              "reconnect"};
constexpr std::string_view kSourceDepositKeys[] = {"subscribe_message", "mapping"};
constexpr std::string_view kSourceReplayKeys[] = {"path", "rate_per_second", "loop"};
constexpr std::string_view kSourceChainKeys[] = {"chain_name", "network", "final_depth", "tokens"};
constexpr std::string_view kSourceNodeKeys[] = {"listen", "spool_dir", "max_body_bytes"};
constexpr std::string_view kSourceApiKeys[] = {"api_url"};
constexpr std::string_view kSourceRestKeys[] = {"request_timeout_ms", "backfill_max_blocks"};
constexpr std::string_view kSourceEvmKeys[] = {"chain_id", "native_transfers", "getlogs_max_range"};
constexpr std::string_view kSourcePollKeys[] = {"poll_interval_ms"};
constexpr std::string_view kSourceBtcKeys[] = {"max_tracked_addresses"};
constexpr std::string_view kSourceCommonKeys[] = {"name", "type"};
constexpr auto kSourceKeys =
    concat(kSourceCommonKeys, kSourceConnKeys, kSourceWsKeys, kSourceDepositKeys, kSourceReplayKeys, kSourceChainKeys,
           kSourceNodeKeys, kSourceApiKeys, kSourceRestKeys, kSourceEvmKeys, kSourcePollKeys, kSourceBtcKeys);
constexpr std::string_view kTokenKeys[] = {"asset", "symbol", "decimals"};

enum SourceGroup : unsigned {
  kConn = 1, kWs = 2, kDeposit = 4, kReplay = 8, kChainG = 16, kNode = 32, kApi = 64, kRest = 128,
  kEvm = 256, kPoll = 512, kBtc = 1024,
};
unsigned groups_of(SourceConfig::Type t) {
  using T = SourceConfig::Type;
  switch (t) {
    case T::deposits_ws: return kConn | kWs | kDeposit;
    case T::replay: return kReplay;
    case T::stacks_node: return kChainG | kNode;
    case T::stacks_api: return kConn | kWs | kChainG | kApi | kRest;
    case T::evm: return kConn | kWs | kChainG | kRest | kEvm;
    case T::tron_grid: return kConn | kChainG | kApi | kRest | kPoll;
    case T::tron_events: return kChainG | kNode;
    case T::mempool_space: return kConn | kWs | kChainG | kBtc;
  }
  return 0;
}

// Per-type defaults of the chain keys (applied before the keys are read).
void chain_defaults(SourceConfig& s) {
  using T = SourceConfig::Type;
  switch (s.type) {
    case T::evm: s.chain_name = "ethereum"; s.final_depth = 12; break;
    case T::tron_grid:
    case T::tron_events: s.chain_name = "tron"; s.final_depth = 19; break;
    case T::mempool_space: s.chain_name = "bitcoin"; s.final_depth = 6; break;
    default: break;
  }
}

constexpr std::string_view kWebhookHttpKeys[] = {"url",     "secrets",     "secret_file", "headers",
                                                 "ca_file", "tls_verify",  "timeout_ms",  "concurrency",
                                                 "retry",   "retry_for_ms"};
constexpr std::string_view kWebhookCommonKeys[] = {"name", "type", "heartbeat_interval_ms", "filter"};
constexpr auto kWebhookKeys = concat(kWebhookCommonKeys, kWebhookHttpKeys);

// Headers freezewatch writes itself; a configured value would break the
// protocol or the signature.
constexpr std::string_view kReservedWsHeaders[] = {"host",
                                                   "upgrade",
                                                   "connection",
                                                   "sec-websocket-key",
                                                   "sec-websocket-version",
                                                   "sec-websocket-extensions",
                                                   "sec-websocket-accept",
                                                   "content-length",
                                                   "transfer-encoding"};
constexpr std::string_view kReservedRemoteHeaders[] = {"host", "content-length", "transfer-encoding", "connection",
                                                       "if-none-match", "if-modified-since"};
constexpr std::string_view kReservedWebhookHeaders[] = {
    "host",       "content-type", "content-length",    "transfer-encoding",
    "connection", "webhook-id",   "webhook-timestamp", "webhook-signature"};

// ---- small checks ------------------------------------------------------------

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}
constexpr std::string_view kNameRule = "must be 1-64 characters of letters, digits, '_', '-' and '.'";
constexpr std::size_t kMinTokenChars = 16;

// RFC 7230 token characters.
bool valid_header_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string resolve_path(const Ctx& ctx, const std::string& p) {
  std::filesystem::path fp(p);
  if (fp.is_relative()) fp = ctx.base_dir() / fp;
  return fp.lexically_normal().string();
}

// Reads a required-non-empty path option, expands ${ENV} and resolves it
// against the config file's folder. nullopt after reporting.
std::optional<std::string> read_path(Ctx& ctx, const Field& f) {
  auto s = detail::read_string(ctx, f, Env::yes);
  if (!s) return std::nullopt;
  if (s->empty()) {
    ctx.error(f.path, f.line, "must not be empty");
    return std::nullopt;
  }
  return resolve_path(ctx, *s);
}

void check_readable(Ctx& ctx, const Field& f, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ctx.error(f.path, f.line, "cannot read " + path + ": " + std::strerror(errno));
}

// The scheme must be `a` or `b` (ws/wss or http/https), a host is
// required, a port must be 1-65535, a fragment is not allowed. Messages never echo the URL (it may
// carry a token in its query or userinfo).
void check_url(Ctx& ctx, const Field& f, const std::string& url, boost::urls::scheme a, boost::urls::scheme b,
               std::string_view expected) {
  if (url.empty()) {
    ctx.error(f.path, f.line, "must not be empty");
    return;
  }
  auto r = boost::urls::parse_uri(url);
  if (!r) {
    ctx.error(f.path, f.line, "not a valid URL (" + r.error().message() + ")");
    return;
  }
  const boost::urls::url_view u = *r;
  if (u.scheme_id() != a && u.scheme_id() != b) {
    std::string got(u.scheme().substr(0, 16));
    ctx.error(f.path, f.line, "URL scheme must be " + std::string(expected) + " (got " + got + ")");
    return;
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    ctx.error(f.path, f.line, "URL must include a host");
    return;
  }
  if (u.has_port() && !u.port().empty()) {
    const std::string_view port = u.port();
    std::uint32_t n = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || ptr != port.data() + port.size() || n == 0 || n > 65535) {
      ctx.error(f.path, f.line, "URL port must be between 1 and 65535");
      return;
    }
  }
  if (u.has_fragment()) ctx.error(f.path, f.line, "URL must not contain a #fragment");
}

// RFC 6901: "" (the whole document) or "/"-separated tokens where '~' is
// only ever followed by '0' or '1'.
std::optional<std::string> check_pointer(std::string_view p) {
  if (p.empty()) return std::nullopt;
  if (p[0] != '/') return "JSON pointer must start with '/' (e.g. /data/id) or be empty";
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] == '~' && (i + 1 == p.size() || (p[i + 1] != '0' && p[i + 1] != '1')))
      return "invalid JSON pointer: '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')";
  return std::nullopt;
}

// A plain decimal in display units: digits with at most one '.'.
bool valid_decimal(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  auto digits = [](std::string_view d) {
    return d.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (dot != std::string_view::npos && frac.empty()) return false;
  return !whole.empty() && digits(whole) && digits(frac);
}

std::optional<Chain> read_chain(Ctx& ctx, const Field& f) {
  auto s = detail::read_string(ctx, f);
  if (!s) return std::nullopt;
  if (auto c = chain_from_string(*s)) return c;
  detail::report_bad_enum(ctx, f, *s, kChainNames);
  return std::nullopt;
}

template <class E, std::size_t N>
std::optional<E> read_enum(Ctx& ctx, const Field& f, const Table<E, N>& t) {
  return detail::read_enum<E>(ctx, f, detail::EnumTable<E>(t.data(), t.size()));
}

// Where each name was defined, for the duplicate-name check.
struct NameSite {
  std::string name;
  std::string path;
  int line = 0;
};

void check_unique(Ctx& ctx, const std::vector<NameSite>& sites, std::string_view what) {
  for (std::size_t i = 0; i < sites.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (!sites[i].name.empty() && sites[i].name == sites[j].name) {
        ctx.error(sites[i].path, sites[i].line,
                  "duplicate " + std::string(what) + " name \"" + sites[i].name + "\" (first used at " +
                      sites[j].path + ", line " + std::to_string(sites[j].line) + ")");
        break;
      }
}

// Reads the required `name` of a list entry and records where it was defined.
void read_name(Ctx& ctx, const MapReader& m, std::string& out, std::vector<NameSite>& sites,
               std::string_view what) {
  auto f = m.get("name");
  if (!f) {
    m.missing("name", std::string("every ") + std::string(what) + " needs a unique name");
    return;
  }
  auto s = detail::read_string(ctx, *f);
  if (!s) return;
  if (!valid_name(*s)) {
    ctx.error(f->path, f->line, std::string(kNameRule));
    return;
  }
  out = *s;
  sites.push_back(NameSite{out, f->path, f->line});
}

void read_headers(Ctx& ctx, const Field& f, std::map<std::string, Secret>& out,
                  std::span<const std::string_view> reserved) {
  MapReader m(ctx, f);
  std::vector<std::string> seen;  // lower-case: header names are case-insensitive
  for (const Field& h : m.entries()) {
    const std::string name = h.path.substr(f.path.size() + 1);
    if (!valid_header_name(name)) {
      ctx.error(h.path, h.line, "invalid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
      continue;
    }
    const std::string key = lower(name);
    if (std::find(reserved.begin(), reserved.end(), key) != reserved.end()) {
      ctx.error(h.path, h.line, "header is set by freezewatch and cannot be configured");
      continue;
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      ctx.error(h.path, h.line, "duplicate header (names are case-insensitive)");
      continue;
    }
    seen.push_back(key);
    auto v = detail::read_string(ctx, h, Env::yes);
    if (!v) continue;
    if (v->find_first_of("\r\n") != std::string::npos || v->find('\0') != std::string::npos) {
      ctx.error(h.path, h.line, "header value must not contain line breaks or NUL");
      continue;
    }
    out.emplace(name, Secret(std::move(*v)));
  }
}

void read_backoff(Ctx& ctx, const Field& f, BackoffConfig& out) {
  MapReader m(ctx, f, kBackoffKeys);
  read_into(ctx, m, "initial_ms", out.initial_ms, 1, kMaxU32);
  read_into(ctx, m, "max_ms", out.max_ms, 1, kMaxU32);
  if (out.max_ms < out.initial_ms) {
    auto at = m.get("max_ms");
    if (!at) at = m.get("initial_ms");
    if (at)
      ctx.error(at->path, at->line,
                "max_ms (" + std::to_string(out.max_ms) + ") must be at least initial_ms (" +
                    std::to_string(out.initial_ms) + ")");
  }
}

// ---- sections ----------------------------------------------------------------

void read_log(Ctx& ctx, const Field& f, LogConfig& out) {
  MapReader m(ctx, f, kLogKeys);
  if (auto v = m.get("level"))
    if (auto e = read_enum(ctx, *v, kLogLevels)) out.level = *e;
  if (auto v = m.get("format"))
    if (auto e = read_enum(ctx, *v, kLogFormats)) out.format = *e;
}

void read_storage(Ctx& ctx, const Field& f, StorageConfig& out) {
  MapReader m(ctx, f, kStorageKeys);
  if (auto v = m.get("dir"))
    if (auto p = read_path(ctx, *v)) out.dir = *p;
  if (auto v = m.get("sync"))
    if (auto e = read_enum(ctx, *v, kStorageSyncs)) out.sync = *e;
}

void read_admin(Ctx& ctx, const Field& f, AdminConfig& out, bool endpoint_only = false) {
  MapReader m(ctx, f, kAdminKeys);
  read_into(ctx, m, "enabled", out.enabled);
  if (auto v = m.get("listen_address")) {
    if (auto s = detail::read_string(ctx, *v)) {
      if (boost::urls::parse_ipv4_address(*s) || boost::urls::parse_ipv6_address(*s))
        out.listen_address = *s;
      else
        ctx.error(v->path, v->line, "expected an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::1");
    }
  }
  read_into(ctx, m, "port", out.port, 1, 65535);
  // TLS files are only named (not read) for a client; tokens are skipped.
  if (endpoint_only) {
    if (auto v = m.get("tls_cert_file"))
      if (auto p = read_path(ctx, *v)) out.tls_cert_file = *p;
    if (auto v = m.get("tls_key_file"))
      if (auto p = read_path(ctx, *v)) out.tls_key_file = *p;
    return;
  }
  std::vector<std::string> token_names;
  // `where` prefixes messages about a tokens_file line ("" for the tokens list).
  auto add_token = [&](const std::string& path, int line, const std::string& where, std::string name,
                       std::string token) {
    if (!valid_name(name)) {
      ctx.error(path, line, where + "token name: " + std::string(kNameRule));
      return;
    }
    if (std::find(token_names.begin(), token_names.end(), name) != token_names.end()) {
      ctx.error(path, line, where + "duplicate token name '" + name + "'");
      return;
    }
    // Never echo the token itself.
    if (token.size() < kMinTokenChars) {
      ctx.error(path, line, where + "token '" + name + "' is too short (at least " +
                                std::to_string(kMinTokenChars) + " characters; e.g. openssl rand -hex 32)");
      return;
    }
    if (token.find_first_of(" \t\r\n") != std::string::npos) {
      ctx.error(path, line, where + "token '" + name + "' must not contain whitespace");
      return;
    }
    token_names.push_back(name);
    out.tokens.push_back(AdminToken{std::move(name), Secret(std::move(token))});
  };
  if (auto v = m.get("tokens")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      MapReader t(ctx, item, kTokenEntryKeys);
      if (!t.valid()) return;
      std::optional<std::string> name, token;
      if (auto n = t.get("name"))
        name = detail::read_string(ctx, *n);
      else
        t.missing("name", "who the audit log records for this token");
      if (auto k = t.get("token"))
        token = detail::read_string(ctx, *k, Env::yes);  // nullopt after an unset ${ENV} (reported)
      else
        t.missing("token", "the bearer token, e.g. ${FREEZEWATCH_ADMIN_TOKEN}");
      if (name && token) add_token(item.path, item.line, "", std::move(*name), std::move(*token));
    });
  }
  if (auto v = m.get("tokens_file")) {
    if (auto p = read_path(ctx, *v)) {
      out.tokens_file = *p;
      std::ifstream in(*p, std::ios::binary);
      if (!in) {
        ctx.error(v->path, v->line, "cannot read " + *p + ": " + std::strerror(errno));
      } else {
        std::string line;
        int number = 0;
        while (std::getline(in, line)) {
          ++number;
          std::istringstream words(line);
          std::string name, token, extra;
          words >> name;
          if (name.empty() || name[0] == '#') continue;
          words >> token >> extra;
          const std::string where = *p + " line " + std::to_string(number) + ": ";
          if (token.empty() || !extra.empty()) {
            ctx.error(v->path, v->line, where + "expected NAME TOKEN");
            continue;
          }
          add_token(v->path, v->line, where, std::move(name), std::move(token));
        }
      }
    }
  }
  const auto cert = m.get("tls_cert_file");
  const auto key = m.get("tls_key_file");
  if (cert)
    if (auto p = read_path(ctx, *cert)) {
      check_readable(ctx, *cert, *p);
      out.tls_cert_file = *p;
    }
  if (key)
    if (auto p = read_path(ctx, *key)) {
      check_readable(ctx, *key, *p);
      out.tls_key_file = *p;
    }
  if (cert && !key) ctx.error(cert->path, cert->line, "tls_cert_file needs tls_key_file too");
  if (key && !cert) ctx.error(key->path, key->line, "tls_key_file needs tls_cert_file too");
  read_into(ctx, m, "max_body_bytes", out.max_body_bytes, 1024, 1ull << 30);
}

// A remote list's keys besides `url` (the url itself is read by the caller).
void read_remote(Ctx& ctx, const MapReader& m, WatchlistFile::Remote& r) {
  if (auto v = m.get("headers")) read_headers(ctx, *v, r.headers, kReservedRemoteHeaders);
  read_into(ctx, m, "interval_ms", r.interval_ms, 1000, kMaxU32);
  read_into(ctx, m, "timeout_ms", r.timeout_ms, 100, kMaxU32);
  read_into(ctx, m, "max_bytes", r.max_bytes, 1, 1ull << 34);
  if (auto v = m.get("ca_file"))
    if (auto p = read_path(ctx, *v)) {
      check_readable(ctx, *v, *p);
      r.ca_file = *p;
    }
  read_into(ctx, m, "tls_verify", r.tls_verify);
}

void read_watchlist_file(Ctx& ctx, const Field& f, WatchlistFile& out, std::vector<NameSite>& names,
                         const std::string& storage_dir) {
  MapReader m(ctx, f, kListKeys);
  if (!m.valid()) return;
  std::string configured;  // path or URL path as written (after ${ENV}), for the name and format defaults
  const auto path = m.get("path");
  const auto url = m.get("url");
  if (path && url) {
    ctx.error(url->path, url->line, "set either path (a local file) or url (a remote list), not both");
  } else if (path) {
    m.reject(kListRemoteKeys, "only valid for remote lists (url)");
    if (auto s = detail::read_string(ctx, *path, Env::yes)) {
      if (s->empty()) {
        ctx.error(path->path, path->line, "must not be empty");
      } else {
        configured = *s;
        out.path = resolve_path(ctx, *s);
      }
    }
  } else if (url) {
    WatchlistFile::Remote r;
    if (auto s = detail::read_string(ctx, *url, Env::yes)) {
      check_url(ctx, *url, *s, boost::urls::scheme::http, boost::urls::scheme::https, "http or https");
      if (auto u = boost::urls::parse_uri(*s)) configured = std::string(u->path());
      r.url = std::move(*s);
    }
    read_remote(ctx, m, r);
    out.remote = std::move(r);
  } else {
    m.missing("path", "the watchlist file to load (or url: for a remote list)");
  }
  const std::filesystem::path p(configured);
  if (m.has("name")) {
    read_name(ctx, m, out.name, names, "watchlist file");
  } else if (!configured.empty()) {
    out.name = p.stem().string();
    if (!valid_name(out.name))
      ctx.error(detail::child_path(m.path(), "name"), m.line(),
                "the default name (the file stem) is not a valid name; set name explicitly: " +
                    std::string(kNameRule));
    else
      names.push_back(NameSite{out.name, detail::child_path(m.path(), url ? "url" : "path"), (url ? url : path)->line});
  }
  // A remote list is read from its cache file.
  if (out.remote && !out.name.empty())
    out.path = (std::filesystem::path(storage_dir) / "remote" / (out.name + ".list")).string();
  if (auto v = m.get("format")) {
    if (auto e = read_enum(ctx, *v, kListFormats)) out.format = *e;
  } else {
    out.format =
        lower(p.extension().string()) == ".csv" ? WatchlistFile::Format::csv : WatchlistFile::Format::text;
  }
  if (auto v = m.get("chain"))
    if (!v->node.IsNull())
      if (auto c = read_chain(ctx, *v)) out.chain = *c;
  read_into(ctx, m, "strict", out.strict);
  read_into(ctx, m, "source", out.source);
  read_into(ctx, m, "incident", out.incident);
  read_into(ctx, m, "follow", out.follow);
  if (auto v = m.get("severity")) {
    if (auto s = detail::read_string(ctx, *v)) {
      if (std::find(std::begin(kSeverities), std::end(kSeverities), *s) != std::end(kSeverities))
        out.severity = *s;
      else
        detail::report_bad_enum(ctx, *v, *s, kSeverities);
    }
  }
}

// "1000", "0.5": a plain decimal; the key is an asset symbol, a contract id or "*".
void read_follow(Ctx& ctx, const Field& f, FollowConfig& out) {
  MapReader m(ctx, f, kFollowKeys);
  if (auto v = m.get("incidents")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      auto s = detail::read_string(ctx, item);
      if (!s) return;
      if (s->empty())
        ctx.error(item.path, item.line, "must not be empty");
      else if (std::find(out.incidents.begin(), out.incidents.end(), *s) == out.incidents.end())
        out.incidents.push_back(std::move(*s));
    });
  }
  read_into(ctx, m, "max_hops", out.max_hops, 1, 10);
  if (auto v = m.get("min_amount")) {
    MapReader amounts(ctx, *v);
    for (const Field& a : amounts.entries()) {
      const std::string key = a.path.substr(v->path.size() + 1);
      auto s = detail::read_string(ctx, a);
      if (!s) continue;
      if (!valid_decimal(*s))
        ctx.error(a.path, a.line, "expected a plain decimal amount in display units, like 1000 or 0.5");
      else
        out.min_amount[key] = std::move(*s);
    }
  }
  if (auto v = m.get("exclude")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      auto s = detail::read_string(ctx, item);
      if (!s) return;
      if (auto r = address::parse_any(*s); !r)
        ctx.error(item.path, item.line, r.error + ": '" + s->substr(0, 100) + "'");
      else
        out.exclude.push_back(std::move(*s));
    });
  }
  if (auto v = m.get("exclude_files")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      if (auto p = read_path(ctx, item)) {
        check_readable(ctx, item, *p);
        out.exclude_files.push_back(std::move(*p));
      }
    });
  }
  read_into(ctx, m, "expire_after_hours", out.expire_after_hours, 1, 24 * 3650);
}

void read_watchlists(Ctx& ctx, const Field& f, WatchlistsConfig& out, const std::string& storage_dir) {
  MapReader m(ctx, f, kWatchlistsKeys);
  read_into(ctx, m, "watch_files", out.watch_files);
  read_into(ctx, m, "poll_interval_ms", out.poll_interval_ms, 10, kMaxU32);
  std::vector<NameSite> names;
  if (auto v = m.get("files")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      WatchlistFile file;
      read_watchlist_file(ctx, item, file, names, storage_dir);
      out.files.push_back(std::move(file));
    });
  }
  check_unique(ctx, names, "watchlist file");
  if (auto v = m.get("twins")) {
    MapReader t(ctx, *v, kTwinsKeys);
    read_into(ctx, t, "evm_tron", out.twins.evm_tron);
    read_into(ctx, t, "stacks_bitcoin", out.twins.stacks_bitcoin);
  }
  if (auto v = m.get("follow")) read_follow(ctx, *v, out.follow);
}

void read_retro(Ctx& ctx, const Field& f, RetroConfig& out) {
  MapReader m(ctx, f, kRetroKeys);
  read_into(ctx, m, "enabled", out.enabled);
  read_into(ctx, m, "window_hours", out.window_hours, 1, 24 * 365);
  read_into(ctx, m, "max_transfers", out.max_transfers, 1000, 1ull << 40);
}

// explorers: {<chain name>: {tx: "https://.../{tx}", address: "https://.../{address}"}}
void read_explorers(Ctx& ctx, const Field& f, std::vector<ExplorerConfig>& out) {
  MapReader m(ctx, f);
  for (const Field& chain : m.entries()) {
    ExplorerConfig e;
    e.chain_name = chain.path.substr(f.path.size() + 1);
    if (!valid_name(e.chain_name)) {
      ctx.error(chain.path, chain.line, "chain name: " + std::string(kNameRule));
      continue;
    }
    MapReader t(ctx, chain, kExplorerKeys);
    auto read_template = [&](std::string_view key, std::string_view placeholder, std::string& dst) {
      auto v = t.get(key);
      if (!v) return;
      auto s = detail::read_string(ctx, *v);
      if (!s) return;
      if (s->empty()) return;  // "" turns the link off
      if (s->find(placeholder) == std::string::npos) {
        ctx.error(v->path, v->line, "template must contain " + std::string(placeholder));
        return;
      }
      std::string probe = *s;
      probe.replace(probe.find(placeholder), placeholder.size(), "x");
      check_url(ctx, *v, probe, boost::urls::scheme::http, boost::urls::scheme::https, "http or https");
      dst = std::move(*s);
    };
    read_template("tx", "{tx}", e.tx);
    read_template("address", "{address}", e.address);
    out.push_back(std::move(e));
  }
}

void read_mapping(Ctx& ctx, const Field& f, DepositMapping& out) {
  MapReader m(ctx, f, kMappingKeys);
  auto pointer = [&](const Field& v, std::string& dst) {
    auto s = detail::read_string(ctx, v);
    if (!s) return;
    if (auto problem = check_pointer(*s)) {
      ctx.error(v.path, v.line, *problem);
      return;
    }
    dst = *s;
  };
  if (auto v = m.get("type_pointer")) pointer(*v, out.type_pointer);
  read_into(ctx, m, "type_value", out.type_value);
  if (!out.type_pointer.empty() && out.type_value.empty() && !m.has("type_value"))
    m.missing("type_value", "the value at type_pointer that marks a deposit message");
  if (out.type_pointer.empty() && !out.type_value.empty()) {
    const auto v = *m.get("type_value");
    ctx.error(v.path, v.line, "type_value has no effect without type_pointer");
  }
  if (auto v = m.get("fields")) {
    MapReader fields(ctx, *v, deposit_fields);
    for (const std::string& name : fields.keys()) pointer(*fields.get(name), out.fields[name]);
  }
}

// "host:port" (IPv6 as "[::1]:3700"); port 1-65535.
void read_listen(Ctx& ctx, const Field& f, std::string& host, std::uint16_t& port) {
  auto s = detail::read_string(ctx, f);
  if (!s) return;
  const auto colon = s->rfind(':');
  std::uint32_t n = 0;
  if (colon != std::string::npos) {
    const auto [ptr, ec] = std::from_chars(s->data() + colon + 1, s->data() + s->size(), n);
    if (ec != std::errc() || ptr != s->data() + s->size()) n = 0;
  }
  std::string h = colon == std::string::npos ? std::string() : s->substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty() || n == 0 || n > 65535) {
    ctx.error(f.path, f.line, "must be host:port with a port between 1 and 65535 (e.g. 127.0.0.1:3700)");
    return;
  }
  host = std::move(h);
  port = static_cast<std::uint16_t>(n);
}

void read_tokens(Ctx& ctx, const Field& f, std::vector<TokenConfig>& out) {
  detail::for_each_item(ctx, f, [&](const Field& item) {
    MapReader m(ctx, item, kTokenKeys);
    if (!m.valid()) return;
    TokenConfig t;
    if (m.get("asset"))
      read_into(ctx, m, "asset", t.asset);
    else
      m.missing("asset", "the token's asset identifier or contract address");
    read_into(ctx, m, "symbol", t.symbol);
    read_into(ctx, m, "decimals", t.decimals, 0, 77);
    out.push_back(std::move(t));
  });
}

void read_source_ws(Ctx& ctx, const MapReader& m, SourceConfig& out, bool required, std::string_view what) {
  if (auto v = m.get("url")) {
    if (auto s = detail::read_string(ctx, *v, Env::yes)) {
      check_url(ctx, *v, *s, boost::urls::scheme::ws, boost::urls::scheme::wss, "ws or wss");
      out.url = std::move(*s);
    }
  } else if (required) {
    m.missing("url", what);
  }
  read_into(ctx, m, "connect_timeout_ms", out.connect_timeout_ms, 1, kMaxU32);
  read_into(ctx, m, "idle_timeout_ms", out.idle_timeout_ms, 1, kMaxU32);
  read_into(ctx, m, "ping_interval_ms", out.ping_interval_ms, 1, kMaxU32);
  read_into(ctx, m, "stale_after_ms", out.stale_after_ms, 0, kMaxU32);
  read_into(ctx, m, "max_frame_bytes", out.max_frame_bytes, 1024, 1ull << 30);
  // A quiet but healthy connection must see a pong before the idle timer fires.
  if (out.ping_interval_ms >= out.idle_timeout_ms) {
    const auto at = m.get("ping_interval_ms") ? m.get("ping_interval_ms") : m.get("idle_timeout_ms");
    if (at)
      ctx.error(at->path, at->line,
                "ping_interval_ms (" + std::to_string(out.ping_interval_ms) + ") must be less than idle_timeout_ms (" +
                    std::to_string(out.idle_timeout_ms) + ")");
  }
  if (auto v = m.get("reconnect")) read_backoff(ctx, *v, out.reconnect);
}

const char* url_hint(SourceConfig::Type t) {
  using T = SourceConfig::Type;
  switch (t) {
    case T::stacks_api: return "the Stacks API websocket (wss://api.mainnet.hiro.so/extended/v1/ws)";
    case T::evm: return "the node's JSON-RPC websocket (ws://127.0.0.1:8546)";
    case T::mempool_space: return "the mempool.space websocket (wss://mempool.space/api/v1/ws)";
    default: return "the ws:// or wss:// address of the deposit stream";
  }
}

void read_source(Ctx& ctx, const Field& f, SourceConfig& out, std::vector<NameSite>& names) {
  MapReader m(ctx, f, kSourceKeys);
  if (!m.valid()) return;
  read_name(ctx, m, out.name, names, "source");
  std::optional<SourceConfig::Type> type;
  if (auto v = m.get("type"))
    type = read_enum(ctx, *v, kSourceTypes);
  else
    m.missing("type", "deposits_ws, replay, stacks_node, stacks_api, evm, tron_grid, tron_events or mempool_space");
  if (type) out.type = *type;
  chain_defaults(out);
  // Without a valid type every group is read (to report what can be), none required.
  const unsigned groups = type ? groups_of(*type) : ~0u;
  if (type) {
    const std::string only = "not valid for a " + std::string(name_of(kSourceTypes, *type)) + " source";
    const std::pair<unsigned, std::span<const std::string_view>> all[] = {
        {kConn, kSourceConnKeys}, {kWs, kSourceWsKeys},     {kDeposit, kSourceDepositKeys},
        {kReplay, kSourceReplayKeys}, {kChainG, kSourceChainKeys}, {kNode, kSourceNodeKeys},
        {kApi, kSourceApiKeys},   {kRest, kSourceRestKeys}, {kEvm, kSourceEvmKeys},
        {kPoll, kSourcePollKeys}, {kBtc, kSourceBtcKeys}};
    for (const auto& [group, keys] : all)
      if (!(groups & group)) m.reject(keys, only);
  }

  if (groups & kConn) {
    if (auto v = m.get("headers")) read_headers(ctx, *v, out.headers, kReservedWsHeaders);
    if (auto v = m.get("ca_file"))
      if (auto p = read_path(ctx, *v)) {
        check_readable(ctx, *v, *p);
        out.ca_file = *p;
      }
    read_into(ctx, m, "tls_verify", out.tls_verify);
  }
  if (groups & kWs) read_source_ws(ctx, m, out, type.has_value(), url_hint(out.type));
  if (groups & kDeposit) {
    read_into(ctx, m, "subscribe_message", out.subscribe_message, Env::yes);
    if (auto v = m.get("mapping")) {
      if (!v->node.IsNull()) {
        DepositMapping mapping;
        read_mapping(ctx, *v, mapping);
        out.mapping = std::move(mapping);
      }
    }
  }
  if (groups & kReplay) {
    if (auto v = m.get("path")) {
      if (auto p = read_path(ctx, *v)) out.path = *p;
    } else if (type) {
      m.missing("path", "the JSON Lines file to replay");
    }
    if (auto v = m.get("rate_per_second"))
      if (auto d = detail::read_number(ctx, *v, 0, 1e9)) out.rate_per_second = *d;
    read_into(ctx, m, "loop", out.loop);
  }
  if (groups & kChainG) {
    read_into(ctx, m, "chain_name", out.chain_name);
    if (auto v = m.get("network"))
      if (auto n = read_enum(ctx, *v, kNetworks)) out.network = *n;
    read_into(ctx, m, "final_depth", out.final_depth, 1, 10000);
    if (auto v = m.get("tokens")) read_tokens(ctx, *v, out.tokens);
  }
  if (groups & kNode) {
    if (auto v = m.get("listen"))
      read_listen(ctx, *v, out.listen_host, out.listen_port);
    else if (type)
      m.missing("listen", "the host:port the node (or relay) posts events to (e.g. 127.0.0.1:3700)");
    if (auto v = m.get("spool_dir"))
      if (auto p = read_path(ctx, *v)) out.spool_dir = *p;
    read_into(ctx, m, "max_body_bytes", out.max_body_bytes, 1024, 1ull << 32);
  }
  if (groups & kApi) {
    if (auto v = m.get("api_url")) {
      if (auto s = detail::read_string(ctx, *v, Env::yes)) {
        check_url(ctx, *v, *s, boost::urls::scheme::http, boost::urls::scheme::https, "http or https");
        while (!s->empty() && s->back() == '/') s->pop_back();
        out.api_url = std::move(*s);
      }
    } else if (type) {
      m.missing("api_url", out.type == SourceConfig::Type::tron_grid
                               ? "the TronGrid REST base (https://api.trongrid.io)"
                               : "the Stacks API REST base (https://api.mainnet.hiro.so)");
    }
  }
  if (groups & kRest) {
    read_into(ctx, m, "request_timeout_ms", out.request_timeout_ms, 1, kMaxU32);
    read_into(ctx, m, "backfill_max_blocks", out.backfill_max_blocks, 1, kMaxU32);
  }
  if (groups & kEvm) {
    if (m.get("chain_id"))
      read_into(ctx, m, "chain_id", out.chain_id, 1, std::numeric_limits<std::uint64_t>::max());
    else if (type)
      m.missing("chain_id", "the EVM chain id, checked against eth_chainId (1 = Ethereum mainnet)");
    read_into(ctx, m, "native_transfers", out.native_transfers);
    read_into(ctx, m, "getlogs_max_range", out.getlogs_max_range, 1, 1000000);
  }
  if (groups & kPoll) read_into(ctx, m, "poll_interval_ms", out.poll_interval_ms, 100, kMaxU32);
  if (groups & kBtc) read_into(ctx, m, "max_tracked_addresses", out.max_tracked_addresses, 1, 1000000);
}

void read_filter(Ctx& ctx, const Field& f, WebhookFilter& out) {
  MapReader m(ctx, f, kFilterKeys);
  if (auto v = m.get("chains")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      if (auto c = read_chain(ctx, item))
        if (std::find(out.chains.begin(), out.chains.end(), *c) == out.chains.end()) out.chains.push_back(*c);
    });
  }
  if (auto v = m.get("assets")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      auto s = detail::read_string(ctx, item);
      if (!s) return;
      if (s->empty())
        ctx.error(item.path, item.line, "must not be empty");
      else
        out.assets.push_back(std::move(*s));
    });
  }
  if (auto v = m.get("min_amount")) {
    if (auto s = detail::read_string(ctx, *v)) {
      if (!s->empty() && !valid_decimal(*s))
        ctx.error(v->path, v->line, "expected a plain decimal amount in display units, like 1000 or 0.5");
      else
        out.min_amount = std::move(*s);
    }
  }
  if (auto v = m.get("direction"))
    if (auto e = read_enum(ctx, *v, kDirections)) out.direction = *e;
  read_into(ctx, m, "suspected", out.suspected);
  if (auto v = m.get("stages")) {
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      auto s = detail::read_string(ctx, item);
      if (!s) return;
      if (std::find(std::begin(kStages), std::end(kStages), *s) == std::end(kStages))
        detail::report_bad_enum(ctx, item, *s, kStages);
      else if (std::find(out.stages.begin(), out.stages.end(), *s) == out.stages.end())
        out.stages.push_back(std::move(*s));
    });
  }
}

constexpr std::string_view kSecretRule =
    "not a Standard Webhooks secret: expected whsec_ followed by the base64 of 24 to 64 random bytes";

// Checks one secret; the message never contains the value.
bool check_secret(Ctx& ctx, const std::string& path, int line, const std::string& s,
                  std::string_view where = {}) {
  std::string prefix(where);
  if (s.empty()) {
    ctx.error(path, line, prefix + "secret is empty");
    return false;
  }
  if (s.rfind("whsec_", 0) != 0) {
    ctx.error(path, line, prefix + "secret must start with whsec_ (Standard Webhooks format)");
    return false;
  }
  if (!decode_webhook_secret(s)) {
    ctx.error(path, line, prefix + std::string(kSecretRule));
    return false;
  }
  return true;
}

void read_secret_file(Ctx& ctx, const Field& f, std::vector<Secret>& out) {
  auto p = read_path(ctx, f);
  if (!p) return;
  std::ifstream in(*p, std::ios::binary);
  if (!in) {
    ctx.error(f.path, f.line, "cannot read " + *p + ": " + std::strerror(errno));
    return;
  }
  std::string line;
  std::size_t number = 0, found = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const auto e = line.find_last_not_of(" \t\r");
    std::string secret = line.substr(b, e - b + 1);
    ++found;
    if (check_secret(ctx, f.path, f.line, secret, *p + " line " + std::to_string(number) + ": "))
      out.emplace_back(std::move(secret));
  }
  if (in.bad()) {
    ctx.error(f.path, f.line, "cannot read " + *p + ": " + std::strerror(errno));
    return;
  }
  if (found == 0) ctx.error(f.path, f.line, *p + " contains no secret (one whsec_ secret per line)");
}

void read_webhook(Ctx& ctx, const Field& f, WebhookConfig& out, std::vector<NameSite>& names) {
  MapReader m(ctx, f, kWebhookKeys);
  if (!m.valid()) return;
  read_name(ctx, m, out.name, names, "webhook");
  bool type_known = true;
  if (auto v = m.get("type")) {
    if (auto e = read_enum(ctx, *v, kWebhookTypes))
      out.type = *e;
    else
      type_known = false;
  }
  const bool http = !type_known || out.type == WebhookConfig::Type::http;
  if (type_known && out.type == WebhookConfig::Type::log)
    m.reject(kWebhookHttpKeys, "only valid for http webhooks");

  if (http) {
    if (auto v = m.get("url")) {
      if (auto s = detail::read_string(ctx, *v, Env::yes)) {
        check_url(ctx, *v, *s, boost::urls::scheme::http, boost::urls::scheme::https, "http or https");
        out.url = std::move(*s);
      }
    } else if (type_known) {
      m.missing("url", "the http:// or https:// endpoint alerts are POSTed to");
    }
    const auto secrets = m.get("secrets");
    const auto secret_file = m.get("secret_file");
    if (secrets) {
      const bool is_list = detail::for_each_item(ctx, *secrets, [&](const Field& item) {
        auto s = detail::read_string(ctx, item, Env::yes);
        if (s && check_secret(ctx, item.path, item.line, *s)) out.secrets.emplace_back(std::move(*s));
      });
      if (is_list && secrets->node.size() == 0)
        ctx.error(secrets->path, secrets->line, "must list at least one secret");
    }
    if (secret_file) {
      if (secrets)
        ctx.error(secret_file->path, secret_file->line, "set either secrets or secret_file, not both");
      else
        read_secret_file(ctx, *secret_file, out.secrets);
    }
    if (!secrets && !secret_file && type_known)
      m.missing("secrets",
                "http webhooks need at least one whsec_ signing secret, in secrets or secret_file");
    if (auto v = m.get("headers")) read_headers(ctx, *v, out.headers, kReservedWebhookHeaders);
    if (auto v = m.get("ca_file"))
      if (auto p = read_path(ctx, *v)) {
        check_readable(ctx, *v, *p);
        out.ca_file = *p;
      }
    read_into(ctx, m, "tls_verify", out.tls_verify);
    read_into(ctx, m, "timeout_ms", out.timeout_ms, 1, kMaxU32);
    read_into(ctx, m, "concurrency", out.concurrency, 1, 1024);
    if (auto v = m.get("retry")) read_backoff(ctx, *v, out.retry);
    read_into(ctx, m, "retry_for_ms", out.retry_for_ms, 0, kYearMs);
  }
  read_into(ctx, m, "heartbeat_interval_ms", out.heartbeat_interval_ms, 0, kMaxU32);
  if (auto v = m.get("filter")) read_filter(ctx, *v, out.filter);
}

void read_config(Ctx& ctx, const YAML::Node& root, Config& out, bool admin_endpoint_only) {
  MapReader top(ctx, Field{root, "", detail::line_of(root)}, kTopKeys);
  if (!top.valid()) return;
  if (admin_endpoint_only) {
    if (auto v = top.get("admin")) read_admin(ctx, *v, out.admin, true);
    return;
  }
  if (auto v = top.get("log")) read_log(ctx, *v, out.log);
  if (auto v = top.get("storage")) read_storage(ctx, *v, out.storage);
  if (auto v = top.get("admin")) read_admin(ctx, *v, out.admin);
  if (auto v = top.get("watchlists")) read_watchlists(ctx, *v, out.watchlists, out.storage.dir);
  if (auto v = top.get("retro")) read_retro(ctx, *v, out.retro);
  if (auto v = top.get("explorers")) read_explorers(ctx, *v, out.explorers);
  if (auto v = top.get("sources")) {
    std::vector<NameSite> names;
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      SourceConfig s;
      read_source(ctx, item, s, names);
      out.sources.push_back(std::move(s));
    });
    check_unique(ctx, names, "source");
    for (SourceConfig& s : out.sources)
      if (s.type == SourceConfig::Type::stacks_node || s.type == SourceConfig::Type::tron_events) {
        if (s.spool_dir.empty()) s.spool_dir = (std::filesystem::path(out.storage.dir) / "spool" / s.name).string();
        s.spool_fsync = out.storage.sync == StorageSync::full;  // the spool is as durable as the outbox
      }
  }
  if (auto v = top.get("webhooks")) {
    std::vector<NameSite> names;
    detail::for_each_item(ctx, *v, [&](const Field& item) {
      WebhookConfig w;
      read_webhook(ctx, item, w, names);
      out.webhooks.push_back(std::move(w));
    });
    check_unique(ctx, names, "webhook");
  }
}

std::filesystem::path base_dir_of(const std::string& origin) {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (origin.empty()) return cwd;
  std::filesystem::path p(origin);
  if (p.is_relative()) p = cwd / p;
  return p.lexically_normal().parent_path();
}

}  // namespace

std::string_view to_string(LogLevel v) noexcept { return name_of(kLogLevels, v); }
std::string_view to_string(LogFormat v) noexcept { return name_of(kLogFormats, v); }
std::string_view to_string(StorageSync v) noexcept { return name_of(kStorageSyncs, v); }
std::string_view to_string(WatchlistFile::Format v) noexcept { return name_of(kListFormats, v); }
std::string_view to_string(SourceConfig::Type v) noexcept { return name_of(kSourceTypes, v); }
std::string_view to_string(WebhookConfig::Type v) noexcept { return name_of(kWebhookTypes, v); }
std::string_view to_string(Direction v) noexcept { return name_of(kDirections, v); }

std::optional<std::string> decode_webhook_secret(std::string_view s) {
  constexpr std::string_view prefix = "whsec_";
  if (s.substr(0, prefix.size()) != prefix) return std::nullopt;
  auto key = base64_decode(s.substr(prefix.size()));
  if (!key || key->size() < 24 || key->size() > 64) return std::nullopt;
  return key;
}

namespace {

LoadResult load_text(const std::string& yaml, const std::string& origin, bool admin_endpoint_only) {
  LoadResult result;
  Ctx ctx(base_dir_of(origin));
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    result.errors.push_back(Error{"", line, "YAML syntax error: " + e.msg});
    return result;
  }
  if (docs.size() > 1) {
    ctx.error("", detail::line_of(docs[1]),
              "only one YAML document is allowed (found " + std::to_string(docs.size()) + ")");
  }
  Config config;
  config.path = origin;
  try {
    if (!docs.empty()) read_config(ctx, docs[0], config, admin_endpoint_only);
  } catch (const YAML::Exception& e) {
    // yaml-cpp should not throw on a parsed tree; if it does, it is still a
    // problem with this input, so report it rather than crash start-up.
    ctx.error("", e.mark.is_null() ? 0 : e.mark.line + 1, std::string("unexpected YAML error: ") + e.msg);
  }
  result.errors = std::move(ctx.errors());
  // Document order; errors without a line (whole-file problems) first.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const Error& a, const Error& b) { return a.line < b.line; });
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult read_text_file(const std::string& file, bool admin_endpoint_only) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back(Error{"", 0, "cannot read config file: " + std::string(std::strerror(errno))});
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    LoadResult r;
    r.errors.push_back(Error{"", 0, "cannot read config file: " + std::string(std::strerror(errno))});
    return r;
  }
  return load_text(text.str(), file, admin_endpoint_only);
}

}  // namespace

LoadResult load_string(const std::string& yaml, const std::string& origin) { return load_text(yaml, origin, false); }
LoadResult load_file(const std::string& file) { return read_text_file(file, false); }
LoadResult load_admin_endpoint(const std::string& file) { return read_text_file(file, true); }

std::string format_error(const std::string& file, const Error& e) {
  std::string out = file;
  if (e.line > 0) out += ":" + std::to_string(e.line);
  out += ": ";
  if (!e.path.empty()) out += e.path + ": ";
  out += e.message;
  return out;
}

}  // namespace fw::config
