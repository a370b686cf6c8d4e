// S3 request building: endpoints, path-style and virtual-hosted addressing, key encoding, the
// query and headers of each operation.

#include "adapter/aws/s3_requests.hpp"

#include <string>

#include <gtest/gtest.h>

namespace toq::aws {
namespace {

S3RequestBuilder builder(S3Addressing a) {
  auto b = S3RequestBuilder::create(a);
  if (!b) throw std::runtime_error(b.error().message);
  return std::move(*b);
}

std::optional<std::string> header(const RequestToSign& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

TEST(S3Endpoint, ParsesSchemeAuthorityAndPath) {
  auto aws = parse_endpoint("https://s3.sa-east-1.amazonaws.com");
  ASSERT_TRUE(aws);
  EXPECT_EQ(aws->scheme, "https");
  EXPECT_EQ(aws->authority, "s3.sa-east-1.amazonaws.com");
  EXPECT_EQ(aws->base_path, "");
  auto local = parse_endpoint("HTTP://127.0.0.1:4568/");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->scheme, "http");
  EXPECT_EQ(local->authority, "127.0.0.1:4568");
  auto prefixed = parse_endpoint("https://minio.internal:443/s3/");
  ASSERT_TRUE(prefixed);
  EXPECT_EQ(prefixed->authority, "minio.internal") << "the default port is dropped";
  EXPECT_EQ(prefixed->base_path, "/s3");
  for (const char* bad :
       {"s3.amazonaws.com", "ftp://host", "https://", "https://u:p@host", "https://host/?x=1"}) {
    auto parsed = parse_endpoint(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, core::ErrorCode::kConfigInvalid);
  }
}

TEST(S3Addressing, DefaultIsVirtualHostedOnTheRegionalEndpoint) {
  auto b =
      builder({.bucket = "toq-media", .region = "sa-east-1", .endpoint = "", .path_style = false});
  EXPECT_TRUE(b.virtual_hosted());
  const auto r = b.object_request("GET", "listings/1/batches/2/raw/3");
  EXPECT_EQ(r.host, "toq-media.s3.sa-east-1.amazonaws.com");
  EXPECT_EQ(r.path, "/listings/1/batches/2/raw/3");
  EXPECT_EQ(b.url(r), "https://toq-media.s3.sa-east-1.amazonaws.com/listings/1/batches/2/raw/3");
}

TEST(S3Addressing, PathStyleOnACustomEndpoint) {
  auto b = builder({.bucket = "toq-test",
                    .region = "us-east-1",
                    .endpoint = "http://127.0.0.1:9000",
                    .path_style = true});
  EXPECT_FALSE(b.virtual_hosted());
  const auto r = b.object_request("PUT", "a b/ç+%.jpg");
  EXPECT_EQ(r.host, "127.0.0.1:9000");
  EXPECT_EQ(r.path, "/toq-test/a%20b/%C3%A7%2B%25.jpg");
  const auto bucket_level = b.object_request("POST", "", {{"delete", ""}});
  EXPECT_EQ(b.url(bucket_level), "http://127.0.0.1:9000/toq-test/?delete=");
}

TEST(S3Addressing, BucketsThatCannotBeAHostLabelFallBackToPathStyle) {
  EXPECT_TRUE(virtual_host_compatible("toq-media", "https"));
  EXPECT_TRUE(virtual_host_compatible("my.dotted.bucket", "http"));
  EXPECT_FALSE(virtual_host_compatible("my.dotted.bucket", "https")) << "wildcard TLS certificate";
  EXPECT_FALSE(virtual_host_compatible("Upper", "https"));
  EXPECT_FALSE(virtual_host_compatible("under_score", "https"));
  EXPECT_FALSE(virtual_host_compatible("-dash", "https"));
  EXPECT_FALSE(virtual_host_compatible("ab", "https"));
  auto b = builder(
      {.bucket = "my.dotted.bucket", .region = "us-east-1", .endpoint = "", .path_style = false});
  EXPECT_FALSE(b.virtual_hosted());
  EXPECT_EQ(b.object_request("GET", "k").path, "/my.dotted.bucket/k");
}

TEST(S3Addressing, CustomEndpointWithAPathPrefix) {
  auto b = builder({.bucket = "bkt",
                    .region = "us-east-1",
                    .endpoint = "https://gw.example/s3",
                    .path_style = true});
  EXPECT_EQ(b.url(b.object_request("GET", "k")), "https://gw.example/s3/bkt/k");
  auto v = builder({.bucket = "bkt",
                    .region = "us-east-1",
                    .endpoint = "https://gw.example/s3",
                    .path_style = false});
  EXPECT_EQ(v.url(v.object_request("GET", "k")), "https://bkt.gw.example/s3/k");
}

TEST(S3Operations, QueryAndHeadersOfEachOperation) {
  auto b = builder({.bucket = "toq-test",
                    .region = "us-east-1",
                    .endpoint = "http://127.0.0.1:9000",
                    .path_style = true});
  const auto put = b.put_object("k", {"image/jpeg", 10, "c2hhMjU2"});
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(header(put, "Content-Type"), "image/jpeg");
  EXPECT_EQ(header(put, "x-amz-checksum-sha256"), "c2hhMjU2");

  const auto get = b.get_object("k", core::ByteRange{5, 9});
  EXPECT_EQ(header(get, "Range"), "bytes=5-9");
  EXPECT_EQ(header(get, "x-amz-checksum-mode"), "ENABLED");
  EXPECT_EQ(header(b.get_object("k", core::ByteRange{5, std::nullopt}), "Range"), "bytes=5-");
  EXPECT_EQ(header(b.head_object("k"), "x-amz-checksum-mode"), "ENABLED");

  const auto create = b.create_multipart("k", {"video/mp4", std::nullopt, std::nullopt});
  EXPECT_EQ(b.url(create), "http://127.0.0.1:9000/toq-test/k?uploads=");
  EXPECT_EQ(create.method, "POST");
  EXPECT_EQ(b.url(b.upload_part("k", "id/+=", 7)),
            "http://127.0.0.1:9000/toq-test/k?partNumber=7&uploadId=id%2F%2B%3D");
  EXPECT_EQ(b.url(b.list_parts("k", "id", 1000)),
            "http://127.0.0.1:9000/toq-test/k?uploadId=id&part-number-marker=1000");
  EXPECT_EQ(b.complete_multipart("k", "id").method, "POST");
  EXPECT_EQ(b.abort_multipart("k", "id").method, "DELETE");

  const std::string body = "<Delete/>";
  const auto del = b.delete_objects(body);
  EXPECT_EQ(del.method, "POST");
  // Content-MD5 = base64(md5("<Delete/>")), from `printf '<Delete/>' | openssl md5 -binary |
  // base64`.
  EXPECT_EQ(header(del, "Content-MD5"), "ePbrFwvNFIRnzBrIv+T8Ag==");
}

TEST(Uri, S3ObjectPath) {
  EXPECT_EQ(s3_object_path("bucket", "a b/c+d.jpg"), "/bucket/a%20b/c%2Bd.jpg");
  EXPECT_EQ(s3_object_path("bucket", ""), "/bucket");
}

}  // namespace
}  // namespace toq::aws
