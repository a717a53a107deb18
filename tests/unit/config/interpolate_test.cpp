#include "config/interpolate.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace fw::config {
namespace {

Expansion expand(std::string_view text) {
  static const std::map<std::string, std::string> env{
      {"TOKEN", "t0k"}, {"EMPTY", ""}, {"NESTED", "${TOKEN}"}};
  return expand_env(text, [](const std::string& name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(ExpandEnv, ReplacesReferencesWithTheirValues) {
  EXPECT_EQ(expand("Bearer ${TOKEN}").value, "Bearer t0k");
  EXPECT_EQ(expand("${TOKEN}${TOKEN}").value, "t0kt0k");
  EXPECT_EQ(expand("no references").value, "no references");
}

TEST(ExpandEnv, SetButEmptyVariableExpandsToNothing) {
  const auto e = expand("a${EMPTY}b");
  EXPECT_TRUE(e.ok());
  EXPECT_EQ(e.value, "ab");
}

TEST(ExpandEnv, ValuesAreNotExpandedAgain) { EXPECT_EQ(expand("${NESTED}").value, "${TOKEN}"); }

TEST(ExpandEnv, DoubleDollarEscapesALiteralReference) {
  EXPECT_EQ(expand("$${TOKEN}").value, "${TOKEN}");
  EXPECT_EQ(expand("cost: $5 and $ {x}").value, "cost: $5 and $ {x}");
}

TEST(ExpandEnv, UnsetVariablesAreListedOnceEach) {
  const auto e = expand("${A_MISSING} ${TOKEN} ${B_MISSING} ${A_MISSING}");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.unset, (std::vector<std::string>{"A_MISSING", "B_MISSING"}));
}

TEST(ExpandEnv, MalformedReferencesAreErrors) {
  EXPECT_NE(expand("${TOKEN").error.find("unterminated"), std::string::npos);
  EXPECT_NE(expand("${}").error.find("invalid"), std::string::npos);
  EXPECT_NE(expand("${TOKEN:-default}").error.find("invalid"), std::string::npos);
  EXPECT_NE(expand("${1ABC}").error.find("invalid"), std::string::npos);
}

TEST(HasEnvReference, SeesReferencesButNotEscapes) {
  EXPECT_TRUE(has_env_reference("${X}"));
  EXPECT_TRUE(has_env_reference("a $${b} ${c}"));
  EXPECT_FALSE(has_env_reference("$${X}"));
  EXPECT_FALSE(has_env_reference("plain $ text"));
}

}  // namespace
}  // namespace fw::config
