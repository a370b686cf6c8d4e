// sniff(): a table over the magic bytes of every format it names, then files made by real tools
// (vips, heif-enc, ffmpeg) under misleading names.

#include "adapter/media/common/sniff.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/result_matchers.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::media {
namespace {

using testing::must;
using testing::run_shell;
using testing::shell_quote;

std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> out;
  for (const char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

std::string repeat_ts_packets(int packets, std::size_t stride, std::size_t first) {
  std::string out(stride * static_cast<std::size_t>(packets), '\x11');
  for (int i = 0; i < packets; ++i) out[first + stride * static_cast<std::size_t>(i)] = '\x47';
  return out;
}

std::string ftyp(std::string_view major, std::vector<std::string_view> compatible) {
  const auto size = static_cast<char>(16 + 4 * compatible.size());
  std::string out{'\0', '\0', '\0', size};
  out += "ftyp";
  out += major;
  out += std::string("\0\0\0\0", 4);
  for (const auto brand : compatible) out += brand;
  out += std::string(
      "\0\0\0\x08"
      "free",
      8);
  return out;
}

struct Case {
  std::string label;
  std::string head;
  std::string format;
  MediaClass media_class;
  std::string demuxer;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.label;
}

class SniffTable : public ::testing::TestWithParam<Case> {};

TEST_P(SniffTable, ClassifiesMagicBytes) {
  const Case& c = GetParam();
  const auto head = bytes_of(c.head);
  const Sniffed s = sniff(head);
  EXPECT_EQ(s.format, c.format) << c.label;
  EXPECT_EQ(s.media_class, c.media_class) << c.label;
  EXPECT_EQ(s.ffmpeg_demuxer, c.demuxer) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Magic, SniffTable,
    ::testing::Values(
        Case{"jpeg", std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11), "jpeg",
             MediaClass::kImage, ""},
        Case{"png", std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16), "png",
             MediaClass::kImage, ""},
        Case{"gif87", "GIF87a\x01\x00", "gif", MediaClass::kImage, ""},
        Case{"gif89", "GIF89a\x01\x00", "gif", MediaClass::kImage, ""},
        Case{"webp", std::string("RIFF\x24\x00\x00\x00WEBPVP8 ", 16), "webp", MediaClass::kImage,
             ""},
        Case{"tiff_le", std::string("II*\x00\x08\x00\x00\x00", 8), "tiff", MediaClass::kImage, ""},
        Case{"tiff_be", std::string("MM\x00*\x00\x00\x00\x08", 8), "tiff", MediaClass::kImage, ""},
        Case{"bigtiff", std::string("II+\x00\x08\x00\x00\x00", 8), "tiff", MediaClass::kImage, ""},
        Case{"heic", ftyp("heic", {"mif1", "heic"}), "heif", MediaClass::kImage, ""},
        Case{"heif_mif1", ftyp("mif1", {"mif1", "heic"}), "heif", MediaClass::kImage, ""},
        Case{"avif", ftyp("avif", {"avif", "mif1"}), "avif", MediaClass::kImage, ""},
        Case{"avif_mif1", ftyp("mif1", {"avif", "miaf"}), "avif", MediaClass::kImage, ""},
        Case{"svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "svg", MediaClass::kImage, ""},
        Case{"svg_xml", "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<svg/>", "svg", MediaClass::kImage,
             ""},
        Case{"pdf", "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "pdf", MediaClass::kDocument, ""},
        Case{"pdf_after_bom_and_space", "\xEF\xBB\xBF\r\n  %PDF-1.4\n", "pdf",
             MediaClass::kDocument, ""},
        // A binary wrapper in front of the header (MacBinary's 128 bytes): still a PDF.
        Case{"pdf_after_binary_junk",
             std::string("\x00\x11memorial.pdf\x00\x00PDF CARO\x00\x00\x01", 24) +
                 std::string(104, '\0') + "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n",
             "pdf", MediaClass::kDocument, ""},
        // Text that mentions the header near its start is that text, never a damaged PDF.
        Case{"svg_mentioning_pdf",
             "<?xml version=\"1.0\"?>\n<!-- exported from %PDF-1.7 by a converter -->\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
             "svg", MediaClass::kImage, ""},
        Case{"svg_comment_first_mentioning_pdf",
             "<!-- %PDF-1.4 -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "svg",
             MediaClass::kImage, ""},
        Case{"html_mentioning_pdf", "<html><body>The file starts with %PDF-1.7</body></html>",
             "text", MediaClass::kUnknown, ""},
        Case{"text_mentioning_pdf", "Notes: a PDF begins with %PDF-, then the version.\n", "text",
             MediaClass::kUnknown, ""},
        Case{"mp4_isom", ftyp("isom", {"isom", "iso2", "avc1", "mp41"}), "mp4", MediaClass::kVideo,
             "mov"},
        Case{"mp4_mp42", ftyp("mp42", {"mp42", "isom"}), "mp4", MediaClass::kVideo, "mov"},
        Case{"m4v", ftyp("M4V ", {"M4V ", "M4A "}), "mp4", MediaClass::kVideo, "mov"},
        Case{"mov_ftyp", ftyp("qt  ", {"qt  "}), "mov", MediaClass::kVideo, "mov"},
        Case{"mov_bare", std::string("\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", 16), "mov",
             MediaClass::kVideo, "mov"},
        Case{"cr3_raw", ftyp("crx ", {"crx "}), "unknown", MediaClass::kUnknown, ""},
        Case{"matroska",
             std::string("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x88matroska", 20),
             "matroska", MediaClass::kVideo, "matroska"},
        Case{"webm", std::string("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm", 16),
             "webm", MediaClass::kVideo, "matroska"},
        Case{"avi",
             std::string("RIFF\x00\x10\x00\x00"
                         "AVI LIST",
                         16),
             "avi", MediaClass::kVideo, "avi"},
        Case{"wav",
             std::string("RIFF\x00\x10\x00\x00"
                         "WAVEfmt ",
                         16),
             "unknown", MediaClass::kUnknown, ""},
        Case{"mpegps", std::string("\x00\x00\x01\xBA\x44\x00\x04\x00", 8), "mpegps",
             MediaClass::kVideo, "mpeg"},
        Case{"mpegts", repeat_ts_packets(3, 188, 0), "mpegts", MediaClass::kVideo, "mpegts"},
        Case{"m2ts", repeat_ts_packets(3, 192, 4), "mpegts", MediaClass::kVideo, "mpegts"},
        Case{"one_0x47_is_not_ts", "G" + std::string(10, '\x01'), "unknown", MediaClass::kUnknown,
             ""},
        Case{"hls", "#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nhttp://evil/a.ts\n", "hls",
             MediaClass::kUnknown, ""},
        Case{"hls_bom", "\xEF\xBB\xBF\r\n#EXTM3U\n", "hls", MediaClass::kUnknown, ""},
        Case{"text", "hello, this is not a photo\n", "text", MediaClass::kUnknown, ""},
        Case{"html", "<html><body>hi</body></html>", "text", MediaClass::kUnknown, ""},
        Case{"empty", "", "empty", MediaClass::kUnknown, ""},
        Case{"binary", std::string("\x00\x01\x02\x03\xFE\xED", 6), "unknown", MediaClass::kUnknown,
             ""},
        Case{"one_byte_ff", "\xFF", "unknown", MediaClass::kUnknown, ""},
        Case{"latin1_is_not_text", "caf\xE9 com p\xE3o", "unknown", MediaClass::kUnknown, ""},
        Case{"utf8_text", "caf\xC3\xA9 com p\xC3\xA3o", "text", MediaClass::kUnknown, ""}),
    [](const auto& param_info) { return param_info.param.label; });

TEST(Sniff, LooksOnlyAtTheFirst4096Bytes) {
  std::string head(kSniffHeadBytes, 'a');
  head += std::string(1, '\0');  // binary after the head does not count
  EXPECT_EQ(sniff(bytes_of(head)).format, "text");
  head = std::string(kSniffHeadBytes - 1, 'a') + "\xC3";  // UTF-8 cut by the head's end
  EXPECT_EQ(sniff(bytes_of(head)).format, "text");
  head = std::string(2000, ' ') + "%PDF-1.4";  // header past 1024 bytes: not a PDF
  EXPECT_EQ(sniff(bytes_of(head)).format, "text");
}

TEST(SniffFile, MissingFileIsAStorageError) {
  const testing::TempDir dir;
  EXPECT_TRUE(testing::fails_with(sniff_file(dir / "absent.jpg"), core::ErrorCode::kStorageError));
}

// Real files from real tools, named to mislead: the name never matters.
class SniffRealFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const auto at = [](const char* name) { return shell_quote((*dir_ / name).string()); };
    const std::string ff =
        "ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=64x48:rate=5 -t 1 ";
    const std::vector<std::string> commands = {
        "vips black " + at("jpeg.jpg") + " 16 16 && mv " + at("jpeg.jpg") + " " + at("jpeg.png"),
        "vips black " + at("real.png") + " 16 16 && mv " + at("real.png") + " " + at("png.jpg"),
        "vips black " + at("webp.webp") + " 16 16 && mv " + at("webp.webp") + " " + at("webp.jpg"),
        "vips black " + at("tiff.tif") + " 16 16 && mv " + at("tiff.tif") + " " + at("tiff.jpg"),
        "vips black " + at("gif.gif") + " 16 16 && mv " + at("gif.gif") + " " + at("gif.jpg"),
        "vips black " + at("src.png") + " 64 64 --bands 3 && heif-enc -q 50 -o " + at("heic.heic") +
            " " + at("src.png") + " >/dev/null && mv " + at("heic.heic") + " " + at("heic.jpg"),
        "heif-enc -A -q 50 -o " + at("avif.avif") + " " + at("src.png") + " >/dev/null && mv " +
            at("avif.avif") + " " + at("avif.jpg"),
        ff + "-c:v libx264 -f mp4 " + at("mp4.jpg"),
        ff + "-c:v libx264 -f mov " + at("mov.jpg"),
        ff + "-c:v libx264 -f matroska " + at("mkv.jpg"),
        ff + "-c:v libvpx -f webm " + at("webm.jpg"),
        ff + "-c:v mpeg4 -f avi " + at("avi.jpg"),
        ff + "-c:v mpeg2video -f vob " + at("mpegps.jpg"),
        ff + "-c:v mpeg2video -f mpegts " + at("mpegts.jpg"),
        "printf '#EXTM3U\\n#EXTINF:1,\\nfile:///etc/passwd\\n' > " + at("playlist.mp4"),
        "printf 'not a photo at all\\n' > " + at("text.jpg"),
        ": > " + at("empty.jpg"),
    };
    for (const auto& command : commands) {
      ASSERT_EQ(run_shell(command), 0) << command;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static Sniffed sniffed(const char* name) { return must(sniff_file(*dir_ / name), name); }
  static inline testing::TempDir* dir_ = nullptr;
};

TEST_F(SniffRealFiles, ImagesByTheirBytes) {
  EXPECT_EQ(sniffed("jpeg.png").format, "jpeg");
  EXPECT_EQ(sniffed("png.jpg").format, "png");
  EXPECT_EQ(sniffed("webp.jpg").format, "webp");
  EXPECT_EQ(sniffed("tiff.jpg").format, "tiff");
  EXPECT_EQ(sniffed("gif.jpg").format, "gif");
  EXPECT_EQ(sniffed("heic.jpg").format, "heif");
  EXPECT_EQ(sniffed("avif.jpg").format, "avif");
  EXPECT_EQ(sniffed("heic.jpg").media_class, MediaClass::kImage);
}

TEST_F(SniffRealFiles, VideosByTheirBytesWithTheDemuxerToForce) {
  const Sniffed mp4 = sniffed("mp4.jpg");  // an MP4 named .jpg is a video
  EXPECT_EQ(mp4.format, "mp4");
  EXPECT_EQ(mp4.media_class, MediaClass::kVideo);
  EXPECT_EQ(mp4.ffmpeg_demuxer, "mov");
  EXPECT_EQ(sniffed("mov.jpg").format, "mov");
  EXPECT_EQ(sniffed("mkv.jpg").format, "matroska");
  EXPECT_EQ(sniffed("mkv.jpg").ffmpeg_demuxer, "matroska");
  EXPECT_EQ(sniffed("webm.jpg").format, "webm");
  EXPECT_EQ(sniffed("webm.jpg").ffmpeg_demuxer, "matroska");
  EXPECT_EQ(sniffed("avi.jpg").format, "avi");
  EXPECT_EQ(sniffed("avi.jpg").ffmpeg_demuxer, "avi");
  EXPECT_EQ(sniffed("mpegps.jpg").format, "mpegps");
  EXPECT_EQ(sniffed("mpegps.jpg").ffmpeg_demuxer, "mpeg");
  EXPECT_EQ(sniffed("mpegts.jpg").format, "mpegts");
  EXPECT_EQ(sniffed("mpegts.jpg").ffmpeg_demuxer, "mpegts");
}

TEST_F(SniffRealFiles, PlaylistsTextAndEmptyAreNotMedia) {
  const Sniffed playlist = sniffed("playlist.mp4");
  EXPECT_EQ(playlist.format, "hls");
  EXPECT_EQ(playlist.media_class, MediaClass::kUnknown);
  EXPECT_EQ(playlist.ffmpeg_demuxer, "");
  EXPECT_EQ(sniffed("text.jpg").format, "text");
  EXPECT_EQ(sniffed("empty.jpg").format, "empty");
}

}  // namespace
}  // namespace toq::media
