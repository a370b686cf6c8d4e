#include "adapter/aws/s3_xml.hpp"

#include <charconv>
#include <limits>

#include <expat.h>
#include <fmt/format.h>

#include "support/http_syntax.hpp"
#include "support/xml_escape.hpp"

namespace toq::aws {

namespace {

using core::ErrorCode;

struct ParserFree {
  void operator()(XML_Parser parser) const noexcept { XML_ParserFree(parser); }
};

// Builds the tree; `stack` holds the open elements, innermost last.
struct TreeBuilder {
  XmlElement root;
  std::vector<XmlElement*> stack;
  bool has_root = false;
  std::size_t depth_limit = 64;
  bool too_deep = false;
};

std::string_view local_name(const XML_Char* name) {
  std::string_view full{name};
  const auto colon = full.rfind(':');
  return colon == std::string_view::npos ? full : full.substr(colon + 1);
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto& b = *static_cast<TreeBuilder*>(data);
  if (b.stack.size() >= b.depth_limit) {
    b.too_deep = true;
    return;
  }
  XmlElement* element = nullptr;
  if (b.stack.empty()) {
    b.root = XmlElement{};
    b.has_root = true;
    element = &b.root;
  } else {
    b.stack.back()->children.emplace_back();
    element = &b.stack.back()->children.back();
  }
  element->name = local_name(name);
  b.stack.push_back(element);
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
  auto& b = *static_cast<TreeBuilder*>(data);
  if (!b.stack.empty() && !b.too_deep) b.stack.pop_back();
}

void XMLCALL on_text(void* data, const XML_Char* text, int length) {
  auto& b = *static_cast<TreeBuilder*>(data);
  if (!b.stack.empty() && length > 0) {
    b.stack.back()->text.append(text, static_cast<std::size_t>(length));
  }
}

std::unexpected<core::Error> bad_xml(std::string_view what, std::string_view detail) {
  return core::fail(ErrorCode::kStorageError,
                    fmt::format("unexpected S3 response ({}): {}", what, detail));
}

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

core::Result<XmlElement> parse_root(std::string_view xml, std::string_view expected_root) {
  auto root = parse_xml(xml);
  if (!root) return root;
  if (root->name != expected_root) {
    return bad_xml(expected_root, fmt::format("root element is <{}>", root->name));
  }
  return root;
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::all(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c.name == child_name) out.push_back(&c);
  }
  return out;
}

std::optional<std::string> XmlElement::child_text(std::string_view child_name) const {
  const XmlElement* c = child(child_name);
  if (c == nullptr) return std::nullopt;
  return c->text;
}

core::Result<XmlElement> parse_xml(std::string_view xml) {
  // The builder keeps pointers to the open elements. They stay valid: a child is only ever
  // appended to the innermost open element, so the vector holding an open element never grows.
  std::unique_ptr<XML_ParserStruct, ParserFree> parser{XML_ParserCreate("UTF-8")};
  if (!parser) return core::fail(ErrorCode::kInternal, "XML_ParserCreate failed");
  TreeBuilder builder;
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  if (xml.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return bad_xml("xml", "document too large");
  }
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) ==
      XML_STATUS_ERROR) {
    return bad_xml("xml",
                   fmt::format("{} at line {}", XML_ErrorString(XML_GetErrorCode(parser.get())),
                               XML_GetCurrentLineNumber(parser.get())));
  }
  if (builder.too_deep) return bad_xml("xml", "nested too deeply");
  if (!builder.has_root) return bad_xml("xml", "no root element");
  return std::move(builder.root);
}

std::optional<S3Error> parse_s3_error(std::string_view xml) {
  if (xml.find("<Error") == std::string_view::npos) return std::nullopt;
  auto root = parse_xml(xml);
  if (!root || root->name != "Error") return std::nullopt;
  S3Error error;
  error.code = root->child_text("Code").value_or("");
  error.message = root->child_text("Message").value_or("");
  error.request_id = root->child_text("RequestId").value_or("");
  return error;
}

core::Result<std::string> parse_initiate_multipart(std::string_view xml) {
  auto root = parse_root(xml, "InitiateMultipartUploadResult");
  if (!root) return std::unexpected(std::move(root.error()));
  auto id = root->child_text("UploadId");
  if (!id || id->empty()) return bad_xml("InitiateMultipartUploadResult", "no UploadId");
  return *id;
}

core::Result<CompleteMultipartResult> parse_complete_multipart(std::string_view xml) {
  auto root = parse_root(xml, "CompleteMultipartUploadResult");
  if (!root) return std::unexpected(std::move(root.error()));
  auto etag = root->child_text("ETag");
  if (!etag) return bad_xml("CompleteMultipartUploadResult", "no ETag");
  return CompleteMultipartResult{.etag = *etag};
}

core::Result<ListPartsPage> parse_list_parts(std::string_view xml) {
  auto root = parse_root(xml, "ListPartsResult");
  if (!root) return std::unexpected(std::move(root.error()));
  ListPartsPage page;
  for (const XmlElement* part : root->all("Part")) {
    const auto number = to_int(part->child_text("PartNumber").value_or(""));
    const auto size = to_int(part->child_text("Size").value_or(""));
    const auto etag = part->child_text("ETag");
    if (!number || !size || !etag || *number < 1 || *number > core::kMaxPartNumber) {
      return bad_xml("ListPartsResult", "a Part lacks PartNumber, Size or ETag");
    }
    page.parts.push_back(
        core::PartInfo{.part_number = static_cast<int>(*number), .etag = *etag, .size = *size});
  }
  page.truncated = root->child_text("IsTruncated").value_or("false") == "true";
  if (const auto marker = to_int(root->child_text("NextPartNumberMarker").value_or(""))) {
    page.next_marker = static_cast<int>(*marker);
  }
  return page;
}

core::Result<DeleteResult> parse_delete_result(std::string_view xml) {
  auto root = parse_root(xml, "DeleteResult");
  if (!root) return std::unexpected(std::move(root.error()));
  DeleteResult result;
  for (const XmlElement* d : root->all("Deleted")) {
    result.deleted.push_back(d->child_text("Key").value_or(""));
  }
  for (const XmlElement* e : root->all("Error")) {
    result.errors.emplace_back(e->child_text("Key").value_or(""),
                               S3Error{.code = e->child_text("Code").value_or(""),
                                       .message = e->child_text("Message").value_or(""),
                                       .request_id = {}});
  }
  return result;
}

std::string complete_multipart_xml(const std::vector<core::CompletedPart>& parts) {
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  out += R"(<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)";
  for (const auto& part : parts) {
    out += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>&quot;{}&quot;</ETag></Part>",
                       part.part_number, support::xml_escape(support::unquote_etag(part.etag)));
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

std::string delete_objects_xml(const std::vector<std::string>& keys) {
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  out += R"(<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>)";
  for (const auto& key : keys) {
    out += fmt::format("<Object><Key>{}</Key></Object>", support::xml_escape(key));
  }
  out += "</Delete>";
  return out;
}

}  // namespace toq::aws
