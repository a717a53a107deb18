#include "app/cli.hpp"

#include <cstdlib>
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
      "  freezewatch --help | --version\n"
      "\n"
      "Options:\n"
      "  -c, --config FILE   configuration file (default: $FREEZEWATCH_CONFIG or /etc/freezewatch/freezewatch.yaml)\n"
      "\n"
      "Exit codes: 0 ok; 1 runtime failure; 2 usage error; 3 invalid configuration;\n"
      "            4 lookup: address not listed; 5 lookup: address invalid.\n";
}

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  Command cmd;
  cmd.config_path = default_config_path();
  std::vector<std::string_view> rest;
  bool config_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") return {Command{Verb::help}, {}};
    if (a == "-V" || a == "--version") return {Command{Verb::version}, {}};
    if (a == "-c" || a == "--config") {
      if (i + 1 >= argc) return {std::nullopt, std::string(a) + " needs a FILE argument"};
      cmd.config_path = argv[++i];
      config_given = true;
      continue;
    }
    if (a.starts_with("--config=")) {
      cmd.config_path = std::string(a.substr(9));
      config_given = true;
      continue;
    }
    if (a == "--all") {
      cmd.all = true;
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
  if (verb == "run") {
    cmd.verb = Verb::run;
    if (rest.size() > 1) return {std::nullopt, "run takes no arguments besides --config"};
  } else if (verb == "check-config") {
    cmd.verb = Verb::check_config;
    if (rest.size() > 2) return {std::nullopt, "check-config takes one FILE"};
    if (rest.size() == 2) {
      if (config_given) return {std::nullopt, "give the file either as argument or with --config, not both"};
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
  } else {
    return {std::nullopt, "unknown command '" + std::string(verb) + "' (try --help)"};
  }
  if (cmd.all && cmd.verb != Verb::dlq_retry) return {std::nullopt, "--all only goes with dlq retry"};
  return {cmd, {}};
}

}  // namespace fw::app
