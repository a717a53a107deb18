// The watchlist HTTP API (/api/v1/watchlist, docs/watchlist-api.md) as plain
// admin::Request -> admin::Response handlers: no sockets, testable directly.
// add_routes() registers them on anything with the Router::add signature
// (AdminServer::add_route, Router::add).
//
// Every handler first authenticates "Authorization: Bearer <token>" with the
// TokenSet (401 + "WWW-Authenticate: Bearer" otherwise; the token is never
// echoed); the token's NAME is the audit log's "who". Bodies and query
// strings are validated strictly: unknown fields, wrong types, bad addresses
// and malformed JSON give 400 with a reason (and the byte offset or the
// field). POST /entries is atomic: one bad entry and nothing is added.
//
// Routes (prefix kApiPrefix):
//   POST   /entries                      add a batch (max kMaxBatch entries)
//   GET    /entries?incident=&kind=&limit=&after=   list, paged
//   GET    /entries/{address}[?chain=]   live entries + file-layer listings
//   DELETE /entries/{address}[?incident=]          remove api entries
//   GET    /export?format=csv|jsonl[&incident=]    api + derived, unexpired
//   POST   /derived/{address}/approve    derived -> approved
//   DELETE /derived/{address}            dismiss derived entries
//   GET    /audit?since=&limit=          audit rows after seq `since`
//
// Threads: handlers run on the io thread (the Registry's thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "address/address.hpp"
#include "admin/auth.hpp"
#include "admin/router.hpp"
#include "registry/registry.hpp"

namespace fw::registry {

inline constexpr std::string_view kApiPrefix = "/api/v1/watchlist";
inline constexpr std::size_t kMaxBatch = 10'000;
inline constexpr std::size_t kDefaultListLimit = 100;
inline constexpr std::size_t kMaxListLimit = 1'000;
inline constexpr std::size_t kMaxFieldBytes = 1'024;   // label, incident, source
inline constexpr std::size_t kMaxNotesBytes = 8'192;

class Api {
 public:
  using Clock = std::function<std::int64_t()>;  // unix milliseconds
  // File-layer listings of an address for GET /entries/{address}: each
  // element is one complete JSON object (e.g. a watchlist::Provenance with
  // its kind "file"/"remote"), inserted verbatim into the "files" array.
  using FileLookup = std::function<std::vector<std::string>(const address::Address& address)>;

  // `registry` must outlive the Api.
  Api(Registry& registry, admin::TokenSet tokens, Clock now_ms);

  void set_file_lookup(FileLookup lookup) { file_lookup_ = std::move(lookup); }
  void set_tokens(admin::TokenSet tokens) { tokens_ = std::move(tokens); }

  admin::Response post_entries(const admin::Request& req);
  admin::Response list_entries(const admin::Request& req);
  admin::Response get_entry(const admin::Request& req);
  admin::Response delete_entry(const admin::Request& req);
  admin::Response export_entries(const admin::Request& req);
  admin::Response approve_derived(const admin::Request& req);
  admin::Response dismiss_derived(const admin::Request& req);
  admin::Response audit(const admin::Request& req);

 private:
  template <class F>
  admin::Response authed(const admin::Request& req, F&& handler);

  Registry& registry_;
  admin::TokenSet tokens_;
  Clock now_ms_;
  FileLookup file_lookup_;
};

using AddRoute = std::function<void(std::string method, std::string path, admin::Handler handler,
                                    admin::PathMatch match)>;
// Registers every route above; `api` must outlive the routes.
void add_routes(const AddRoute& add, Api& api);

}  // namespace fw::registry
