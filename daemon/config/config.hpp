// freezewatch configuration: YAML -> plain structs, validated strictly.
//
// This is the only module that links yaml-cpp. load() collects EVERY error
// (unknown key with a "did you mean" hint, wrong type, missing required key,
// bad URL, unset ${ENV_VAR}, broken cross-reference) with its YAML path and
// line, and returns them all at once. Secrets are resolved from ${ENV} or
// from a *_file option and are never printed (Secret has no operator<<).
// docs/configuration.md documents every option; config/freezewatch.example.yaml
// shows every option with a comment.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/chain.hpp"

namespace fw::config {

// A secret value. Deliberately not streamable; redacted() is what logs show.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string v) : value_(std::move(v)) {}
  const std::string& reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  static constexpr const char* redacted() noexcept { return "<redacted>"; }
 private:
  std::string value_;
};

enum class LogFormat : std::uint8_t { logfmt, json };
enum class LogLevel : std::uint8_t { trace, debug, info, warn, error };

struct LogConfig {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::logfmt;
};

enum class StorageSync : std::uint8_t { normal, full };

struct StorageConfig {
  std::string dir = "/var/lib/freezewatch";  // created if missing; outbox.db etc. live here
  // normal: every committed alert survives a process crash (kill -9); full:
  // also a power loss, at one fsync per commit (docs/configuration.md).
  StorageSync sync = StorageSync::normal;
};

// A bearer token for the admin API (watchlist edits). `name` is what the
// audit log records as "who"; the token itself is never logged.
struct AdminToken {
  std::string name;
  Secret token;  // at least 16 characters
};

struct AdminConfig {
  bool enabled = true;
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 9464;
  // Bearer tokens for /api/v1/watchlist (docs/watchlist-api.md): `tokens`
  // entries plus one "NAME TOKEN" per line of tokens_file ('#' comments).
  // None configured: the API answers 401 to everything.
  std::vector<AdminToken> tokens;
  std::string tokens_file;  // resolved path; read at load
  // Both set: the listener speaks HTTPS only.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::uint64_t max_body_bytes = 8ull << 20;  // larger requests: 413
};

struct WatchlistFile {
  std::string name;            // unique; defaults to the file stem
  std::string path;            // relative paths resolve against the config file's folder
  enum class Format : std::uint8_t { csv, text } format = Format::csv;  // default from extension (.csv / else text)
  std::optional<Chain> chain;  // default chain for rows that name none; unset = route by syntax
  bool strict = false;         // true: any bad line fails the whole load
  std::string source;          // provenance default for rows ("OFAC SDN 2024-09-27")
  std::string incident;        // provenance default ("alex-lab-2024")
  std::string severity = "high";
  bool follow = false;         // follow the money from this list's entries (watchlists.follow)
  // Remote lists (`url` instead of `path`): polled over HTTP(S); `path` is
  // then the cache file <storage.dir>/remote/<name>.list that the loader reads.
  struct Remote {
    std::string url;
    std::map<std::string, Secret> headers;  // e.g. Authorization
    std::uint32_t interval_ms = 300'000;    // poll period
    std::uint32_t timeout_ms = 30'000;      // one whole request
    std::uint64_t max_bytes = 512ull << 20; // larger bodies are refused (old list kept)
    std::string ca_file;
    bool tls_verify = true;
  };
  std::optional<Remote> remote;
};

// Follow the money (docs/follow-the-money.md): recipients of transfers from
// followed entries become derived "suspected" entries.
struct FollowConfig {
  std::vector<std::string> incidents;  // entries of these incidents are followed (plus lists with follow: true
                                       // and API entries added with "follow": true)
  std::uint32_t max_hops = 2;          // a derived entry is at most this many transfers from its seed
  // Minimum amount per asset, in display units, keyed by symbol ("USDT") or
  // contract id; "*" for any other asset. An asset with no key and no "*" is not followed.
  std::map<std::string, std::string> min_amount;
  std::vector<std::string> exclude;        // addresses (any spelling) never derived: exchanges, bridges, pools
  std::vector<std::string> exclude_files;  // text files of such addresses, one per line
  std::uint32_t expire_after_hours = 168;  // a derived entry not approved expires after this
};

// Cross-chain key twins: an address derived from the same key on another
// chain, added to the list as a derived entry (docs/watchlists.md).
struct TwinsConfig {
  bool evm_tron = true;         // 0x... <-> T... (same 20 bytes)
  bool stacks_bitcoin = false;  // SP/SM/ST/SN... <-> 1.../3.../m.../2... (same hash160)
};

struct WatchlistsConfig {
  std::vector<WatchlistFile> files;
  TwinsConfig twins;
  FollowConfig follow;
  bool watch_files = true;                // reload when a file changes
  std::uint32_t poll_interval_ms = 1000;  // file-change check period
};

// Retro-scan (docs/watchlist-api.md): an on-disk index of recent transfers,
// searched when an address is added, so earlier transfers still alert
// (type transfer.retro).
struct RetroConfig {
  bool enabled = true;
  std::uint32_t window_hours = 72;           // transfers older than this are dropped
  std::uint64_t max_transfers = 5'000'000;   // size cap; the oldest go first
};

// Explorer link templates for one chain name; "{tx}" and "{address}" are
// replaced. Built-in defaults exist for stacks, ethereum, bsc, tron, bitcoin.
struct ExplorerConfig {
  std::string chain_name;
  std::string tx;       // "https://etherscan.io/tx/{tx}"
  std::string address;  // "https://etherscan.io/address/{address}"
};

struct BackoffConfig {
  std::uint32_t initial_ms = 100;
  std::uint32_t max_ms = 30000;
};

// How fields of an exchange's deposit message map onto the canonical deposit
// event (docs/deposit-events.md). Each value is a JSON pointer (RFC 6901).
struct DepositMapping {
  std::string type_pointer;                  // e.g. "/type"; empty = every message is a deposit
  std::string type_value;                    // e.g. "deposit"
  std::map<std::string, std::string> fields; // canonical field name -> JSON pointer
};

// A token a chain source knows by name: decimals and symbol for display.
// Unknown tokens are still matched and alerted in raw base units.
struct TokenConfig {
  std::string asset;   // Stacks: "SP...contract::asset-name"; EVM/TRON: contract address
  std::string symbol;
  std::uint8_t decimals = 0;
};

struct SourceConfig {
  std::string name;
  enum class Type : std::uint8_t {
    deposits_ws,    // an exchange's deposit stream (websocket)
    replay,         // a JSON Lines file of canonical deposit events
    stacks_node,    // a stacks-node's event observer posts (HTTP)
    stacks_api,     // the Hiro Stacks API: websocket + REST
    evm,            // an EVM node's JSON-RPC websocket (eth_subscribe, eth_getLogs)
    tron_grid,      // a TronGrid-compatible REST API, polled
    tron_events,    // java-tron event-plugin triggers relayed to us (HTTP posts)
    mempool_space,  // a mempool.space-compatible websocket (Bitcoin)
  } type = Type::deposits_ws;

  // deposits_ws
  std::string url;                                 // ws:// or wss://
  std::map<std::string, Secret> headers;           // sent on the upgrade request
  std::string subscribe_message;                   // sent after every connect (may contain ${ENV})
  std::string ca_file;                             // wss: extra CA bundle; default system store
  bool tls_verify = true;
  std::uint32_t connect_timeout_ms = 5000;
  std::uint32_t idle_timeout_ms = 30000;           // no frame and no pong for this long: reconnect
  std::uint32_t ping_interval_ms = 10000;
  std::uint32_t stale_after_ms = 60000;            // connected but no data frame: stale (readyz fails); 0 = never
  std::uint32_t max_frame_bytes = 1 << 20;
  BackoffConfig reconnect;
  std::optional<DepositMapping> mapping;           // unset = canonical deposit events

  // replay
  std::string path;                                // JSON Lines of canonical events
  double rate_per_second = 0;                      // 0 = as fast as possible
  bool loop = false;

  // chain sources (every type but deposits_ws and replay)
  std::string chain_name = "stacks";               // names the chain in alerts and ids (default by type:
                                                   //   stacks, ethereum, tron, bitcoin)
  Network network = Network::mainnet;
  std::uint32_t final_depth = 6;                   // confirmations at which a transfer is final (1 = at inclusion;
                                                   //   default by type: stacks 6, evm 12, tron 19, bitcoin 6)
  std::vector<TokenConfig> tokens;                 // added to (or overriding) the built-in registry

  // stacks_node, tron_events: the HTTP endpoint the node (or relay) posts to
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::string spool_dir;                           // default <storage.dir>/spool/<name>
  bool spool_fsync = false;                        // set from storage.sync == full (not a key of its own)
  std::uint64_t max_body_bytes = 64ull << 20;

  // stacks_api, tron_grid: the REST base (stacks_api: `url` is the websocket)
  std::string api_url;                             // e.g. https://api.mainnet.hiro.so, https://api.trongrid.io
  // stacks_api, evm, tron_grid
  std::uint32_t request_timeout_ms = 10000;        // one REST / JSON-RPC call
  std::uint32_t backfill_max_blocks = 10000;       // a longer gap is skipped (logged, counted)

  // evm
  std::uint64_t chain_id = 0;                      // required; checked against eth_chainId at every connect
  bool native_transfers = false;                   // also fetch blocks for native-coin (ETH, BNB) transfers
  std::uint32_t getlogs_max_range = 1000;          // blocks per eth_getLogs call during backfill

  // tron_grid
  std::uint32_t poll_interval_ms = 3000;

  // mempool_space
  std::uint32_t max_tracked_addresses = 100;       // per connection; more addresses -> more connections
};

enum class Direction : std::uint8_t { any, from, to };

struct WebhookFilter {
  std::vector<Chain> chains;          // empty = all
  std::vector<std::string> assets;    // symbols or contract ids; empty = all
  std::string min_amount;             // decimal in display units ("1000.5"); empty = none
  Direction direction = Direction::any;
  std::vector<std::string> stages;    // pending, confirmed, credited, final, retracted, retro; empty = all
  bool suspected = true;              // false: no alerts on follow-the-money suspects (not yet approved)
};

struct WebhookConfig {
  std::string name;
  enum class Type : std::uint8_t { http, log } type = Type::http;
  std::string url;                    // http:// or https://
  std::vector<Secret> secrets;        // whsec_...; first signs, all sign during rotation
  std::map<std::string, Secret> headers;
  std::string ca_file;
  bool tls_verify = true;
  std::uint32_t timeout_ms = 10000;
  std::uint32_t concurrency = 4;
  BackoffConfig retry{1000, 3600000};
  std::uint64_t retry_for_ms = 24ull * 3600 * 1000;  // then dead-letter
  std::uint32_t heartbeat_interval_ms = 0;           // 0 = off
  WebhookFilter filter;
};

struct Config {
  std::string path;  // file it was loaded from
  LogConfig log;
  StorageConfig storage;
  AdminConfig admin;
  WatchlistsConfig watchlists;
  RetroConfig retro;
  std::vector<ExplorerConfig> explorers;  // configured ones override the defaults per chain name
  std::vector<SourceConfig> sources;
  std::vector<WebhookConfig> webhooks;
};

struct Error {
  std::string path;  // YAML path, e.g. "webhooks[1].timeout" (list indices 0-based); "" = whole file
  int line = 0;      // 1-based; 0 when unknown
  std::string message;
};

struct LoadResult {
  std::optional<Config> config;
  std::vector<Error> errors;
  explicit operator bool() const noexcept { return config.has_value(); }
};

// Canonical deposit-event field names a DepositMapping may map
// (docs/deposit-events.md). Anything else in mapping.fields is an error.
inline constexpr std::string_view deposit_fields[] = {
    "deposit_id",     "account_id",     "chain",          "network",     "asset_symbol",
    "asset_contract", "asset_decimals", "sender",         "senders",     "recipient",
    "deposit_address", "amount",        "amount_decimal", "tx_id",       "event_index",
    "block_height",   "status",         "memo",           "credited",    "timestamp"};

// Config spellings of the enums (the exact strings the YAML accepts).
std::string_view to_string(LogLevel v) noexcept;
std::string_view to_string(LogFormat v) noexcept;
std::string_view to_string(StorageSync v) noexcept;
std::string_view to_string(WatchlistFile::Format v) noexcept;
std::string_view to_string(SourceConfig::Type v) noexcept;
std::string_view to_string(WebhookConfig::Type v) noexcept;
std::string_view to_string(Direction v) noexcept;

// Standard Webhooks signing secret: "whsec_" + base64 (standard alphabet,
// padding optional) of 24..64 key bytes. Returns the key bytes, or nullopt
// when `s` is not in that form. load() accepts only secrets this decodes.
std::optional<std::string> decode_webhook_secret(std::string_view s);

// Reads and validates `file`. Never throws for bad input: every problem is an Error.
LoadResult load_file(const std::string& file);
// Same, from text; `origin` names it in messages and anchors relative paths.
LoadResult load_string(const std::string& yaml, const std::string& origin);

// Only the admin listener's address, port, enabled and TLS file names: what a
// client of the admin API (the `watchlist` CLI) needs. Other sections and the
// admin tokens are not read, so ${ENV} secrets the caller's shell lacks do not
// matter; errors are limited to those keys (and YAML syntax).
LoadResult load_admin_endpoint(const std::string& file);

// "config.yaml:12: webhooks[1].timeout: unknown key (did you mean timeout_ms?)"
std::string format_error(const std::string& file, const Error& e);

// Multi-line human summary for check-config; secrets shown as <redacted>.
std::string summarize(const Config& c);

}  // namespace fw::config
