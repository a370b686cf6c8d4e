#pragma once
// Named test inputs, each made once per test process on first use (ctest runs every test in its
// own process, so a test makes only the inputs it reads).

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "photo_test_support.hpp"
#include "support/temp_dir.hpp"

namespace toq::media::photo_testing {

// The displayed picture the orientation inputs encode: 300x200, blue, a red block in the top-left
// corner and a green one in the top-right corner. Any wrong turn or mirror moves a block.
inline constexpr int kMarkedWidth = 300;
inline constexpr int kMarkedHeight = 200;

// ImageMagick operation that turns the displayed picture into what a camera stores for EXIF
// orientation o (the inverse of what a viewer applies).
inline std::string stored_for_orientation(int o) {
  switch (o) {
    case 2: return "-flop";
    case 3: return "-rotate 180";
    case 4: return "-flip";
    case 5: return "-transpose";
    case 6: return "-rotate 270";
    case 7: return "-transverse";
    case 8: return "-rotate 90";
    default: return "";
  }
}

class Inputs {
 public:
  static Inputs& get() {
    static Inputs inputs;
    return inputs;
  }
  const fs::path& dir() const { return dir_.path(); }

  // A fresh, empty output directory.
  fs::path out_dir(const std::string& name) {
    const fs::path out = dir_ / ("out-" + name + "-" + std::to_string(++outs_));
    fs::create_directories(out);
    return out;
  }

  fs::path operator[](const std::string& name) {
    const std::lock_guard lock(mutex_);
    const fs::path path = dir_ / name;
    if (!made_.contains(name)) {
      make(name, path);
      made_[name] = true;
    }
    return path;
  }

 private:
  void make(const std::string& name, const fs::path& p) {
    const std::string marked =
        "-size 300x200 xc:blue -fill red -draw 'rectangle 0,0 59,39' "
        "-fill lime -draw 'rectangle 240,0 299,39'";
    if (name == "landscape.jpg") {
      sh("convert -size 3000x2000 gradient:red-blue -quality 90 " + q(p));
    } else if (name == "portrait.png") {
      sh("convert -size 1500x2400 gradient:yellow-navy " + q(p));
    } else if (name == "tiny.jpg") {
      sh("convert " + marked + " " + q(p));
    } else if (name == "middle.webp") {
      sh("convert -size 1000x700 gradient:white-green " + q(p));
    } else if (name.starts_with("orientation-")) {
      const int o = std::stoi(name.substr(12, 1));
      sh("convert " + marked + " " + stored_for_orientation(o) + " -quality 95 " + q(p));
      sh("exiftool -q -overwrite_original -Orientation#=" + std::to_string(o) + " " + q(p));
    } else if (name == "all-metadata.jpg") {
      // ICC profile (attached by icc_transform), EXIF with GPS, XMP and IPTC.
      const fs::path base = dir_ / "all-metadata-base.png";
      sh("convert " + marked + " " + q(base));
      sh("vips icc_transform " + q(base) + " " + q(p) + " srgb");
      sh("exiftool -q -overwrite_original -GPSLatitude=23.5505 -GPSLatitudeRef=S "
         "-GPSLongitude=46.6333 -GPSLongitudeRef=W -GPSAltitude=760 -Make=Canon -Model=EOS "
         "-Artist='Photographer Name' -Copyright=TOQ -SerialNumber=123456 "
         "-XMP-dc:Creator='Photographer Name' -XMP-exif:GPSLatitude=23.5505 "
         "-IPTC:Keywords=secret -IPTC:City='Sao Paulo' " +
         q(p));
    } else if (name == "display-p3.jpg") {
      // Pure sRGB red stored in Display P3 with the profile embedded: (234, 51, 35) as raw values.
      const fs::path base = dir_ / "p3-base.png";
      sh("convert -size 400x300 xc:red PNG24:" + q(base));
      sh("vips icc_transform " + q(base) + " " + q(p) + " p3");
    } else if (name == "metadata.png") {
      sh("convert -size 400x300 gradient:red-blue " + q(p));
      sh("exiftool -q -overwrite_original -GPSLatitude=23.5 -GPSLatitudeRef=S -GPSLongitude=46.6 "
         "-GPSLongitudeRef=W -Make=Canon -XMP-dc:Creator=Someone " +
         q(p));
    } else if (name == "cmyk.jpg") {
      sh("convert -size 800x600 xc:red -colorspace CMYK -quality 95 " + q(p));
    } else if (name == "rgb16.png") {
      sh("convert -size 800x600 gradient:red-blue -depth 16 " + q(p));
    } else if (name == "grey.jpg") {
      sh("convert -size 800x600 gradient:white-black -colorspace Gray " + q(p));
    } else if (name == "alpha.png") {
      // Left half opaque red, right half fully transparent.
      sh("convert -size 800x400 xc:none -fill red -draw 'rectangle 0,0 399,399' " + q(p));
    } else if (name == "photo.heic") {
      // Truecolour input: heif-enc 1.15 scrambles palette PNGs.
      const fs::path base = dir_ / "heic-base.png";
      sh("convert " + marked + " PNG24:" + q(base));
      sh("heif-enc -q 90 -o " + q(p) + " " + q(base) + " >/dev/null");
    } else if (name == "animated.gif") {
      // Frame 1 red, frame 2 blue: the renditions show frame 1.
      sh("convert -delay 20 -size 500x400 xc:red -size 500x400 xc:blue -loop 0 " + q(p));
    } else if (name == "large-orientation-6.jpg") {
      // The marked picture at 16x (4800x3200 displayed), stored turned for EXIF orientation 6,
      // with a Display P3 profile.
      const fs::path base = dir_ / "large-base.png";
      sh("convert " + marked + " -scale 1600% " + stored_for_orientation(6) + " PNG24:" + q(base));
      sh("vips icc_transform " + q(base) + " " + q(p) + "[Q=95] p3");
      sh("exiftool -q -overwrite_original -Orientation#=6 " + q(p));
    } else if (name == "huge.jpg") {
      // 15360x4000 red, made by libvips (ImageMagick would hold it all in memory).
      const fs::path base = dir_ / "huge-base.v";
      sh("vips black " + q(base) + " 15360 4000 --bands 3");
      sh("vips linear " + q(base) + " " + q(p) + "[Q=90] 1 '255 0 0' --uchar");
    } else if (name == "truncated-large.jpg") {
      const fs::path whole = (*this)["large-orientation-6.jpg"];
      sh("head -c $(( $(stat -c %s " + q(whole) + ") / 3 )) " + q(whole) + " > " + q(p));
    } else if (name == "progressive.jpg") {
      sh("convert -size 2400x1600 gradient:orange-purple -interlace JPEG -quality 90 " + q(p));
    } else if (name == "empty.jpg") {
      sh(": > " + q(p));
    } else if (name == "text.jpg") {
      sh("printf 'this is a note, not a photo\\n' > " + q(p));
    } else if (name == "truncated.jpg") {
      const fs::path whole = (*this)["progressive.jpg"];
      sh("head -c $(( $(stat -c %s " + q(whole) + ") / 2 )) " + q(whole) + " > " + q(p));
    } else if (name == "truncated-baseline.jpg") {
      const fs::path whole = (*this)["landscape.jpg"];
      sh("head -c $(( $(stat -c %s " + q(whole) + ") / 3 )) " + q(whole) + " > " + q(p));
    } else if (name == "garbage.jpg") {
      sh("{ printf '\\377\\330\\377\\340'; head -c 20000 /dev/urandom; } > " + q(p));
    } else if (name == "huge-header.png") {
      write_png_header_only(p, 100000, 100000);
    } else if (name == "tall.png") {
      write_png_header_only(p, 1, 20'000'000);  // 20 MP, but beyond libvips' 10,000,000 rows
    } else if (name == "bad-depth.png") {
      write_png_header_only(p, 64, 64);
      // Bit depth 7 (IHDR byte 24), with the chunk's CRC made right again: a small, broken header.
      sh("python3 -c \"import sys,struct,zlib; d=bytearray(open(sys.argv[1],'rb').read()); "
         "d[24]=7; d[29:33]=struct.pack('>I',zlib.crc32(bytes(d[12:29]))&0xffffffff); "
         "open(sys.argv[1],'wb').write(d)\" " +
         q(p));
    } else if (name == "huge-extents.heic") {
      write_heic_with_extents((*this)["photo.heic"], p, 20000, 20000);  // above libheif's limit
    } else if (name == "tall.tif") {
      write_tiff_header_only(p, 1, 20'000'000);  // beyond libvips' 10,000,000 on an edge
    } else if (name == "drawing.svg") {
      sh("printf '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">"
         "<rect width=\"100\" height=\"100\" fill=\"red\"/></svg>\\n' > " +
         q(p));
    } else if (name == "svg-named.jpg") {
      fs::copy_file((*this)["drawing.svg"], p);
    } else if (name == "document.pdf") {
      write_two_page_pdf(p);
    } else if (name == "huge-page.pdf") {
      write_two_page_pdf(p, 14'400'000, 14'400'000);  // 200 km: beyond libvips' int sizes
    } else if (name == "broken.pdf") {
      sh("{ printf '%%PDF-1.4\\n'; head -c 4000 /dev/zero | tr '\\0' x; } > " + q(p));
    } else if (name == "pdf-named.jpg") {
      fs::copy_file((*this)["document.pdf"], p);
    } else if (name == "matrix.mat") {
      sh("printf '2 2\\n1 2\\n3 4\\n' > " + q(p));
    } else if (name == "image.ppm") {
      sh("convert -size 50x50 xc:red " + q(p));
    } else if (name == "video-named.jpg") {
      sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=64x48:rate=5 -t 1 -c:v libx264 "
         "-f mp4 " +
         q(p));
    } else {
      throw std::runtime_error("no recipe for test input " + name);
    }
  }

  toq::testing::TempDir dir_;
  std::recursive_mutex mutex_;
  std::map<std::string, bool> made_;
  int outs_ = 0;
};

}  // namespace toq::media::photo_testing
