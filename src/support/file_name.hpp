#pragma once
// File names made from user text (titles, uploaded file names) and the UTF-8 decoding they need.
// One sanitiser serves every place a name leaves the service: the entries of the batch ZIP and
// the friendly names of downloads (Content-Disposition filename*), so a character the one strips
// cannot reach a user through the other.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace toq::support {

inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// One decoded code point and how many bytes it took; kInvalidCodePoint (1 byte) for anything that
// is not well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF)
// and for the noncharacters U+FFFE / U+FFFF.
struct CodePoint {
  char32_t value = kInvalidCodePoint;
  std::size_t length = 1;
};
CodePoint utf8_decode(std::string_view text, std::size_t at);
void utf8_append(std::string& out, char32_t cp);

// C0, DEL and C1.
bool is_control_character(char32_t cp);
// Invisible characters that change how a name is displayed or hide in it: bidi marks, embeddings,
// overrides and isolates (U+200E/F, U+202A-202E, U+2066-2069, U+061C), zero-width characters
// (U+200B-200D, U+2060-2064), U+2028/2029 and the BOM (U+FEFF).
bool is_invisible_format(char32_t cp);

// Longest file name (one path segment) in bytes; Windows and most file systems allow 255 UTF-16
// units or bytes, and 120 leaves room for a folder and an extraction directory.
inline constexpr std::size_t kMaxFileNameBytes = 120;
// What a name becomes when nothing of it survives.
inline constexpr std::string_view kFallbackFileName = "unnamed";

// One file name, safe to save on Linux, Windows and macOS and to show to a person:
// - invalid UTF-8 -> '_'; control characters, '/', '\' and the characters Windows forbids
//   (< > : " | ? *) -> '_';
// - invisible format characters (is_invisible_format) are removed, so "a\u202Egpj.exe" cannot
//   show as "aexe.jpg";
// - leading spaces and trailing dots and spaces are removed (Windows drops them silently);
// - a Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
//   extension) gets a '_' prefix: "CON.jpg" -> "_CON.jpg";
// - longer than kMaxFileNameBytes: the stem is cut on a UTF-8 boundary, the extension kept.
// Accented letters and every other printable character are kept. nullopt when nothing is left
// ("", ".", "..", only spaces or invisible characters). Idempotent.
std::optional<std::string> clean_file_name(std::string_view name);

// clean_file_name, or kFallbackFileName when nothing is left.
std::string sanitize_file_name(std::string_view name);

// Where the extension of `file` starts (its last dot), when that dot is not the first byte and the
// extension is at most 16 bytes; file.size() otherwise.
std::size_t file_extension_start(std::string_view file);

// `stem` cut on a UTF-8 boundary so that stem + tail fits in kMaxFileNameBytes, without trailing
// dots or spaces ("_" when nothing is left), followed by `tail`.
std::string fit_file_name(std::string_view stem, std::string_view tail);

}  // namespace toq::support
