#pragma once
// Inputs for the photo tests, made by real tools (ImageMagick `convert`, the vips CLI, exiftool,
// heif-enc, python3) in a temporary directory, and outputs read back by the same tools: the tests
// never trust the code under test to describe its own output.

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/shell.hpp"

namespace toq::media::photo_testing {

namespace fs = std::filesystem;
using toq::testing::run_capture;
using toq::testing::shell_quote;

// Runs a shell command that must succeed (a fixture that cannot be made is a test error).
inline void sh(const std::string& command) {
  const auto r = run_capture(command);
  if (r.status != 0) throw std::runtime_error("command failed: " + command + "\n" + r.output);
}

inline std::string q(const fs::path& path) {
  return shell_quote(path.string());
}

struct Header {
  int width = 0;
  int height = 0;
  int bands = 0;
  std::string format;          // uchar, ushort
  std::string interpretation;  // srgb, b-w, ...
  std::string loader;          // jpegload, webpload
};

// vipsheader's view of a file (one `vipsheader -a` call).
inline Header header_of(const fs::path& file) {
  const auto r = run_capture("vipsheader -a " + q(file), toq::testing::Stderr::kDiscard);
  if (r.status != 0) throw std::runtime_error("vipsheader failed on " + file.string());
  std::map<std::string, std::string> fields;
  std::size_t pos = r.output.find('\n');  // the first line is a summary
  while (pos != std::string::npos && pos + 1 < r.output.size()) {
    const std::size_t end = r.output.find('\n', pos + 1);
    const std::string line = r.output.substr(pos + 1, end - pos - 1);
    const std::size_t colon = line.find(": ");
    if (colon != std::string::npos) fields[line.substr(0, colon)] = line.substr(colon + 2);
    pos = end;
  }
  Header h;
  h.width = std::stoi(fields.at("width"));
  h.height = std::stoi(fields.at("height"));
  h.bands = std::stoi(fields.at("bands"));
  h.format = fields.at("format");
  h.interpretation = fields.at("interpretation");
  h.loader = fields.at("vips-loader");
  return h;
}

// The decoded pixels of a file, as libvips' CLI writes them (8-bit images only).
class Pixels {
 public:
  explicit Pixels(const fs::path& file) {
    const fs::path raw = fs::path(file).concat(".readback.v");
    const auto r = run_capture("vips copy " + q(file) + " " + q(raw));
    if (r.status != 0) throw std::runtime_error("vips copy failed on " + file.string() + r.output);
    std::ifstream in(raw, std::ios::binary);
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), {});
    fs::remove(raw);
    auto int_at = [&](std::size_t offset) {
      std::int32_t v = 0;
      std::memcpy(&v, bytes.data() + offset, sizeof v);
      return static_cast<int>(v);
    };
    if (bytes.size() < 64) throw std::runtime_error("short .v file for " + file.string());
    width_ = int_at(4);
    height_ = int_at(8);
    bands_ = int_at(12);
    if (int_at(20) != 0) throw std::runtime_error("not 8-bit: " + file.string());
    const auto size = static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_) *
                      static_cast<std::size_t>(bands_);
    if (bytes.size() < 64 + size) throw std::runtime_error("truncated .v for " + file.string());
    data_.assign(bytes.begin() + 64, bytes.begin() + static_cast<std::ptrdiff_t>(64 + size));
  }
  int width() const { return width_; }
  int height() const { return height_; }
  // The values of the pixel at (x, y), one per band.
  std::vector<int> at(int x, int y) const {
    std::vector<int> out;
    const auto base = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
                       static_cast<std::size_t>(x)) *
                      static_cast<std::size_t>(bands_);
    for (int b = 0; b < bands_; ++b) out.push_back(data_.at(base + static_cast<std::size_t>(b)));
    return out;
  }

 private:
  int width_ = 0;
  int height_ = 0;
  int bands_ = 0;
  std::vector<unsigned char> data_;
};

// One pixel (for a single look; use Pixels for several).
inline std::vector<int> pixel_at(const fs::path& file, int x, int y) {
  return Pixels(file).at(x, y);
}

// True when the pixel is close to the colour (JPEG is lossy).
inline bool near(const std::vector<int>& pixel, std::vector<int> rgb, int tolerance = 40) {
  if (pixel.size() < rgb.size()) return false;
  for (std::size_t i = 0; i < rgb.size(); ++i) {
    if (std::abs(pixel[i] - rgb[i]) > tolerance) return false;
  }
  return true;
}

// The metadata groups exiftool finds in a file ("EXIF", "GPS", "XMP", "IPTC", "ICC_Profile", ...),
// from `exiftool -json -G -a`.
inline std::set<std::string> exif_groups(const fs::path& file) {
  const auto r = run_capture("exiftool -json -G -a " + q(file), toq::testing::Stderr::kDiscard);
  if (r.status != 0) throw std::runtime_error("exiftool failed on " + file.string());
  const auto j = nlohmann::json::parse(r.output);
  std::set<std::string> groups;
  for (const auto& [key, value] : j.at(0).items()) {
    const auto colon = key.find(':');
    if (colon != std::string::npos) groups.insert(key.substr(0, colon));
  }
  return groups;
}

// Runs a Python program (written next to `beside`) with arguments; it must succeed.
inline void run_python(const fs::path& beside, const std::string& program,
                       const std::string& args) {
  const fs::path script = fs::path(beside).concat(".py");
  {
    std::ofstream out(script);
    out << program;
  }
  sh("python3 " + q(script) + " " + args);
  fs::remove(script);
}

// A PNG whose header declares width x height, followed by a tiny IDAT: the header alone is valid.
inline void write_png_header_only(const fs::path& file, int width, int height) {
  run_python(file, R"(import struct, sys, zlib
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
ihdr = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
idat = zlib.compress(b'\x00' * 1024)
open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', idat) + chunk(b'IEND', b''))
)",
             q(file) + " " + std::to_string(width) + " " + std::to_string(height));
}

// A copy of `heic` whose first 'ispe' (image spatial extents) box declares width x height.
inline void write_heic_with_extents(const fs::path& heic, const fs::path& file, int width,
                                    int height) {
  run_python(file, R"(import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
at = data.index(b'ispe')
data[at + 8:at + 16] = struct.pack('>II', int(sys.argv[3]), int(sys.argv[4]))
open(sys.argv[2], 'wb').write(data)
)",
             q(heic) + " " + q(file) + " " + std::to_string(width) + " " + std::to_string(height));
}

// A little-endian TIFF whose one IFD declares width x height, 8-bit grey, one short strip.
inline void write_tiff_header_only(const fs::path& file, long width, long height) {
  run_python(file, R"(import struct, sys
w, h = int(sys.argv[2]), int(sys.argv[3])
tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8 + 2 + 10 * 12 + 4),
        (277, 3, 1), (278, 4, h), (279, 4, 64), (284, 3, 1)]
ifd = struct.pack('<H', len(tags))
for tag, kind, value in tags:
    ifd += struct.pack('<HHIHH', tag, kind, 1, value, 0) if kind == 3 else struct.pack('<HHII', tag, kind, 1, value)
open(sys.argv[1], 'wb').write(b'II*\0' + struct.pack('<I', 8) + ifd + struct.pack('<I', 0) + b'\0' * 64)
)",
             q(file) + " " + std::to_string(width) + " " + std::to_string(height));
}

// A two-page PDF written by hand: page 1 is 400x200 pt (or the size given) solid red, page 2 is
// 200x400 pt solid blue.
inline void write_two_page_pdf(const fs::path& file, long width = 400, long height = 200) {
  run_python(file, R"(import sys
w1, h1 = int(sys.argv[2]), int(sys.argv[3])
pages = [(w1, h1, b'1 0 0 rg 0 0 400 200 re f'), (200, 400, b'0 0 1 rg 0 0 200 400 re f')]
objs = [b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>']
for i, (w, h, content) in enumerate(pages):
    objs.append(b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R >>' % (w, h, 4 + 2 * i))
    objs.append(b'<< /Length %d >>\nstream\n' % len(content) + content + b'\nendstream')
out = bytearray(b'%PDF-1.4\n')
offsets = []
for n, body in enumerate(objs, 1):
    offsets.append(len(out))
    out += b'%d 0 obj\n' % n + body + b'\nendobj\n'
xref = len(out)
out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1)
for o in offsets:
    out += b'%010d 00000 n \n' % o
out += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objs) + 1, xref)
open(sys.argv[1], 'wb').write(out)
)",
             q(file) + " " + std::to_string(width) + " " + std::to_string(height));
}

}  // namespace toq::media::photo_testing
