#include "registry/http_api.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "registry/json.hpp"

namespace fw::registry {
namespace {

namespace dom = simdjson::dom;
using admin::Request;
using admin::Response;

const std::string kEntriesPath = std::string(kApiPrefix) + "/entries";
const std::string kEntryPrefix = std::string(kApiPrefix) + "/entries/";
const std::string kDerivedPrefix = std::string(kApiPrefix) + "/derived/";
const std::string kExportPath = std::string(kApiPrefix) + "/export";
const std::string kAuditPath = std::string(kApiPrefix) + "/audit";

Response json_response(int status, std::string body) {
  auto r = Response::json(status, std::move(body));
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

Response error_response(int status, std::string_view message) {
  std::string body = "{\"error\":";
  append_json_string(body, message);
  body += "}";
  return json_response(status, std::move(body));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' is a space in query strings only. nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Query {
  std::map<std::string, std::string> values;
  std::string error;
};

// Parses the query string, allowing only `allowed` names (each at most once).
Query parse_query(std::string_view q, std::initializer_list<std::string_view> allowed) {
  Query out;
  std::size_t pos = 0;
  while (pos <= q.size() && !q.empty()) {
    std::size_t end = q.find('&', pos);
    if (end == std::string_view::npos) end = q.size();
    const std::string_view part = q.substr(pos, end - pos);
    pos = end + 1;
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      const auto name = percent_decode(part.substr(0, eq), true);
      const auto value = percent_decode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
      if (!name || !value) {
        out.error = "bad percent-encoding in the query string";
        return out;
      }
      if (std::find(allowed.begin(), allowed.end(), *name) == allowed.end()) {
        out.error = "unknown query parameter '" + *name + "'";
        return out;
      }
      if (!out.values.emplace(*name, *value).second) {
        out.error = "query parameter '" + *name + "' given twice";
        return out;
      }
    }
    if (end == q.size()) break;
  }
  return out;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_severity(std::string_view s) {
  return s == "info" || s == "low" || s == "medium" || s == "high" || s == "critical";
}

// An address from a path segment (percent-decoded), with an optional
// ?chain=. Sets `error` (a 400 reason) when it cannot be parsed.
std::optional<address::Address> address_from_path(std::string_view segment, const std::string* chain_name,
                                                  std::string& error) {
  const auto text = percent_decode(segment, false);
  if (!text || text->empty()) {
    error = "missing or badly encoded address in the path";
    return std::nullopt;
  }
  address::ParseResult p;
  if (chain_name) {
    const auto chain = chain_from_string(lower(*chain_name));
    if (!chain) {
      error = "unknown chain '" + *chain_name + "'";
      return std::nullopt;
    }
    p = address::parse(*chain, *text);
  } else {
    p = address::parse_any(*text);
  }
  if (!p) {
    error = "bad address: " + p.error;
    return std::nullopt;
  }
  return std::move(*p.address);
}

struct Problem {
  std::size_t index;
  std::string field;
  std::string reason;
};

// CSV field per RFC 4180 as docs/watchlists.md reads it; line breaks are
// flattened to spaces (the loader reads one row per line).
void append_csv(std::string& out, std::string_view v) {
  std::string s(v);
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  const bool quote = s.find_first_of(",\"") != std::string::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' ')) ||
                     (!s.empty() && s.front() == '#');
  if (!quote) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

Api::Api(Registry& registry, admin::TokenSet tokens, Clock now_ms)
    : registry_(registry), tokens_(std::move(tokens)), now_ms_(std::move(now_ms)) {}

template <class F>
Response Api::authed(const Request& req, F&& handler) {
  const auto who = tokens_.authenticate(req);
  if (!who) {
    auto r = error_response(401, tokens_.empty()
                                     ? "unauthorized: no API tokens are configured (admin.tokens, admin.tokens_file)"
                                     : "unauthorized: missing or invalid bearer token");
    r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"freezewatch\""});
    return r;
  }
  return handler(*who);
}

Response Api::post_entries(const Request& req) {
  return authed(req, [&](const std::string& who) -> Response {
    if (auto syntax = find_json_syntax_error(req.body)) {
      std::string body = "{\"error\":";
      append_json_string(body, "malformed JSON: " + syntax->reason + " at byte " + std::to_string(syntax->offset));
      body += ",\"offset\":" + std::to_string(syntax->offset) + "}";
      return json_response(400, std::move(body));
    }
    dom::parser parser;
    dom::element root;
    if (auto e = parser.parse(req.body.data(), req.body.size(), true).get(root); e)
      return error_response(400, std::string("malformed JSON: ") + simdjson::error_message(e));
    dom::object top;
    if (root.get_object().get(top))
      return error_response(400, "the body must be a JSON object: {\"entries\": [...]}");
    dom::array items;
    bool have_entries = false;
    for (auto field : top) {
      if (field.key != "entries")
        return error_response(400, "unknown field '" + std::string(field.key) + "' (expected only \"entries\")");
      if (field.value.get_array().get(items)) return error_response(400, "\"entries\" must be an array");
      have_entries = true;
    }
    if (!have_entries) return error_response(400, "missing \"entries\" array");
    const std::size_t n = items.size();
    if (n == 0) return error_response(400, "\"entries\" is empty");
    if (n > kMaxBatch)
      return error_response(400, "batch of " + std::to_string(n) + " entries exceeds the maximum of " +
                                     std::to_string(kMaxBatch));

    const std::int64_t now = now_ms_();
    std::vector<LiveEntry> batch;
    batch.reserve(n);
    std::vector<Problem> problems;
    std::size_t index = 0;
    for (dom::element item : items) {
      const std::size_t i = index++;
      auto problem = [&](std::string field, std::string reason) {
        problems.push_back(Problem{i, std::move(field), std::move(reason)});
      };
      dom::object o;
      if (item.get_object().get(o)) {
        problem("", "expected an object");
        continue;
      }
      LiveEntry e;
      std::optional<std::string> address_text, chain_text;
      bool ok = true;
      std::set<std::string_view> seen;
      for (auto f : o) {
        const std::string_view key = f.key;
        if (!seen.insert(key).second) {
          problem(std::string(key), "given twice");
          ok = false;
          continue;
        }
        auto get_string = [&](std::size_t max_bytes) -> std::optional<std::string_view> {
          std::string_view v;
          if (f.value.get_string().get(v)) {
            problem(std::string(key), "expected a string");
            ok = false;
            return std::nullopt;
          }
          if (v.size() > max_bytes) {
            problem(std::string(key), "longer than " + std::to_string(max_bytes) + " bytes");
            ok = false;
            return std::nullopt;
          }
          return v;
        };
        if (key == "address") {
          if (auto v = get_string(kMaxFieldBytes)) address_text = std::string(*v);
        } else if (key == "chain") {
          if (auto v = get_string(kMaxFieldBytes)) chain_text = std::string(*v);
        } else if (key == "label") {
          if (auto v = get_string(kMaxFieldBytes)) e.label = *v;
        } else if (key == "incident") {
          if (auto v = get_string(kMaxFieldBytes)) e.incident = *v;
        } else if (key == "source") {
          if (auto v = get_string(kMaxFieldBytes)) e.source = *v;
        } else if (key == "notes") {
          if (auto v = get_string(kMaxNotesBytes)) e.notes = *v;
        } else if (key == "severity") {
          if (auto v = get_string(kMaxFieldBytes)) {
            const std::string s = lower(*v);
            if (!valid_severity(s)) {
              problem("severity", "unknown severity '" + std::string(*v) + "' (info, low, medium, high, critical)");
              ok = false;
            } else {
              e.severity = s;
            }
          }
        } else if (key == "follow") {
          bool b;
          if (f.value.get_bool().get(b)) {
            problem("follow", "expected true or false");
            ok = false;
          } else {
            e.follow = b;
          }
        } else if (key == "expires_at") {
          std::optional<std::int64_t> at;
          if (f.value.is_string()) {
            std::string why;
            at = parse_iso_ms(std::string_view(f.value.get_string().value_unsafe()), why);
            if (!at) {
              problem("expires_at", why);
              ok = false;
              continue;
            }
          } else if (f.value.is_int64()) {
            const std::int64_t secs = f.value.get_int64().value_unsafe();
            if (secs <= 0 || secs > 253'402'300'799) {  // 9999-12-31
              problem("expires_at", "unix seconds out of range");
              ok = false;
              continue;
            }
            at = secs * 1000;
          } else if (f.value.is_null()) {
            continue;
          } else {
            problem("expires_at", "expected an ISO-8601 UTC time string or unix seconds");
            ok = false;
            continue;
          }
          if (*at <= now) {
            problem("expires_at", "in the past");
            ok = false;
            continue;
          }
          e.expires_at_ms = at;
        } else {
          problem(std::string(key), "unknown field");
          ok = false;
        }
      }
      if (!address_text) {
        if (!seen.contains("address")) problem("address", "missing");
        continue;
      }
      // The address is checked even when another field failed, so one
      // answer lists every problem of the entry.
      const std::string_view text = trim(*address_text);
      address::ParseResult p;
      if (chain_text) {
        const auto chain = chain_from_string(lower(*chain_text));
        if (!chain) {
          problem("chain", "unknown chain '" + *chain_text + "' (evm, tron, stacks, bitcoin)");
          continue;
        }
        p = address::parse(*chain, text);
      } else {
        p = address::parse_any(text);
      }
      if (!p) {
        problem("address", text.empty() ? std::string("empty address") : p.error);
        continue;
      }
      if (!ok) continue;
      e.address = p->canonical;
      e.chain = p->chain;
      batch.push_back(std::move(e));
    }

    if (!problems.empty()) {
      constexpr std::size_t kMaxListed = 100;
      std::string body = "{\"error\":";
      append_json_string(body, std::to_string(problems.size()) + " problem(s) in the batch; nothing was added");
      body += ",\"problem_count\":" + std::to_string(problems.size()) + ",\"problems\":[";
      for (std::size_t k = 0; k < problems.size() && k < kMaxListed; ++k) {
        if (k) body += ',';
        body += "{\"index\":" + std::to_string(problems[k].index) + ",\"field\":";
        append_json_string(body, problems[k].field);
        body += ",\"reason\":";
        append_json_string(body, problems[k].reason);
        body += '}';
      }
      body += "]}";
      return json_response(400, std::move(body));
    }

    std::vector<std::string> canonical;
    canonical.reserve(batch.size());
    for (const auto& e : batch) canonical.push_back(e.address);
    const AddResult r = registry_.add(std::move(batch), who, req.peer, now);
    if (!r.ok) return error_response(500, "storage error, nothing was added: " + r.error);
    std::string body = "{\"added\":" + std::to_string(r.added) + ",\"updated\":" + std::to_string(r.updated) +
                       ",\"new_addresses\":" + std::to_string(r.new_addresses.size()) + ",\"entries\":[";
    for (std::size_t k = 0; k < canonical.size(); ++k) {
      if (k) body += ',';
      append_json_string(body, canonical[k]);
    }
    body += "]}";
    return json_response(200, std::move(body));
  });
}

Response Api::list_entries(const Request& req) {
  return authed(req, [&](const std::string&) -> Response {
    const Query q = parse_query(req.query, {"incident", "kind", "limit", "after"});
    if (!q.error.empty()) return error_response(400, q.error);
    ListQuery lq;
    lq.limit = kDefaultListLimit;
    if (auto it = q.values.find("incident"); it != q.values.end()) lq.incident = it->second;
    if (auto it = q.values.find("kind"); it != q.values.end()) {
      if (it->second == "api") lq.kind = LiveEntry::Kind::api;
      else if (it->second == "derived") lq.kind = LiveEntry::Kind::derived;
      else return error_response(400, "kind must be api or derived");
    }
    if (auto it = q.values.find("limit"); it != q.values.end()) {
      const auto v = to_int(it->second);
      if (!v || *v < 1 || *v > static_cast<std::int64_t>(kMaxListLimit))
        return error_response(400, "limit must be an integer from 1 to " + std::to_string(kMaxListLimit));
      lq.limit = static_cast<std::size_t>(*v);
    }
    if (auto it = q.values.find("after"); it != q.values.end()) lq.after = it->second;
    const ListPage page = registry_.list(lq);
    const std::int64_t now = now_ms_();
    std::string body = "{\"entries\":[";
    for (std::size_t k = 0; k < page.entries.size(); ++k) {
      if (k) body += ',';
      body += entry_to_json(page.entries[k], now);
    }
    body += "],\"next\":";
    if (page.next.empty()) body += "null";
    else append_json_string(body, page.next);
    body += '}';
    return json_response(200, std::move(body));
  });
}

Response Api::get_entry(const Request& req) {
  return authed(req, [&](const std::string&) -> Response {
    const Query q = parse_query(req.query, {"chain"});
    if (!q.error.empty()) return error_response(400, q.error);
    const std::string_view segment = std::string_view(req.path).substr(kEntryPrefix.size());
    if (segment.find('/') != std::string_view::npos) return error_response(404, "not found");
    std::string why;
    const auto it = q.values.find("chain");
    const auto addr = address_from_path(segment, it == q.values.end() ? nullptr : &it->second, why);
    if (!addr) return error_response(400, why);
    const auto live = registry_.get(addr->canonical);
    std::vector<std::string> files;
    if (file_lookup_) files = file_lookup_(*addr);
    std::string body = "{\"address\":";
    append_json_string(body, addr->canonical);
    body += ",\"chain\":";
    append_json_string(body, to_string(addr->chain));
    body += ",\"listed\":";
    body += live.empty() && files.empty() ? "false" : "true";
    body += ",\"live\":[";
    const std::int64_t now = now_ms_();
    for (std::size_t k = 0; k < live.size(); ++k) {
      if (k) body += ',';
      body += entry_to_json(live[k], now);
    }
    body += "],\"files\":[";
    for (std::size_t k = 0; k < files.size(); ++k) {
      if (k) body += ',';
      body += files[k];
    }
    body += "]}";
    return json_response(live.empty() && files.empty() ? 404 : 200, std::move(body));
  });
}

Response Api::delete_entry(const Request& req) {
  return authed(req, [&](const std::string& who) -> Response {
    const Query q = parse_query(req.query, {"incident", "chain"});
    if (!q.error.empty()) return error_response(400, q.error);
    const std::string_view segment = std::string_view(req.path).substr(kEntryPrefix.size());
    if (segment.find('/') != std::string_view::npos) return error_response(404, "not found");
    std::string why;
    const auto chain = q.values.find("chain");
    const auto addr = address_from_path(segment, chain == q.values.end() ? nullptr : &chain->second, why);
    if (!addr) return error_response(400, why);
    std::optional<std::string> incident;
    if (auto it = q.values.find("incident"); it != q.values.end()) incident = it->second;
    const CountResult r = registry_.remove(addr->canonical, incident, who, req.peer, now_ms_());
    if (!r.ok) return error_response(500, "storage error, nothing was removed: " + r.error);
    if (r.count == 0)
      return error_response(404, incident ? "no api entry for this address in incident '" + *incident + "'"
                                          : std::string("no api entry for this address"));
    std::string body = "{\"removed\":" + std::to_string(r.count) + ",\"address\":";
    append_json_string(body, addr->canonical);
    body += '}';
    return json_response(200, std::move(body));
  });
}

Response Api::export_entries(const Request& req) {
  return authed(req, [&](const std::string&) -> Response {
    const Query q = parse_query(req.query, {"format", "incident"});
    if (!q.error.empty()) return error_response(400, q.error);
    std::string format = "csv";
    if (auto it = q.values.find("format"); it != q.values.end()) format = it->second;
    if (format != "csv" && format != "jsonl") return error_response(400, "format must be csv or jsonl");
    const auto incident = q.values.find("incident");
    const std::int64_t now = now_ms_();
    const auto overlay = registry_.overlay();
    std::string body;
    if (format == "csv")
      body = "address,chain,label,incident,source,severity,added_at,notes,kind,added_by,expires_at,follow,hops,seed,"
             "approved\n";
    overlay->for_each([&](const LiveEntry& e) {
      if (e.expired(now)) return;
      if (incident != q.values.end() && e.incident != incident->second) return;
      if (format == "jsonl") {
        body += entry_to_json(e, now);
        body += '\n';
        return;
      }
      const std::string fields[] = {e.address,
                                    std::string(to_string(e.chain)),
                                    e.label,
                                    e.incident,
                                    e.source,
                                    e.severity,
                                    format_iso_ms(e.added_at_ms),
                                    e.notes,
                                    std::string(to_string(e.kind)),
                                    e.added_by,
                                    e.expires_at_ms ? format_iso_ms(*e.expires_at_ms) : std::string(),
                                    e.follow ? "true" : "false",
                                    e.kind == LiveEntry::Kind::derived ? std::to_string(e.hops) : std::string(),
                                    e.seed,
                                    e.kind == LiveEntry::Kind::derived ? (e.approved ? "true" : "false") : ""};
      for (std::size_t k = 0; k < std::size(fields); ++k) {
        if (k) body += ',';
        append_csv(body, fields[k]);
      }
      body += '\n';
    });
    Response r;
    r.status = 200;
    r.content_type = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
    r.body = std::move(body);
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  });
}

Response Api::approve_derived(const Request& req) {
  return authed(req, [&](const std::string& who) -> Response {
    std::string_view rest = std::string_view(req.path).substr(kDerivedPrefix.size());
    constexpr std::string_view suffix = "/approve";
    if (!rest.ends_with(suffix)) return error_response(404, "not found (POST .../derived/{address}/approve)");
    rest.remove_suffix(suffix.size());
    if (rest.find('/') != std::string_view::npos) return error_response(404, "not found");
    const Query q = parse_query(req.query, {"chain"});
    if (!q.error.empty()) return error_response(400, q.error);
    std::string why;
    const auto chain = q.values.find("chain");
    const auto addr = address_from_path(rest, chain == q.values.end() ? nullptr : &chain->second, why);
    if (!addr) return error_response(400, why);
    const CountResult r = registry_.approve(addr->canonical, who, req.peer, now_ms_());
    if (!r.ok) return error_response(500, "storage error, nothing was approved: " + r.error);
    if (r.count == 0) return error_response(404, "no derived entry for this address");
    std::string body = "{\"approved\":" + std::to_string(r.count) + ",\"address\":";
    append_json_string(body, addr->canonical);
    body += '}';
    return json_response(200, std::move(body));
  });
}

Response Api::dismiss_derived(const Request& req) {
  return authed(req, [&](const std::string& who) -> Response {
    const std::string_view rest = std::string_view(req.path).substr(kDerivedPrefix.size());
    if (rest.find('/') != std::string_view::npos) return error_response(404, "not found");
    const Query q = parse_query(req.query, {"chain"});
    if (!q.error.empty()) return error_response(400, q.error);
    std::string why;
    const auto chain = q.values.find("chain");
    const auto addr = address_from_path(rest, chain == q.values.end() ? nullptr : &chain->second, why);
    if (!addr) return error_response(400, why);
    const CountResult r = registry_.dismiss(addr->canonical, who, req.peer, now_ms_());
    if (!r.ok) return error_response(500, "storage error, nothing was dismissed: " + r.error);
    if (r.count == 0) return error_response(404, "no derived entry for this address");
    std::string body = "{\"dismissed\":" + std::to_string(r.count) + ",\"address\":";
    append_json_string(body, addr->canonical);
    body += '}';
    return json_response(200, std::move(body));
  });
}

Response Api::audit(const Request& req) {
  return authed(req, [&](const std::string&) -> Response {
    const Query q = parse_query(req.query, {"since", "limit"});
    if (!q.error.empty()) return error_response(400, q.error);
    std::int64_t since = 0;
    std::size_t limit = kDefaultListLimit;
    if (auto it = q.values.find("since"); it != q.values.end()) {
      const auto v = to_int(it->second);
      if (!v || *v < 0) return error_response(400, "since must be a non-negative integer (an audit seq)");
      since = *v;
    }
    if (auto it = q.values.find("limit"); it != q.values.end()) {
      const auto v = to_int(it->second);
      if (!v || *v < 1 || *v > static_cast<std::int64_t>(kMaxListLimit))
        return error_response(400, "limit must be an integer from 1 to " + std::to_string(kMaxListLimit));
      limit = static_cast<std::size_t>(*v);
    }
    const AuditResult r = registry_.audit_log(since, limit);
    if (!r.ok) return error_response(500, "storage error: " + r.error);
    std::string body = "{\"records\":[";
    std::int64_t last = since;
    for (std::size_t k = 0; k < r.records.size(); ++k) {
      const auto& a = r.records[k];
      if (k) body += ',';
      body += "{\"seq\":" + std::to_string(a.seq) + ",\"at\":";
      append_json_string(body, format_iso_ms(a.at_ms));
      body += ",\"at_ms\":" + std::to_string(a.at_ms) + ",\"who\":";
      append_json_string(body, a.who);
      body += ",\"action\":";
      append_json_string(body, a.action);
      body += ",\"address\":";
      append_json_string(body, a.address);
      body += ",\"chain\":";
      append_json_string(body, a.chain);
      body += ",\"incident\":";
      append_json_string(body, a.incident);
      body += ",\"detail\":";
      body += a.detail.empty() ? std::string("{}") : a.detail;  // written by entry_detail_json: valid JSON
      body += ",\"peer\":";
      append_json_string(body, a.peer);
      body += '}';
      last = a.seq;
    }
    body += "],\"next_since\":" + std::to_string(last) + "}";
    return json_response(200, std::move(body));
  });
}

void add_routes(const AddRoute& add, Api& api) {
  using admin::PathMatch;
  auto bind = [&api](Response (Api::*fn)(const Request&)) {
    return admin::Handler([&api, fn](const Request& r) { return (api.*fn)(r); });
  };
  add("POST", kEntriesPath, bind(&Api::post_entries), PathMatch::exact);
  add("GET", kEntriesPath, bind(&Api::list_entries), PathMatch::exact);
  add("GET", kEntryPrefix, bind(&Api::get_entry), PathMatch::prefix);
  add("DELETE", kEntryPrefix, bind(&Api::delete_entry), PathMatch::prefix);
  add("GET", kExportPath, bind(&Api::export_entries), PathMatch::exact);
  add("POST", kDerivedPrefix, bind(&Api::approve_derived), PathMatch::prefix);
  add("DELETE", kDerivedPrefix, bind(&Api::dismiss_derived), PathMatch::prefix);
  add("GET", kAuditPath, bind(&Api::audit), PathMatch::exact);
}

}  // namespace fw::registry
