#pragma once
// S3's XML: parsing its responses (with expat) and writing the two request bodies toq-media sends
// (CompleteMultipartUpload, DeleteObjects). Responses are small (an error, an upload id, up to 1000
// parts or keys), so they are parsed into a small element tree; object bodies never come here.
//
// Parsers ignore namespaces (S3 puts xmlns="http://s3.amazonaws.com/doc/2006-03-01/" on some roots
// and not on others) and unknown elements. Malformed XML or a missing required element is
// STORAGE_ERROR naming what was wrong.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

namespace toq::aws {

// One element: its local name (no namespace prefix), its text (concatenated character data) and
// its children in document order.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  const XmlElement* child(std::string_view child_name) const;  // first, or null
  std::vector<const XmlElement*> all(std::string_view child_name) const;
  // Text of the first child of that name, or nullopt.
  std::optional<std::string> child_text(std::string_view child_name) const;
};

// The root element of `xml`; STORAGE_ERROR when it is not well-formed.
core::Result<XmlElement> parse_xml(std::string_view xml);

// <Error><Code>..</Code><Message>..</Message>...</Error>
struct S3Error {
  std::string code;  // "NoSuchKey"; empty when the body had none (HEAD, or a proxy's error page)
  std::string message;
  std::string request_id;
};
// nullopt when `xml` is not an S3 <Error> document.
std::optional<S3Error> parse_s3_error(std::string_view xml);

// InitiateMultipartUploadResult -> UploadId.
core::Result<std::string> parse_initiate_multipart(std::string_view xml);

struct CompleteMultipartResult {
  std::string etag;  // as returned (quoted)
};
// CompleteMultipartUploadResult. S3 may answer 200 and still fail the request, with an <Error>
// body; the caller checks parse_s3_error() first.
core::Result<CompleteMultipartResult> parse_complete_multipart(std::string_view xml);

struct ListPartsPage {
  std::vector<core::PartInfo> parts;
  bool truncated = false;
  std::optional<int> next_marker;  // NextPartNumberMarker when truncated
};
core::Result<ListPartsPage> parse_list_parts(std::string_view xml);

struct DeleteResult {
  std::vector<std::string> deleted;
  std::vector<std::pair<std::string, S3Error>> errors;  // key, error
};
core::Result<DeleteResult> parse_delete_result(std::string_view xml);

// <CompleteMultipartUpload> with each part's number and (quoted) ETag, in the order given.
std::string complete_multipart_xml(const std::vector<core::CompletedPart>& parts);

// <Delete><Quiet>true</Quiet><Object><Key>..</Key></Object>...</Delete>: Quiet makes S3 list only
// the keys it failed to delete.
std::string delete_objects_xml(const std::vector<std::string>& keys);

}  // namespace toq::aws
