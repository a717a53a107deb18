#include "app/cli.hpp"

#include <cstdlib>
#include <optional>
#include <string_view>

namespace fw::app {

std::string default_config_path() {
  if (const char* env = std::getenv("FREEZEWATCH_CONFIG"); env && *env) return env;
  return "/etc/freezewatch/freezewatch.yaml";
}

std::string usage() {
  return
      "freezewatch " FREEZEWATCH_VERSION " - match transfers against a watchlist and alert before funds are credited\n"
      "\n"
      "Usage:\n"
      "  freezewatch run [--config FILE]              run the daemon\n"
      "  freezewatch check-config [FILE]              validate a config; print every error, or a summary\n"
      "  freezewatch lookup ADDRESS [--config FILE]   is ADDRESS (any spelling) on the watchlist? with provenance\n"
      "  freezewatch dlq list [--config FILE]         list dead-lettered webhook deliveries\n"
      "  freezewatch dlq retry ID|--all [--config FILE]  re-queue dead letters for delivery\n"
      "\n"
      "  freezewatch watchlist add ADDRESS... [--chain C] [--label L] [--incident I] [--source S]\n"
      "              [--severity S] [--notes N] [--expires-at ISO] [--follow] [--file entries.csv|.jsonl]\n"
      "  freezewatch watchlist remove ADDRESS [--incident I]\n"
      "  freezewatch watchlist get ADDRESS\n"
      "  freezewatch watchlist list [--incident I] [--kind api|derived] [--limit N] [--after ADDRESS]\n"
      "  freezewatch watchlist approve ADDRESS       confirm a follow-the-money suspect\n"
      "  freezewatch watchlist dismiss ADDRESS       drop a follow-the-money suspect\n"
      "  freezewatch watchlist export [--format csv|jsonl]\n"
      "  freezewatch watchlist audit [--since SEQ] [--limit N]\n"
      "      talk to a running daemon's admin API; the daemon from --config FILE (its admin section)\n"
      "      or --admin http(s)://HOST:PORT; the bearer token from --token-file FILE or\n"
      "      $FREEZEWATCH_ADMIN_TOKEN (never on the command line); --ca-file FILE to verify HTTPS\n"
      "  freezewatch --help | --version\n"
      "\n"
      "Options:\n"
      "  -c, --config FILE   configuration file (default: $FREEZEWATCH_CONFIG or /etc/freezewatch/freezewatch.yaml)\n"
      "\n"
      "Exit codes: 0 ok; 1 runtime failure (watchlist: daemon unreachable or server error);\n"
      "            2 usage error; 3 invalid configuration (watchlist: input rejected, HTTP 400/413);\n"
      "            4 lookup: address not listed (watchlist: not found, HTTP 404);\n"
      "            5 lookup: address invalid; 6 watchlist: unauthorized (HTTP 401/403).\n";
}

namespace {

// Bits naming the watchlist subcommands an option goes with.
enum : unsigned {
  w_add = 1u << 0, w_remove = 1u << 1, w_get = 1u << 2, w_list = 1u << 3,
  w_approve = 1u << 4, w_dismiss = 1u << 5, w_export = 1u << 6, w_audit = 1u << 7,
  w_any = 0xffu,
};

struct SubcommandName {
  std::string_view name;
  Verb verb;
  unsigned bit;
};
constexpr SubcommandName kWatchlistSubcommands[] = {
    {"add", Verb::watchlist_add, w_add},         {"remove", Verb::watchlist_remove, w_remove},
    {"get", Verb::watchlist_get, w_get},         {"list", Verb::watchlist_list, w_list},
    {"approve", Verb::watchlist_approve, w_approve}, {"dismiss", Verb::watchlist_dismiss, w_dismiss},
    {"export", Verb::watchlist_export, w_export}, {"audit", Verb::watchlist_audit, w_audit},
};

struct ValueOption {
  std::string_view name;
  std::optional<std::string> WatchlistArgs::*field;  // nullptr: a number (--limit, --since)
  unsigned subcommands;
};
constexpr ValueOption kValueOptions[] = {
    {"--admin", &WatchlistArgs::admin_url, w_any},
    {"--token-file", &WatchlistArgs::token_file, w_any},
    {"--ca-file", &WatchlistArgs::ca_file, w_any},
    {"--chain", &WatchlistArgs::chain, w_add},
    {"--label", &WatchlistArgs::label, w_add},
    {"--incident", &WatchlistArgs::incident, w_add | w_remove | w_list},
    {"--source", &WatchlistArgs::source, w_add},
    {"--severity", &WatchlistArgs::severity, w_add},
    {"--notes", &WatchlistArgs::notes, w_add},
    {"--expires-at", &WatchlistArgs::expires_at, w_add},
    {"--file", &WatchlistArgs::file, w_add},
    {"--kind", &WatchlistArgs::kind, w_list},
    {"--after", &WatchlistArgs::after, w_list},
    {"--format", &WatchlistArgs::format, w_export},
    {"--limit", nullptr, w_list | w_audit},
    {"--since", nullptr, w_audit},
};

std::string subcommand_list(unsigned bits) {
  std::string out;
  for (const auto& s : kWatchlistSubcommands) {
    if (!(bits & s.bit)) continue;
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}

std::optional<std::uint64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// "--token", "--token=...", "--admin-token", ...: refused without echoing the value.
bool looks_like_token_option(std::string_view a) {
  if (a.starts_with("--token-file")) return false;
  return a.starts_with("--token") || a.starts_with("--admin-token") || a.starts_with("--bearer");
}

}  // namespace

bool is_watchlist(Verb v) noexcept {
  switch (v) {
    case Verb::watchlist_add:
    case Verb::watchlist_remove:
    case Verb::watchlist_get:
    case Verb::watchlist_list:
    case Verb::watchlist_approve:
    case Verb::watchlist_dismiss:
    case Verb::watchlist_export:
    case Verb::watchlist_audit: return true;
    default: return false;
  }
}

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  Command cmd;
  cmd.config_path = default_config_path();
  std::vector<std::string_view> rest;
  struct Given {
    std::string_view name;
    unsigned subcommands;
  };
  std::vector<Given> given;  // watchlist options seen, checked once the subcommand is known
  std::optional<std::string> limit_text, since_text;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") return {Command{Verb::help}, {}};
    if (a == "-V" || a == "--version") return {Command{Verb::version}, {}};
    if (a == "-c" || a == "--config") {
      if (i + 1 >= argc) return {std::nullopt, std::string(a) + " needs a FILE argument"};
      cmd.config_path = argv[++i];
      cmd.config_given = true;
      continue;
    }
    if (a.starts_with("--config=")) {
      cmd.config_path = std::string(a.substr(9));
      cmd.config_given = true;
      continue;
    }
    if (a == "--all") {
      cmd.all = true;
      continue;
    }
    if (looks_like_token_option(a)) {
      return {std::nullopt,
              "a token is never accepted on the command line (every user can read it with ps): "
              "put it in a file (--token-file FILE, mode 0600) or in $FREEZEWATCH_ADMIN_TOKEN"};
    }
    if (a == "--follow") {
      cmd.watchlist.follow = true;
      given.push_back({"--follow", w_add});
      continue;
    }
    const ValueOption* option = nullptr;
    std::optional<std::string> value;
    for (const auto& o : kValueOptions) {
      if (a == o.name) {
        if (i + 1 >= argc) return {std::nullopt, std::string(a) + " needs a value"};
        option = &o;
        value = argv[++i];
        break;
      }
      if (a.size() > o.name.size() && a.starts_with(o.name) && a[o.name.size()] == '=') {
        option = &o;
        value = std::string(a.substr(o.name.size() + 1));
        break;
      }
    }
    if (option) {
      if (option->field) cmd.watchlist.*(option->field) = std::move(value);
      else if (option->name == "--limit") limit_text = std::move(value);
      else since_text = std::move(value);
      given.push_back({option->name, option->subcommands});
      continue;
    }
    if (a.size() > 1 && a[0] == '-' ) return {std::nullopt, "unknown option " + std::string(a)};
    rest.push_back(a);
  }
  if (rest.empty()) return {std::nullopt, "missing command (try --help)"};

  std::string_view verb = rest[0];
  auto positional = [&](std::size_t from) {
    for (std::size_t i = from; i < rest.size(); ++i) cmd.args.emplace_back(rest[i]);
  };
  unsigned watchlist_bit = 0;
  if (verb == "run") {
    cmd.verb = Verb::run;
    if (rest.size() > 1) return {std::nullopt, "run takes no arguments besides --config"};
  } else if (verb == "check-config") {
    cmd.verb = Verb::check_config;
    if (rest.size() > 2) return {std::nullopt, "check-config takes one FILE"};
    if (rest.size() == 2) {
      if (cmd.config_given) return {std::nullopt, "give the file either as argument or with --config, not both"};
      cmd.config_path = std::string(rest[1]);
    }
  } else if (verb == "lookup") {
    cmd.verb = Verb::lookup;
    if (rest.size() < 2) return {std::nullopt, "lookup needs an ADDRESS"};
    positional(1);
  } else if (verb == "dlq") {
    if (rest.size() < 2) return {std::nullopt, "dlq needs a subcommand: list or retry"};
    if (rest[1] == "list") {
      cmd.verb = Verb::dlq_list;
      if (rest.size() > 2) return {std::nullopt, "dlq list takes no arguments"};
    } else if (rest[1] == "retry") {
      cmd.verb = Verb::dlq_retry;
      positional(2);
      if (cmd.all == !cmd.args.empty()) return {std::nullopt, "dlq retry needs exactly one of ID or --all"};
      if (cmd.args.size() > 1) return {std::nullopt, "dlq retry takes one ID"};
    } else {
      return {std::nullopt, "unknown dlq subcommand '" + std::string(rest[1]) + "' (list, retry)"};
    }
  } else if (verb == "watchlist") {
    if (rest.size() < 2) return {std::nullopt, "watchlist needs a subcommand: " + subcommand_list(w_any)};
    for (const auto& s : kWatchlistSubcommands) {
      if (rest[1] == s.name) {
        cmd.verb = s.verb;
        watchlist_bit = s.bit;
      }
    }
    if (!watchlist_bit)
      return {std::nullopt, "unknown watchlist subcommand '" + std::string(rest[1]) + "' (" + subcommand_list(w_any) + ")"};
    positional(2);
    const std::string name = "watchlist " + std::string(rest[1]);
    switch (cmd.verb) {
      case Verb::watchlist_add:
        if (cmd.args.empty() && !cmd.watchlist.file) return {std::nullopt, name + " needs an ADDRESS or --file FILE"};
        break;
      case Verb::watchlist_remove:
      case Verb::watchlist_get:
      case Verb::watchlist_approve:
      case Verb::watchlist_dismiss:
        if (cmd.args.size() != 1) return {std::nullopt, name + " takes exactly one ADDRESS"};
        break;
      default:
        if (!cmd.args.empty()) return {std::nullopt, name + " takes no arguments besides options"};
        break;
    }
  } else {
    return {std::nullopt, "unknown command '" + std::string(verb) + "' (try --help)"};
  }
  if (cmd.all && cmd.verb != Verb::dlq_retry) return {std::nullopt, "--all only goes with dlq retry"};

  for (const auto& g : given) {
    if (!watchlist_bit)
      return {std::nullopt, std::string(g.name) + " only goes with watchlist " + subcommand_list(g.subcommands)};
    if (!(g.subcommands & watchlist_bit))
      return {std::nullopt, std::string(g.name) + " does not go with watchlist " + std::string(rest[1]) +
                                " (only with " + subcommand_list(g.subcommands) + ")"};
  }
  if (watchlist_bit) {
    auto& w = cmd.watchlist;
    if (w.admin_url && cmd.config_given)
      return {std::nullopt, "give the daemon either with --admin URL or with --config FILE, not both"};
    if (limit_text) {
      w.limit = parse_count(*limit_text);
      if (!w.limit || *w.limit == 0) return {std::nullopt, "--limit needs a positive whole number"};
    }
    if (since_text) {
      w.since = parse_count(*since_text);
      if (!w.since) return {std::nullopt, "--since needs a whole number (an audit sequence number)"};
    }
    if (w.kind && *w.kind != "api" && *w.kind != "derived")
      return {std::nullopt, "--kind must be api or derived"};
    if (w.format && *w.format != "csv" && *w.format != "jsonl")
      return {std::nullopt, "--format must be csv or jsonl"};
    for (const auto* v : {&w.admin_url, &w.token_file, &w.ca_file, &w.file})
      if (*v && (*v)->empty()) return {std::nullopt, "an option was given an empty value"};
  }
  return {cmd, {}};
}

}  // namespace fw::app
