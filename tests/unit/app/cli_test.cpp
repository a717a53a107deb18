#include "app/cli.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace fw::app {
namespace {

ParseOutcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "freezewatch");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(Cli, RunTakesAConfigFile) {
  auto p = parse({"run", "--config", "x.yaml"});
  ASSERT_TRUE(p.command) << p.error;
  EXPECT_EQ(p.command->verb, Verb::run);
  EXPECT_EQ(p.command->config_path, "x.yaml");
  p = parse({"run", "--config=y.yaml"});
  ASSERT_TRUE(p.command);
  EXPECT_EQ(p.command->config_path, "y.yaml");
}

TEST(Cli, CheckConfigTakesTheFileAsArgumentOrOption) {
  auto p = parse({"check-config", "a.yaml"});
  ASSERT_TRUE(p.command);
  EXPECT_EQ(p.command->config_path, "a.yaml");
  p = parse({"check-config", "-c", "b.yaml"});
  ASSERT_TRUE(p.command);
  EXPECT_EQ(p.command->config_path, "b.yaml");
  EXPECT_FALSE(parse({"check-config", "a.yaml", "-c", "b.yaml"}).command);
}

TEST(Cli, DefaultConfigComesFromTheEnvironment) {
  setenv("FREEZEWATCH_CONFIG", "/tmp/from-env.yaml", 1);
  auto p = parse({"run"});
  unsetenv("FREEZEWATCH_CONFIG");
  ASSERT_TRUE(p.command);
  EXPECT_EQ(p.command->config_path, "/tmp/from-env.yaml");
  EXPECT_EQ(default_config_path(), "/etc/freezewatch/freezewatch.yaml");
}

TEST(Cli, LookupNeedsAnAddress) {
  auto p = parse({"lookup"});
  EXPECT_FALSE(p.command);
  EXPECT_NE(p.error.find("ADDRESS"), std::string::npos);
  p = parse({"lookup", "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS"});
  ASSERT_TRUE(p.command);
  ASSERT_EQ(p.command->args.size(), 1u);
}

TEST(Cli, DlqRetryNeedsExactlyOneOfIdOrAll) {
  EXPECT_FALSE(parse({"dlq", "retry"}).command);
  EXPECT_FALSE(parse({"dlq", "retry", "3", "--all"}).command);
  auto p = parse({"dlq", "retry", "--all"});
  ASSERT_TRUE(p.command);
  EXPECT_TRUE(p.command->all);
  p = parse({"dlq", "retry", "42"});
  ASSERT_TRUE(p.command);
  EXPECT_EQ(p.command->args.at(0), "42");
  EXPECT_FALSE(parse({"dlq", "purge"}).command);
  EXPECT_FALSE(parse({"lookup", "x", "--all"}).command);
}

TEST(Cli, UnknownCommandsAndOptionsAreErrors) {
  auto p = parse({"frobnicate"});
  EXPECT_FALSE(p.command);
  EXPECT_NE(p.error.find("frobnicate"), std::string::npos);
  EXPECT_FALSE(parse({"run", "--bogus"}).command);
  EXPECT_FALSE(parse({}).command);
  EXPECT_FALSE(parse({"run", "--config"}).command);
}

TEST(Cli, HelpAndVersionWinOverEverything) {
  EXPECT_EQ(parse({"run", "--help"}).command->verb, Verb::help);
  EXPECT_EQ(parse({"--version"}).command->verb, Verb::version);
}

}  // namespace
}  // namespace fw::app
