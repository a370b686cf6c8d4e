#include "adapter/http/api_routes.hpp"

#include <gtest/gtest.h>

namespace toq::http {
namespace {

TEST(RedactQuery, HidesSigV4CredentialsAndKeepsTheRest) {
  EXPECT_EQ(redact_query("partNumber=3&uploadId=2~abc&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
                         "X-Amz-Credential=AKID%2F20261123%2Fus-east-1%2Fs3%2Faws4_request&"
                         "X-Amz-Date=20261123T191500Z&X-Amz-Expires=3600&"
                         "X-Amz-SignedHeaders=host&X-Amz-Signature=9f86d081884c7d65"),
            "partNumber=3&uploadId=2~abc&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=REDACTED&X-Amz-Date=20261123T191500Z&X-Amz-Expires=3600&"
            "X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED");
  EXPECT_EQ(redact_query("x-amz-security-token=secret&a=1"), "x-amz-security-token=REDACTED&a=1");
  EXPECT_EQ(redact_query("access_token=eyJ.x.y&b=2"), "access_token=REDACTED&b=2");
  EXPECT_EQ(redact_query(""), "");
  EXPECT_EQ(redact_query("X-Amz-Signature"), "X-Amz-Signature");
}

}  // namespace
}  // namespace toq::http
