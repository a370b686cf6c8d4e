// S3's XML on expat: the response shapes of the S3 API reference (with and without the S3
// namespace), escaping of what toq-media sends, and refusal of malformed documents.

#include "adapter/aws/s3_xml.hpp"

#include <string>

#include <gtest/gtest.h>

namespace toq::aws {
namespace {

TEST(S3Xml, ParsesAnErrorDocument) {
  const auto error = parse_s3_error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The resource you requested does not exist");
  EXPECT_EQ(error->request_id, "4442587FB7D0A2F9");
}

TEST(S3Xml, AnythingElseIsNotAnError) {
  EXPECT_FALSE(parse_s3_error(""));
  EXPECT_FALSE(parse_s3_error("<html><body>502 Bad Gateway</body></html>"));
  EXPECT_FALSE(parse_s3_error("<Error><Code>unterminated"));
  // A DeleteResult listing per-key <Error>s is not itself an error document.
  EXPECT_FALSE(parse_s3_error(
      "<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code></Error></DeleteResult>"));
}

TEST(S3Xml, ParsesInitiateMultipartUploadWithTheNamespace) {
  auto id = parse_initiate_multipart(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_FALSE(parse_initiate_multipart("<InitiateMultipartUploadResult/>"));
  EXPECT_FALSE(parse_initiate_multipart("<Other><UploadId>x</UploadId></Other>"));
}

TEST(S3Xml, ParsesCompleteMultipartUploadResult) {
  auto done = parse_complete_multipart(
      R"(<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>http://Example-Bucket.s3.amazonaws.com/Example-Object</Location>
  <Bucket>Example-Bucket</Bucket>
  <Key>Example-Object</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
  // s3rver escapes the quotes as entities.
  auto escaped = parse_complete_multipart(
      "<CompleteMultipartUploadResult><ETag>&quot;abc&quot;</ETag></"
      "CompleteMultipartUploadResult>");
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->etag, "\"abc\"");
}

TEST(S3Xml, ParsesListPartsPages) {
  auto page = parse_list_parts(R"(<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket><Key>example-object</Key><UploadId>XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>
  <PartNumberMarker>1</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker>
  <MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>
  <Part><PartNumber>2</PartNumber><LastModified>2010-11-10T20:48:34.000Z</LastModified>
    <ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag><Size>10485760</Size></Part>
  <Part><PartNumber>3</PartNumber><LastModified>2010-11-10T20:48:33.000Z</LastModified>
    <ETag>"aaaa18db4cc2f85cedef654fccc4a4x8"</ETag><Size>10485760</Size></Part>
</ListPartsResult>)");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->parts.size(), 2U);
  EXPECT_EQ(page->parts[0].part_number, 2);
  EXPECT_EQ(page->parts[0].etag, "\"7778aef83f66abc1fa1e8477f296d394\"");
  EXPECT_EQ(page->parts[1].size, 10485760);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_marker, 3);

  auto empty =
      parse_list_parts("<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->parts.empty());
  EXPECT_FALSE(empty->truncated);

  EXPECT_FALSE(parse_list_parts(
      "<ListPartsResult><Part><PartNumber>x</PartNumber></Part></ListPartsResult>"));
}

TEST(S3Xml, ParsesDeleteResultWithErrors) {
  auto result = parse_delete_result(R"(<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted><Key>sample1.txt</Key></Deleted>
  <Error><Key>sample2.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
</DeleteResult>)");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->deleted, std::vector<std::string>{"sample1.txt"});
  ASSERT_EQ(result->errors.size(), 1U);
  EXPECT_EQ(result->errors[0].first, "sample2.txt");
  EXPECT_EQ(result->errors[0].second.code, "AccessDenied");
}

TEST(S3Xml, MalformedDocumentsAreStorageErrors) {
  for (const char* bad : {"", "not xml", "<a><b></a>", "<a>&bogus;</a>"}) {
    auto parsed = parse_xml(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, core::ErrorCode::kStorageError);
  }
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_FALSE(parse_xml(deep)) << "nesting is bounded";
}

TEST(S3Xml, DeleteBodyEscapesKeysAndRoundTrips) {
  const std::vector<std::string> keys = {"plain/key.jpg", "a&b<c>\"d'e.txt", "çãé ü/x"};
  const std::string xml = delete_objects_xml(keys);
  EXPECT_NE(xml.find("<Quiet>true</Quiet>"), std::string::npos);
  EXPECT_NE(xml.find("a&amp;b&lt;c&gt;&quot;d&apos;e.txt"), std::string::npos);
  auto root = parse_xml(xml);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->name, "Delete");
  std::vector<std::string> back;
  for (const auto* object : root->all("Object"))
    back.push_back(object->child_text("Key").value_or(""));
  EXPECT_EQ(back, keys);
}

TEST(S3Xml, CompleteBodyListsPartsWithQuotedEtags) {
  const std::string xml =
      complete_multipart_xml({{1, "\"aaa\""}, {2, "bbb"}});  // quoted or not, sent quoted
  auto root = parse_xml(xml);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->name, "CompleteMultipartUpload");
  const auto parts = root->all("Part");
  ASSERT_EQ(parts.size(), 2U);
  EXPECT_EQ(parts[0]->child_text("PartNumber"), "1");
  EXPECT_EQ(parts[0]->child_text("ETag"), "\"aaa\"");
  EXPECT_EQ(parts[1]->child_text("ETag"), "\"bbb\"");
}

}  // namespace
}  // namespace toq::aws
