#pragma once
// What the manifest tests share: checksums and multibyte text to build inputs from, a valid
// manifest of n files, and the assertion that a manifest fails once at a field for a rule.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/model/manifest.hpp"

namespace toq::core::manifest_test {

// base64(SHA-256("")) and base64(SHA-256("toq")); the second holds both '+' and '/'.
constexpr std::string_view kEmptySha = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
constexpr std::string_view kToqSha = "/7FbkP+xKzUMJS75jnnx+7ksf+vPol6gpHIzkXp8qGY=";
constexpr std::int64_t kMiB = ManifestLimits::kMiB;
constexpr std::int64_t kGiB = 1024 * kMiB;

// Multibyte code points, so character limits cannot pass by counting bytes.
constexpr std::string_view kE2 = "\xC3\xA9";              // U+00E9, 2 bytes
constexpr std::string_view kEuro3 = "\xE2\x82\xAC";       // U+20AC, 3 bytes
constexpr std::string_view kEmoji4 = "\xF0\x9F\x93\xB7";  // U+1F4F7, 4 bytes

inline std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

inline FileDeclarationInput valid_file(std::size_t i) {
  FileDeclarationInput f;
  f.client_id = fmt::format("f-{}", i);
  f.media_type = "PHOTO_HORIZONTAL";
  f.filename = fmt::format("IMG_{}.jpg", i);
  f.content_type = "image/jpeg";
  f.bytes = 5 * kMiB;
  f.checksum_sha256 = std::string(kEmptySha);
  f.title = "Sala de estar";
  f.sequence = static_cast<std::int64_t>(i) + 1;
  return f;
}

inline ManifestInput valid_input(std::size_t files = 1) {
  ManifestInput in;
  in.listing_identity_id = 28;
  in.batch_reference = "sessao-2025-11-11";
  for (std::size_t i = 0; i < files; ++i) in.files.push_back(valid_file(i));
  return in;
}

inline Result<Manifest> validate(const ManifestInput& in) {
  return validate_manifest(in, ManifestLimits{});
}

inline std::vector<FieldError> failures(const Result<Manifest>& r) {
  if (r.has_value()) return {};
  const auto* fe = std::get_if<FieldErrors>(&r.error().details);
  if (fe == nullptr) {
    ADD_FAILURE() << "error details are not FieldErrors";
    return {};
  }
  return fe->fields;
}

inline std::string describe(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) out += fmt::format("\n  {} {} ({})", e.field, e.rule, e.reason);
  return out.empty() ? std::string(" none") : out;
}

// Exactly one failure, at `field`, for `rule`.
inline ::testing::AssertionResult fails_once(const Result<Manifest>& r, std::string_view field,
                                             std::string_view rule) {
  if (r.has_value()) return ::testing::AssertionFailure() << "manifest was accepted";
  const auto errors = failures(r);
  if (errors.size() == 1 && errors[0].field == field && errors[0].rule == rule) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected only " << field << " " << rule << ", got:" << describe(errors);
}

}  // namespace toq::core::manifest_test
