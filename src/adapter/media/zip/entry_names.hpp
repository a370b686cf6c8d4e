#pragma once
// Names of the entries inside the batch ZIP: built from the manifest (group, sequence, title or
// file name, extension), made safe for every unzip tool and file system, and unique per archive.
//
// The names come from user text (titles, file names), so they are sanitised before they ever
// reach an archive: a name must not escape the extraction directory (zip-slip), must not hide its
// real extension (bidi overrides), and must extract on Windows and macOS as well as on Linux.

#include <string>
#include <string_view>
#include <unordered_set>

#include "support/file_name.hpp"

namespace toq::media {

// Longest file name (one path segment) in bytes (support/file_name.hpp).
inline constexpr std::size_t kMaxEntrySegmentBytes = support::kMaxFileNameBytes;
// What an entry name becomes when nothing of it survives sanitising.
inline constexpr std::string_view kFallbackEntryName = support::kFallbackFileName;

// Makes `name` a safe relative path for a ZIP entry. Treated as a path: '/' and '\' separate
// segments; empty, "." and ".." segments and a leading drive letter ("C:") are dropped, so the
// result is never absolute and never climbs ("../../etc/passwd" -> "etc/passwd"). Each segment is
// cleaned by support::clean_file_name, the one sanitiser download names go through too (invalid
// UTF-8, control and Windows-forbidden characters -> '_'; bidi overrides and zero-width
// characters removed; Windows device names prefixed; trailing dots and spaces dropped; bounded
// length). Never empty: a name with nothing left is kFallbackEntryName. Idempotent.
std::string sanitize_entry_name(std::string_view name);

// "fotos/07-sala-de-estar.jpg": group, the sequence with at least two digits, a slug of the title
// (or of the file name, whose media extension is dropped: "IMG_0042.JPG" -> "img-0042") and the
// extension (lowercase ASCII letters and digits; none when empty). The slug is lowercase (ASCII,
// Latin-1 and Latin Extended-A letters), with runs of spaces, '_' and punctuation turned into one
// '-'. Decision: accents are KEPT ("Área de Serviço" -> "área-de-serviço"); the listing's audience
// reads Portuguese, the archive flags its names as UTF-8, and every current unzip tool shows them
// right. A title with nothing left gives "fotos/07.jpg". The result is sanitised (bounded length).
std::string entry_name(std::string_view group, int sequence, std::string_view title_or_filename,
                       std::string_view extension);

// The key two names collide on when extracted on a case-insensitive file system (Windows, macOS):
// lowercase, and accents folded away (so precomposed "é" and decomposed "e\u0301" collide too,
// which macOS's normalising file system would also do). Over-matching only costs a "-2" suffix.
std::string entry_name_fold(std::string_view name);

// Makes names unique within one archive. Not thread-safe; one per archive.
class EntryNamer {
 public:
  // `name` (expected sanitised) when no earlier name folds to the same key; otherwise the first of
  // "stem-2.ext", "stem-3.ext", ... that is free, with the stem cut so the segment stays within
  // kMaxEntrySegmentBytes. The returned name is reserved.
  std::string unique(std::string name);

 private:
  std::unordered_set<std::string> taken_;
};

}  // namespace toq::media
