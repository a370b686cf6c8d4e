#include "core/model/manifest.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "support/base64.hpp"
#include "support/text.hpp"

namespace toq::core {
namespace {

constexpr std::int64_t kGiB = 1024 * ManifestLimits::kMiB;
// The log message lists at most this many failures; details lists up to
// FieldErrors::kMaxFieldErrors.
constexpr std::size_t kMaxFailuresInMessage = 10;

// What a single pass over a UTF-8 string learns: whether it decodes, how many code points it has
// and whether any of them is a control character.
struct TextFacts {
  bool valid = false;
  std::size_t length = 0;
  bool has_control = false;
};

// C0, DEL and C1: invisible, and able to break logs, terminals and file names.
constexpr bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

constexpr bool is_continuation(unsigned char b) {
  return (b & 0xC0U) == 0x80U;
}

// Strict decoder (RFC 3629): the second byte's range is narrowed per lead byte, which rejects
// overlong forms, surrogates and code points above U+10FFFF without decoding them first.
TextFacts scan_utf8(std::string_view text) {
  TextFacts facts;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    char32_t cp = 0;
    std::size_t extra = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 < 0x80) {
      cp = b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      cp = b0 & 0x1FU;
      extra = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      cp = b0 & 0x0FU;
      extra = 2;
      if (b0 == 0xE0) lo = 0xA0;  // below: overlong
      if (b0 == 0xED) hi = 0x9F;  // above: surrogates D800-DFFF
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      cp = b0 & 0x07U;
      extra = 3;
      if (b0 == 0xF0) lo = 0x90;  // below: overlong
      if (b0 == 0xF4) hi = 0x8F;  // above: beyond U+10FFFF
    } else {
      return facts;  // stray continuation byte, C0/C1 overlong lead, or F5..FF
    }
    if (n - i <= extra) return facts;  // truncated
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (b < lo || b > hi) : !is_continuation(b)) return facts;
      cp = (cp << 6) | (b & 0x3FU);
    }
    facts.has_control = facts.has_control || is_control(cp);
    ++facts.length;
    i += extra + 1;
  }
  facts.valid = true;
  return facts;
}

// "Image/JPEG; charset=x" -> "image/jpeg": parameters never change what the bytes are.
std::string normalise_content_type(std::string_view raw) {
  return support::to_lower(support::trim(raw.substr(0, raw.find(';')), support::kHttpWhitespace));
}

// Plain words for a byte limit: "60 MiB", "10 GiB", or bytes when it is not a round number.
std::string describe_bytes(std::int64_t bytes) {
  if (bytes > 0 && bytes % kGiB == 0) return fmt::format("{} GiB", bytes / kGiB);
  if (bytes > 0 && bytes % ManifestLimits::kMiB == 0) {
    return fmt::format("{} MiB", bytes / ManifestLimits::kMiB);
  }
  return fmt::format("{} bytes", bytes);
}

std::string join_media_types() {
  std::string out;
  for (auto t : kAllMediaTypes) {
    if (!out.empty()) out += ", ";
    out += to_string(t);
  }
  return out;
}

std::string join(const std::set<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

// Collects failures in the order the fields are checked, which is the order they appear in the
// contract's JSON, so the client can mark rows top to bottom. At most one failure per field.
class Checker {
 public:
  explicit Checker(const ManifestLimits& limits) : limits_(limits) {}

  void add(std::string field, const char* rule, std::string reason) {
    if (errors_.size() >= FieldErrors::kMaxFieldErrors) {
      ++omitted_;
      return;
    }
    errors_.push_back(FieldError{std::move(field), rule, std::move(reason)});
  }

  // Text fields: true when the text passed (an empty one passes only when allowed).
  bool check_text(const std::string& field, std::string_view value, std::size_t max_chars,
                  bool allow_empty) {
    if (value.empty()) {
      if (allow_empty) return true;
      add(field, rule::kEmpty, "must not be empty");
      return false;
    }
    const auto facts = scan_utf8(value);
    if (!facts.valid) {
      add(field, rule::kInvalidUtf8, "is not valid UTF-8");
      return false;
    }
    if (facts.has_control) {
      add(field, rule::kControlCharacter, "must not contain control characters");
      return false;
    }
    if (facts.length > max_chars) {
      add(field, rule::kTooLong,
          fmt::format("has {} characters; at most {} are allowed", facts.length, max_chars));
      return false;
    }
    return true;
  }

  FileDeclaration check_file(std::size_t i, const FileDeclarationInput& in) {
    FileDeclaration out;
    const auto field = [i](std::string_view name) { return fmt::format("files[{}].{}", i, name); };

    check_client_id(i, field("clientId"), in, out);

    std::optional<MediaType> media_type;
    if (!in.media_type) {
      add(field("mediaType"), rule::kRequired, "is required");
    } else {
      media_type = parse_media_type(*in.media_type);
      if (media_type) {
        out.media_type = *media_type;
      } else {
        add(field("mediaType"), rule::kUnknownValue,
            fmt::format("must be one of {}", join_media_types()));
      }
    }

    const auto filename = field("filename");
    if (!in.filename) {
      add(filename, rule::kRequired, "is required");
    } else if (check_text(filename, *in.filename, limits_.max_filename_chars, false)) {
      out.filename = *in.filename;
    }

    if (!in.content_type) {
      add(field("contentType"), rule::kRequired, "is required");
    } else {
      out.content_type = normalise_content_type(*in.content_type);
      if (out.content_type.empty()) {
        add(field("contentType"), rule::kEmpty, "must not be empty");
      } else if (media_type) {
        // Without a known media type there is no list to check against; UNKNOWN_VALUE covers it.
        check_content_type(field("contentType"), *media_type, out.content_type);
      }
    }

    if (!in.bytes) {
      add(field("bytes"), rule::kRequired, "is required");
    } else if (*in.bytes < 1) {
      add(field("bytes"), rule::kOutOfRange, "must be at least 1");
    } else {
      out.bytes = *in.bytes;
      if (media_type) check_size(field("bytes"), group_of(*media_type), *in.bytes);
    }

    if (!in.checksum_sha256) {
      add(field("checksumSha256"), rule::kRequired, "is required");
    } else if (is_base64_sha256(*in.checksum_sha256)) {
      out.checksum_sha256 = *in.checksum_sha256;
    } else {
      add(field("checksumSha256"), rule::kBadChecksum,
          "must be the standard base64 encoding (44 characters, ending in '=') of the file's "
          "32-byte SHA-256 digest");
    }

    if (in.title && check_text(field("title"), *in.title, limits_.max_title_chars, true)) {
      out.title = *in.title;
    }

    check_sequence(i, field("sequence"), in, media_type, out);
    return out;
  }

  void check_client_id(std::size_t i, const std::string& field, const FileDeclarationInput& in,
                       FileDeclaration& out) {
    if (!in.client_id) {
      add(field, rule::kRequired, "is required");
    } else if (check_text(field, *in.client_id, limits_.max_client_id_chars, false)) {
      // Only a clientId that passed its own rules is compared: it is then safe to quote.
      const auto [first, inserted] = client_ids_.try_emplace(*in.client_id, i);
      if (inserted) {
        out.client_id = *in.client_id;
      } else {
        add(field, rule::kDuplicate,
            fmt::format("'{}' is already used by files[{}]", *in.client_id, first->second));
      }
    }
  }

  // Unique per media type; checked only when the media type is known.
  void check_sequence(std::size_t i, const std::string& field, const FileDeclarationInput& in,
                      std::optional<MediaType> media_type, FileDeclaration& out) {
    if (!in.sequence) {
      add(field, rule::kRequired, "is required");
    } else if (*in.sequence < 1 || *in.sequence > kMaxSequence) {
      add(field, rule::kOutOfRange, fmt::format("must be 1 to {}", kMaxSequence));
    } else {
      out.sequence = *in.sequence;
      if (media_type) {
        const auto [first, inserted] = sequences_.try_emplace({*media_type, *in.sequence}, i);
        if (!inserted) {
          add(field, rule::kDuplicate,
              fmt::format("{} is already used by files[{}] for {}", *in.sequence, first->second,
                          to_string(*media_type)));
        }
      }
    }
  }

  FieldErrors take_errors() { return FieldErrors{std::move(errors_), omitted_}; }
  [[nodiscard]] bool ok() const { return errors_.empty(); }

 private:
  void check_content_type(const std::string& field, MediaType type, const std::string& value) {
    const auto it = limits_.allowed_content_types.find(type);
    if (it != limits_.allowed_content_types.end() && it->second.contains(value)) return;
    // The declared value is not quoted: it is unvalidated client text.
    add(field, rule::kContentTypeNotAllowed,
        fmt::format("is not allowed for {}; allowed: {}", to_string(type),
                    it == limits_.allowed_content_types.end() ? "none" : join(it->second)));
  }

  void check_size(const std::string& field, MediaGroup group, std::int64_t bytes) {
    // A group missing from the limits admits nothing: failing closed beats an unlimited upload.
    const auto it = limits_.max_bytes.find(group);
    const std::int64_t limit = it == limits_.max_bytes.end() ? 0 : it->second;
    if (bytes <= limit) return;
    add(field, rule::kFileTooLarge,
        fmt::format("the file has {} bytes, more than the {} allowed for {} files", bytes,
                    describe_bytes(limit), to_string(group)));
  }

  const ManifestLimits& limits_;
  std::vector<FieldError> errors_;
  std::size_t omitted_ = 0;
  // First index of each clientId and of each (mediaType, sequence): DUPLICATE names it.
  std::map<std::string, std::size_t, std::less<>> client_ids_;
  std::map<std::pair<MediaType, std::int64_t>, std::size_t> sequences_;
};

std::string summarise(const FieldErrors& failures) {
  const auto& errors = failures.fields;
  const auto n = errors.size() + failures.omitted;
  std::string out = fmt::format("{} problem{} in the manifest: ", n, n == 1 ? "" : "s");
  const auto shown = std::min(errors.size(), kMaxFailuresInMessage);
  for (std::size_t k = 0; k < shown; ++k) {
    if (k > 0) out += "; ";
    out += fmt::format("{}: {}", errors[k].field, errors[k].reason);
  }
  if (n > shown) out += fmt::format("; and {} more", n - shown);
  return out;
}

Error make_manifest_error(FieldErrors failures) {
  const auto& errors = failures.fields;
  // The omitted failures are of unknown rules: only a complete list decides a narrower code.
  const auto all_are = [&](std::string_view r) {
    return failures.omitted == 0 &&
           std::ranges::all_of(errors, [&](const FieldError& e) { return e.rule == r; });
  };
  const auto n = errors.size() + failures.omitted;
  ErrorCode code = ErrorCode::kInvalidManifest;
  std::string public_message;
  if (all_are(rule::kFileTooLarge)) {
    code = ErrorCode::kFileTooLarge;
    public_message = n == 1 ? "1 file is larger than allowed."
                            : fmt::format("{} files are larger than allowed.", n);
  } else if (all_are(rule::kContentTypeNotAllowed)) {
    code = ErrorCode::kUnsupportedMediaType;
    public_message = n == 1 ? "1 file has a content type that is not allowed."
                            : fmt::format("{} files have a content type that is not allowed.", n);
  } else {
    public_message = n == 1 ? "The file manifest has 1 problem."
                            : fmt::format("The file manifest has {} problems.", n);
  }
  auto error = make_error(code, summarise(failures), std::move(public_message),
                          "Fix the fields listed in the details and send the manifest again.");
  error.details = std::move(failures);
  return error;
}

}  // namespace

std::map<MediaType, std::set<std::string>> ManifestLimits::default_content_types() {
  const std::set<std::string> photos = {"image/jpeg", "image/png",  "image/heic",
                                        "image/heif", "image/webp", "image/tiff"};
  // Every container the pipeline processes (media/video: MP4/MOV, Matroska/WebM, AVI, MPEG-PS/TS):
  // refusing AVI and MPEG here would turn away files it handles (older cameras, camcorders).
  const std::set<std::string> videos = {"video/mp4",  "video/quicktime",  "video/x-m4v",
                                        "video/webm", "video/x-matroska", "video/x-msvideo",
                                        "video/mpeg", "video/mp2t"};
  return {
      {MediaType::kPhotoVertical, photos},           {MediaType::kPhotoHorizontal, photos},
      {MediaType::kVideoVertical, videos},           {MediaType::kVideoHorizontal, videos},
      {MediaType::kProjectDoc, {"application/pdf"}}, {MediaType::kProjectRender, photos},
  };
}

std::optional<std::size_t> utf8_length(std::string_view text) {
  const auto facts = scan_utf8(text);
  if (!facts.valid) return std::nullopt;
  return facts.length;
}

bool is_base64_sha256(std::string_view text) {
  // The decoder is strict (padded, canonical), so one digest has exactly one accepted spelling.
  const auto bytes = support::base64_decode(text);
  return bytes && bytes->size() == 32;
}

Result<Manifest> validate_manifest(const ManifestInput& input, const ManifestLimits& limits) {
  Checker c(limits);
  Manifest manifest;

  if (!input.listing_identity_id) {
    c.add("listingIdentityId", rule::kRequired, "is required");
  } else if (*input.listing_identity_id < 1) {
    c.add("listingIdentityId", rule::kOutOfRange, "must be at least 1");
  } else {
    manifest.listing_identity_id = *input.listing_identity_id;
  }

  if (input.batch_reference && c.check_text("batchReference", *input.batch_reference,
                                            limits.max_batch_reference_chars, true)) {
    manifest.batch_reference = *input.batch_reference;
  }

  const std::size_t sent = std::max(input.files_sent.value_or(0), input.files.size());
  if (sent == 0) {
    c.add("files", rule::kNoFiles, "must list at least one file");
  } else if (sent > limits.max_files_per_batch) {
    c.add("files", rule::kTooManyFiles,
          fmt::format("lists {} files; at most {} are allowed in one batch", sent,
                      limits.max_files_per_batch));
  }

  // Files past the limit are not checked: the answer and the work stay bounded by the limit,
  // not by what the client sent.
  const std::size_t checked = std::min(input.files.size(), limits.max_files_per_batch);
  manifest.files.reserve(checked);
  for (std::size_t i = 0; i < checked; ++i) {
    manifest.files.push_back(c.check_file(i, input.files[i]));
  }

  if (!c.ok()) return fail(make_manifest_error(c.take_errors()));
  return manifest;
}

}  // namespace toq::core
