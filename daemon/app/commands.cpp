#include "app/commands.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "address/address.hpp"
#include "app/exit_codes.hpp"
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

}  // namespace fw::app
