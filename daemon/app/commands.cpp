#include "app/commands.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "address/address.hpp"
#include "app/admin_client.hpp"
#include "app/exit_codes.hpp"
#include "log/log.hpp"
#include "config/config.hpp"
#include "outbox/outbox.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::app {
namespace {

// Loads and validates the config, printing every error. nullopt = invalid.
std::optional<config::Config> load_config_or_report(const std::string& path) {
  auto result = config::load_file(path);
  if (!result) {
    for (const auto& e : result.errors) std::cerr << config::format_error(path, e) << '\n';
    std::cerr << path << ": " << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors") << '\n';
    return std::nullopt;
  }
  return std::move(*result.config);
}

std::string base_dir_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

void print_watchlist_issues(const watchlist::Snapshot& snap, std::ostream& out, std::size_t max) {
  std::size_t shown = 0;
  for (const auto& issue : snap.issues()) {
    if (shown++ == max) {
      out << "  ... and " << snap.issues().size() - max << " more\n";
      break;
    }
    out << "  " << issue.file << ':' << issue.line << ": " << issue.reason;
    if (!issue.text.empty()) out << " (" << issue.text << ')';
    out << '\n';
  }
}

}  // namespace

int check_config(const Command& cmd) {
  auto cfg = load_config_or_report(cmd.config_path);
  if (!cfg) return exit_bad_config;
  // The watchlists are part of the config's promise: load them too, so a
  // broken strict list is caught before a deploy, not at start-up.
  auto loaded = watchlist::load(cfg->watchlists, base_dir_of(cmd.config_path));
  if (!loaded.snapshot) {
    std::cerr << cmd.config_path << ": watchlists: " << loaded.error << '\n';
    return exit_bad_config;
  }
  std::cout << config::summarize(*cfg);
  std::cout << "watchlist: " << loaded.snapshot->size() << " addresses, version "
            << loaded.snapshot->version().substr(0, 16) << '\n';
  if (!loaded.snapshot->issues().empty()) {
    std::cout << "watchlist: " << loaded.snapshot->issues().size() << " bad lines skipped:\n";
    print_watchlist_issues(*loaded.snapshot, std::cout, 20);
  }
  std::cout << "config OK\n";
  return exit_ok;
}

int lookup(const Command& cmd) {
  auto cfg = load_config_or_report(cmd.config_path);
  if (!cfg) return exit_bad_config;
  auto loaded = watchlist::load(cfg->watchlists, base_dir_of(cmd.config_path));
  if (!loaded.snapshot) {
    std::cerr << cmd.config_path << ": watchlists: " << loaded.error << '\n';
    return exit_bad_config;
  }
  const auto& snap = *loaded.snapshot;
  int worst = exit_ok;
  for (const auto& text : cmd.args) {
    auto parsed = address::parse_any(text);
    if (!parsed) {
      std::cout << "INVALID " << text << ": " << parsed.error << '\n';
      worst = std::max(worst, static_cast<int>(exit_invalid_address));
      continue;
    }
    const watchlist::Entry* entry = snap.find(parsed->canonical);
    if (!entry) {
      std::cout << "NOT LISTED " << parsed->canonical << " (" << to_string(parsed->chain) << ")\n";
      worst = std::max(worst, static_cast<int>(exit_not_listed));
      continue;
    }
    std::cout << "LISTED " << entry->address << " (" << to_string(entry->chain) << ")\n";
    for (const auto& p : entry->provenance) {
      std::cout << "  list=" << p.list << " file=" << p.file << ':' << p.line;
      if (!std::string_view(p.label).empty()) std::cout << " label=\"" << p.label << '"';
      if (!std::string_view(p.incident).empty()) std::cout << " incident=" << p.incident;
      if (!std::string_view(p.source).empty()) std::cout << " source=\"" << p.source << '"';
      if (!std::string_view(p.severity).empty()) std::cout << " severity=" << p.severity;
      if (!std::string_view(p.added_at).empty()) std::cout << " added_at=" << p.added_at;
      std::cout << '\n';
    }
  }
  std::cout << "watchlist version " << snap.version().substr(0, 16) << ", " << snap.size() << " addresses\n";
  return worst;
}

namespace {

std::string iso_time_ms(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int dlq(const Command& cmd) {
  auto cfg = load_config_or_report(cmd.config_path);
  if (!cfg) return exit_bad_config;
  outbox::Options options;
  options.path = (std::filesystem::path(cfg->storage.dir) / "outbox.db").string();
  options.create_if_missing = false;
  std::string error;
  auto box = outbox::Outbox::open(options, error);
  if (!box) {
    std::cerr << "freezewatch: cannot open outbox " << options.path << ": " << error << '\n';
    return exit_failure;
  }
  if (cmd.verb == Verb::dlq_list) {
    auto letters = box->dlq_list(0, &error);
    if (!error.empty()) {
      std::cerr << "freezewatch: " << error << '\n';
      return exit_failure;
    }
    if (letters.empty()) {
      std::cout << "no dead letters\n";
      return exit_ok;
    }
    for (const auto& d : letters) {
      std::cout << "seq=" << d.seq << " alert_id=" << d.alert_id << " endpoint=" << d.endpoint
                << " type=" << d.event_type << " http_status=" << d.http_status << " attempts=" << d.attempts
                << " dead_at=" << iso_time_ms(d.dead_at_ms) << " created_at=" << iso_time_ms(d.created_at_ms) << '\n'
                << "  reason: " << d.reason << '\n';
      if (!d.response_excerpt.empty()) std::cout << "  response: " << d.response_excerpt.substr(0, 300) << '\n';
    }
    std::cout << letters.size() << " dead letters\n";
    return exit_ok;
  }
  std::optional<std::int64_t> seq;
  if (!cmd.all) {
    try {
      std::size_t used = 0;
      seq = std::stoll(cmd.args.at(0), &used);
      if (used != cmd.args[0].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      std::cerr << "freezewatch: dlq retry: '" << cmd.args.at(0) << "' is not a dead-letter seq (see dlq list)\n";
      return exit_usage;
    }
  }
  std::size_t moved = box->dlq_retry(seq, &error);
  if (!error.empty()) {
    std::cerr << "freezewatch: " << error << '\n';
    return exit_failure;
  }
  if (seq && moved == 0) {
    std::cerr << "freezewatch: no dead letter with seq " << *seq << '\n';
    return exit_failure;
  }
  std::cout << "re-queued " << moved << (moved == 1 ? " alert" : " alerts")
            << "; a running daemon picks them up within a second\n";
  return exit_ok;
}

// ---------------------------------------------------------------------------
// watchlist: the admin API client side.

namespace {

constexpr char kTokenEnv[] = "FREEZEWATCH_ADMIN_TOKEN";
constexpr char kApi[] = "/api/v1/watchlist";

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string json_string(std::string_view s) { return "\"" + log::json_escape(s) + "\""; }

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// The token: first non-empty, non-comment line of the file; "NAME TOKEN" (the
// daemon's tokens_file format) gives TOKEN. Never printed.
std::optional<std::string> read_token_file(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read token file " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  for (std::string line; std::getline(in, line);) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto space = t.find_last_of(" \t");
    std::string token = space == std::string::npos ? t : t.substr(space + 1);
    for (char c : token) {
      if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
        error = "token file " + path + ": the token contains control characters";
        return std::nullopt;
      }
    }
    return token;
  }
  error = "token file " + path + " holds no token";
  return std::nullopt;
}

// Where the daemon listens, from --admin or the config's admin section.
// nullopt: reported, `code` set.
std::optional<AdminEndpoint> resolve_endpoint(const Command& cmd, int& code) {
  const auto& w = cmd.watchlist;
  AdminEndpoint ep;
  if (w.ca_file) ep.ca_file = *w.ca_file;
  if (w.admin_url) {
    ep.url = *w.admin_url;
  } else if (!cmd.config_given && !std::filesystem::exists(cmd.config_path)) {
    ep.url = "http://127.0.0.1:9464";
  } else {
    // Only the admin section: secrets of other sections need not be set here.
    auto result = config::load_admin_endpoint(cmd.config_path);
    if (!result) {
      for (const auto& e : result.errors) std::cerr << config::format_error(cmd.config_path, e) << '\n';
      std::cerr << "freezewatch: cannot read the admin address from " << cmd.config_path
                << " (see above); give the daemon with --admin http(s)://HOST:PORT instead\n";
      code = exit_bad_config;
      return std::nullopt;
    }
    const auto& admin = result.config->admin;
    if (!admin.enabled) {
      std::cerr << "freezewatch: " << cmd.config_path << ": admin.enabled is false: the daemon has no admin API\n";
      code = exit_failure;
      return std::nullopt;
    }
    std::string host = admin.listen_address;
    if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
    if (host == "::" || host == "[::]") host = "::1";
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    const bool https = !admin.tls_cert_file.empty() && !admin.tls_key_file.empty();
    ep.url = (https ? "https://" : "http://") + host + ":" + std::to_string(admin.port);
    if (https && !w.ca_file) ep.trust_file = admin.tls_cert_file;  // the daemon's own certificate
  }
  std::string error;
  if (!parse_admin_url(ep.url, error)) {
    std::cerr << "freezewatch: " << error << '\n';
    code = exit_usage;
    return std::nullopt;
  }
  if (w.token_file) {
    auto token = read_token_file(*w.token_file, error);
    if (!token) {
      std::cerr << "freezewatch: " << error << '\n';
      code = exit_usage;
      return std::nullopt;
    }
    ep.token = std::move(*token);
  } else if (const char* env = std::getenv(kTokenEnv); env && *env) {
    ep.token = trim(env);
  }
  return ep;
}

// One entry of an add batch: JSON members in order (key, raw JSON value), and
// the address for messages.
struct EntryJson {
  std::vector<std::pair<std::string, std::string>> members;
  std::string address;
  bool has(std::string_view key) const {
    return std::any_of(members.begin(), members.end(), [&](const auto& m) { return m.first == key; });
  }
};

// Fields the add options fill in when an entry does not set them.
void apply_defaults(EntryJson& e, const WatchlistArgs& w) {
  const std::pair<const char*, const std::optional<std::string>*> fields[] = {
      {"chain", &w.chain},   {"label", &w.label}, {"incident", &w.incident},     {"source", &w.source},
      {"severity", &w.severity}, {"notes", &w.notes}, {"expires_at", &w.expires_at}};
  for (const auto& [key, value] : fields)
    if (*value && !e.has(key)) e.members.emplace_back(key, json_string(**value));
  if (w.follow && !e.has("follow")) e.members.emplace_back("follow", "true");
}

// RFC 4180 fields of one line (no line breaks inside quotes). false: unterminated quote.
bool split_csv_line(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == ',') {
      out.push_back(was_quoted ? field : trim(field));
      field.clear();
      was_quoted = false;
    } else if (c == '"' && trim(field).empty()) {
      field.clear();
      quoted = was_quoted = true;
    } else {
      field += c;
    }
  }
  if (quoted) return false;
  out.push_back(was_quoted ? field : trim(field));
  return true;
}

constexpr std::string_view kCsvColumns[] = {"address", "chain",      "label",  "incident", "source",
                                            "severity", "notes",     "expires_at", "follow", "added_at"};

// Entries from a CSV file (header row naming the columns) or a JSONL file (one
// object per line). nullopt: reported, `code` set.
std::optional<std::vector<EntryJson>> read_entries_file(const std::string& path, int& code) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "freezewatch: cannot read entries file " << path << ": " << std::strerror(errno) << '\n';
    code = exit_usage;
    return std::nullopt;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  const std::string ext = std::filesystem::path(path).extension().string();
  bool jsonl = ext == ".jsonl" || ext == ".ndjson" || ext == ".json";
  if (ext != ".csv" && !jsonl) {
    for (const auto& l : lines) {
      const std::string t = trim(l);
      if (t.empty() || t[0] == '#') continue;
      jsonl = t[0] == '{';
      break;
    }
  }
  auto bad = [&](std::size_t line_no, const std::string& why) {
    std::cerr << "freezewatch: " << path << ':' << line_no << ": " << why << '\n';
    code = exit_rejected;
    return std::nullopt;
  };

  std::vector<EntryJson> entries;
  if (jsonl) {
    simdjson::dom::parser parser;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string t = trim(lines[i]);
      if (t.empty() || t[0] == '#') continue;
      simdjson::dom::object obj;
      if (auto err = parser.parse(t).get_object().get(obj); err)
        return bad(i + 1, std::string("not a JSON object (") + simdjson::error_message(err) + ")");
      EntryJson e;
      for (auto field : obj) {
        e.members.emplace_back(std::string(field.key), simdjson::minify(field.value));
        if (field.key == "address") {
          std::string_view a;
          if (!field.value.get_string().get(a)) e.address = std::string(a);
        }
      }
      entries.push_back(std::move(e));
    }
    return entries;
  }

  std::vector<std::string> header, fields;
  std::size_t address_column = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string t = trim(lines[i]);
    if (t.empty() || t[0] == '#') continue;
    if (!split_csv_line(lines[i], header.empty() ? header : fields)) return bad(i + 1, "unterminated quoted field");
    if (fields.empty()) {  // this was the header
      bool has_address = false;
      for (std::size_t c = 0; c < header.size(); ++c) {
        auto& name = header[c];
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (std::find(std::begin(kCsvColumns), std::end(kCsvColumns), name) == std::end(kCsvColumns)) {
          std::string known;
          for (auto k : kCsvColumns) known += (known.empty() ? "" : ", ") + std::string(k);
          return bad(i + 1, "unknown column '" + name + "' (known: " + known + ")");
        }
        if (name == "address") {
          has_address = true;
          address_column = c;
        }
      }
      if (!has_address) return bad(i + 1, "the header row has no 'address' column");
      fields.push_back("");  // marks the header as read
      continue;
    }
    if (fields.size() > header.size())
      return bad(i + 1, std::to_string(fields.size()) + " fields, the header names " + std::to_string(header.size()));
    EntryJson e;
    for (std::size_t c = 0; c < fields.size(); ++c) {
      if (fields[c].empty() || header[c] == "added_at") continue;
      if (header[c] == "follow") {
        std::string v = fields[c];
        for (auto& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (v == "true" || v == "yes" || v == "1") e.members.emplace_back("follow", "true");
        else if (v == "false" || v == "no" || v == "0") e.members.emplace_back("follow", "false");
        else return bad(i + 1, "follow must be true or false, not '" + log::excerpt(fields[c], 40) + "'");
        continue;
      }
      e.members.emplace_back(header[c], json_string(fields[c]));
    }
    if (address_column >= fields.size() || fields[address_column].empty()) return bad(i + 1, "no address");
    e.address = fields[address_column];
    entries.push_back(std::move(e));
  }
  if (header.empty()) {
    std::cerr << "freezewatch: " << path << ": no header row (address,chain,label,...) and no entries\n";
    code = exit_rejected;
    return std::nullopt;
  }
  return entries;
}

std::string entries_body(const std::vector<EntryJson>& entries) {
  std::string body = "{\"entries\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) body += ',';
    body += '{';
    for (std::size_t m = 0; m < entries[i].members.size(); ++m) {
      if (m) body += ',';
      body += json_string(entries[i].members[m].first);
      body += ':';
      body += entries[i].members[m].second;
    }
    body += '}';
  }
  body += "]}";
  return body;
}

// JSON re-indented by two spaces (strings kept byte for byte).
std::string pretty_json(std::string_view s) {
  std::string out;
  int depth = 0;
  bool in_string = false;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<std::size_t>(std::max(depth, 0)) * 2, ' ');
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) out += s[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; out += c; break;
      case '{':
      case '[': {
        out += c;
        std::size_t j = i + 1;
        while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
        if (j < s.size() && (s[j] == '}' || s[j] == ']')) {  // empty: keep "{}" / "[]"
          out += s[j];
          i = j;
        } else {
          ++depth;
          newline();
        }
        break;
      }
      case '}':
      case ']': --depth; newline(); out += c; break;
      case ',': out += c; newline(); break;
      case ':': out += ": "; break;
      case ' ': case '\t': case '\n': case '\r': break;
      default: out += c;
    }
  }
  return out;
}

bool is_json(const AdminReply& r) { return r.content_type.find("json") != std::string::npos; }

void print_body(const AdminReply& r) {
  if (r.body.empty()) return;
  if (is_json(r) && ::isatty(STDOUT_FILENO)) {
    std::cout << pretty_json(r.body) << '\n';
    return;
  }
  std::cout << r.body;
  if (r.body.back() != '\n') std::cout << '\n';
}

int exit_for_status(int status) {
  if (status >= 200 && status < 300) return exit_ok;
  if (status == 400 || status == 413 || status == 422) return exit_rejected;
  if (status == 404) return exit_not_found;
  if (status == 401 || status == 403) return exit_unauthorized;
  return exit_failure;
}

// The server's reason, its per-entry problems, and a hint, to stderr.
void report_refusal(const AdminReply& r, const std::vector<EntryJson>* entries, bool token_given) {
  std::string reason;
  std::vector<std::string> problems;
  if (is_json(r)) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (!parser.parse(r.body).get_object().get(obj)) {
      std::string_view text;
      if (!obj["error"].get_string().get(text)) reason = std::string(text);
      simdjson::dom::array list;
      if (!obj["problems"].get_array().get(list)) {
        for (auto p : list) {
          std::string line = "  ";
          std::int64_t index = -1;
          if (!p["index"].get_int64().get(index) && index >= 0) {
            line += "entry " + std::to_string(index);
            if (entries && static_cast<std::size_t>(index) < entries->size() && !(*entries)[index].address.empty())
              line += " (" + (*entries)[index].address + ")";
            line += ": ";
          }
          std::string_view field, why;
          if (!p["field"].get_string().get(field) && !field.empty()) line += std::string(field) + ": ";
          if (!p["reason"].get_string().get(why)) line += std::string(why);
          problems.push_back(std::move(line));
        }
      }
    }
  }
  if (reason.empty()) reason = log::excerpt(trim(r.body), 500);
  std::string what;
  switch (exit_for_status(r.status)) {
    case exit_rejected: what = "rejected"; break;
    case exit_not_found: what = "not found"; break;
    case exit_unauthorized: what = "unauthorized"; break;
    default: what = "the daemon answered"; break;
  }
  std::cerr << "freezewatch: " << what << " (HTTP " << r.status << ")";
  if (!reason.empty()) std::cerr << ": " << reason;
  std::cerr << '\n';
  for (const auto& p : problems) std::cerr << p << '\n';
  if (r.status == 401 && !token_given)
    std::cerr << "freezewatch: no token given: use --token-file FILE or $" << kTokenEnv << '\n';
  if (r.status == 413)
    std::cerr << "freezewatch: the request is larger than the daemon accepts (admin.max_body_bytes): "
                 "split the entries into smaller files\n";
}

}  // namespace

int watchlist(const Command& cmd) {
  int code = exit_ok;
  auto endpoint = resolve_endpoint(cmd, code);
  if (!endpoint) return code;
  const auto& w = cmd.watchlist;
  const std::string api = kApi;

  AdminRequest req;
  std::vector<EntryJson> entries;
  auto query = [](std::string& target, const char* key, const std::string& value) {
    target += target.find('?') == std::string::npos ? '?' : '&';
    target += key;
    target += '=';
    target += percent_encode(value);
  };
  switch (cmd.verb) {
    case Verb::watchlist_add: {
      if (w.file) {
        auto from_file = read_entries_file(*w.file, code);
        if (!from_file) return code;
        entries = std::move(*from_file);
      }
      for (const auto& a : cmd.args) {
        EntryJson e;
        e.address = a;
        e.members.emplace_back("address", json_string(a));
        entries.push_back(std::move(e));
      }
      if (entries.empty()) {
        std::cerr << "freezewatch: no entries to add\n";
        return exit_rejected;
      }
      for (auto& e : entries) apply_defaults(e, w);
      req.method = "POST";
      req.target = api + "/entries";
      req.body = entries_body(entries);
      req.content_type = "application/json";
      break;
    }
    case Verb::watchlist_remove:
      req.method = "DELETE";
      req.target = api + "/entries/" + percent_encode(cmd.args[0]);
      if (w.incident) query(req.target, "incident", *w.incident);
      break;
    case Verb::watchlist_get:
      req.target = api + "/entries/" + percent_encode(cmd.args[0]);
      break;
    case Verb::watchlist_list:
      req.target = api + "/entries";
      if (w.incident) query(req.target, "incident", *w.incident);
      if (w.kind) query(req.target, "kind", *w.kind);
      if (w.limit) query(req.target, "limit", std::to_string(*w.limit));
      if (w.after) query(req.target, "after", *w.after);
      break;
    case Verb::watchlist_approve:
      req.method = "POST";
      req.target = api + "/derived/" + percent_encode(cmd.args[0]) + "/approve";
      break;
    case Verb::watchlist_dismiss:
      req.method = "DELETE";
      req.target = api + "/derived/" + percent_encode(cmd.args[0]);
      break;
    case Verb::watchlist_export:
      req.target = api + "/export";
      if (w.format) query(req.target, "format", *w.format);
      req.body_sink = [](std::string_view chunk) { std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size())); };
      break;
    case Verb::watchlist_audit:
      req.target = api + "/audit";
      if (w.since) query(req.target, "since", std::to_string(*w.since));
      if (w.limit) query(req.target, "limit", std::to_string(*w.limit));
      break;
    default:
      return exit_usage;
  }

  const AdminReply reply = admin_request(*endpoint, req);
  std::cout.flush();
  if (!reply.answered()) {
    std::cerr << "freezewatch: cannot reach the daemon at " << endpoint->url << ": " << reply.error << '\n';
    return exit_failure;
  }
  const int result = exit_for_status(reply.status);
  if (result != exit_ok) {
    report_refusal(reply, cmd.verb == Verb::watchlist_add ? &entries : nullptr, !endpoint->token.empty());
    return result;
  }
  print_body(reply);
  std::cout.flush();
  return std::cout ? exit_ok : exit_failure;
}

}  // namespace fw::app
