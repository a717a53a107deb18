#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace fw {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(base64_encode(plain[i]), coded[i]);
    EXPECT_EQ(base64_decode(coded[i]), std::optional<std::string>(plain[i]));
  }
}

TEST(Base64, PaddingIsOptionalButMustBeConsistent) {
  EXPECT_EQ(base64_decode("Zm9vYg"), std::optional<std::string>("foob"));
  EXPECT_FALSE(base64_decode("Zm9vYg="));    // half a pad
  EXPECT_FALSE(base64_decode("Zm9vY"));      // a lone sextet holds no byte
  EXPECT_FALSE(base64_decode("Zm9v*mFy"));   // outside the alphabet
  EXPECT_FALSE(base64_decode("Zm9vYg==="));  // too much padding
}

}  // namespace
}  // namespace fw
