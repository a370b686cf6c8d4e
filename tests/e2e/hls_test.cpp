// HLS through the API, end to end on the real `toq-media serve` (embedded default, or MariaDB +
// s3rver with TOQ_E2E_BACKEND=mariadb-s3, where the byte ranges go to S3's presigned GETs): two
// videos (horizontal, and vertical by rotation) processed by the real pipeline; the master and
// media playlists fetched through the API and checked against RFC 8216 and against the files
// themselves; then ffprobe (HTTP on loopback only) plays every rung through the master.

#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "e2e/e2e_fixture.hpp"

namespace toq::e2e {
namespace {

class HlsEndToEnd : public ServiceTest {};

// `seconds` of testsrc2 854x480 at 30 fps with a tone, H.264 + AAC; `rotate` 90 makes it a
// phone's vertical video (landscape pixels and a display matrix).
InputFile generated(const std::filesystem::path& dir, const std::string& client_id, int rotate,
                    int seconds = 9) {
  const auto landscape = dir / (client_id + "-landscape.mp4");
  run_ok(
      fmt::format("ffmpeg -hide_banner -nostdin -loglevel error -y -f lavfi -i "
                  "testsrc2=s=854x480:r=30:d={0} -f lavfi -i sine=f=440:d={0} -c:v libx264 -preset "
                  "ultrafast -pix_fmt yuv420p -c:a aac -shortest ",
                  seconds) +
      shell_quote(landscape.string()));
  auto file = landscape;
  if (rotate != 0) {
    file = dir / (client_id + ".mp4");
    run_ok("ffmpeg -hide_banner -nostdin -loglevel error -y -i " + shell_quote(landscape.string()) +
           " -map 0 -c copy -metadata:s:v:0 rotate=" + std::to_string(rotate) + " " +
           shell_quote(file.string()));
  }
  InputFile f;
  f.client_id = client_id;
  f.media_type = rotate != 0 ? "VIDEO_VERTICAL" : "VIDEO_HORIZONTAL";
  f.content_type = "video/mp4";
  f.filename = client_id + ".mp4";
  f.title = rotate != 0 ? "Tour vertical" : "Tour";
  f.sequence = rotate != 0 ? 2 : 1;
  f.data = read_file(file);
  return f;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// RFC 8216 section 4.2 attribute list: NAME=value or NAME="quoted", comma-separated.
std::map<std::string, std::string> attributes(const std::string& list) {
  std::map<std::string, std::string> out;
  static const std::regex kAttr(R"re(([A-Z0-9-]+)=("[^"]*"|[^,]*))re");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), kAttr);
       it != std::sregex_iterator(); ++it) {
    std::string value = (*it)[2];
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    out[(*it)[1]] = value;
  }
  return out;
}

struct Range {
  std::int64_t length = 0;
  std::int64_t offset = 0;
};

Range byte_range(const std::string& text) {  // "n@o"
  const auto at = text.find('@');
  return {std::stoll(text.substr(0, at)), std::stoll(text.substr(at + 1))};
}

// The query-less URL of `relative` next to `base` ("http://h/a/b/master.m3u8?x" + "720p.m3u8").
std::string resolve(const std::string& base, const std::string& relative) {
  const auto path_end = base.find('?');
  const auto dir = base.substr(0, base.rfind('/', path_end) + 1);
  return dir + relative;
}

struct Rung {
  std::map<std::string, std::string> stream_inf;
  std::string media_url;
};

struct Checked {
  int width = 0;
  int height = 0;
};

class HlsChecks {
 public:
  HlsChecks(std::string bearer) : bearer_(std::move(bearer)) {}

  HttpResult api_get(const std::string& url) const {
    HttpCall c;
    c.url = url;
    c.headers = {{"Authorization", "Bearer " + bearer_}};
    return testing::http(c);
  }

  std::vector<Rung> master(const std::string& url) const {
    const auto got = api_get(url);
    EXPECT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.header("content-type"), "application/vnd.apple.mpegurl");
    EXPECT_TRUE(got.header("cache-control").starts_with("private, max-age="))
        << got.header("cache-control");
    EXPECT_FALSE(got.header("expires").empty());
    const auto lines = lines_of(got.body);
    EXPECT_GE(lines.size(), 5U) << got.body;
    if (lines.size() < 5) return {};
    EXPECT_EQ(lines[0], "#EXTM3U");
    EXPECT_EQ(lines[1], "#EXT-X-VERSION:7");  // fMP4 segments with EXT-X-MAP (section 7)
    std::vector<Rung> rungs;
    for (std::size_t i = 2; i < lines.size(); ++i) {
      if (!lines[i].starts_with("#EXT-X-STREAM-INF:")) continue;
      Rung rung;
      rung.stream_inf = attributes(lines[i].substr(18));
      EXPECT_LT(i + 1, lines.size());
      EXPECT_FALSE(lines[i + 1].starts_with('#')) << "a URI follows EXT-X-STREAM-INF";
      rung.media_url = resolve(url, lines[i + 1]);
      rungs.push_back(rung);
    }
    return rungs;
  }

  // One rung: its media playlist against section 4.3 and its attributes in the master against
  // the file itself; returns the rung's size.
  Checked rung(const Rung& rung, const std::filesystem::path& scratch) const {
    SCOPED_TRACE(rung.media_url);
    const auto got = api_get(rung.media_url);
    EXPECT_EQ(got.status, 200) << got.body;
    const auto lines = lines_of(got.body);
    EXPECT_GE(lines.size(), 8U) << got.body;
    if (lines.size() < 8) return {};
    EXPECT_EQ(lines[0], "#EXTM3U");
    EXPECT_EQ(lines.back(), "#EXT-X-ENDLIST");
    int version = 0;
    long target = -1;
    std::string map_uri;
    Range map_range{};
    std::vector<std::pair<double, Range>> segments;
    std::set<std::string> uris;
    double pending_duration = -1;
    Range pending_range{-1, -1};
    for (const auto& line : lines) {
      if (line.starts_with("#EXT-X-VERSION:")) version = std::stoi(line.substr(15));
      if (line.starts_with("#EXT-X-TARGETDURATION:")) target = std::stol(line.substr(22));
      if (line.starts_with("#EXT-X-MAP:")) {
        const auto a = attributes(line.substr(11));
        map_uri = a.at("URI");
        map_range = byte_range(a.at("BYTERANGE"));
      }
      if (line.starts_with("#EXTINF:")) pending_duration = std::stod(line.substr(8));
      if (line.starts_with("#EXT-X-BYTERANGE:")) pending_range = byte_range(line.substr(17));
      if (!line.starts_with('#')) {
        EXPECT_GE(pending_duration, 0) << "EXTINF before every URI";
        EXPECT_GE(pending_range.offset, 0) << "EXT-X-BYTERANGE with its offset";
        segments.emplace_back(pending_duration, pending_range);
        uris.insert(line);
        pending_duration = -1;
        pending_range = {-1, -1};
      }
    }
    EXPECT_EQ(version, 7);
    EXPECT_GE(segments.size(), 3U) << "9 s in segments of about 4 s";
    // One presigned URL per rung, for the map and every segment; never the bearer token.
    EXPECT_EQ(uris.size(), 1U);
    EXPECT_EQ(*uris.begin(), map_uri);
    EXPECT_NE(map_uri.find("X-Amz-Signature="), std::string::npos) << map_uri;
    EXPECT_EQ(map_uri.find(bearer_), std::string::npos);

    // The whole file, with no Authorization header (a presigned URL carries its own).
    HttpCall whole;
    whole.url = map_uri;
    const auto file = testing::http(whole);
    EXPECT_EQ(file.status, 200);
    const auto size = static_cast<std::int64_t>(file.body.size());
    // Section 4.3.2.2: ranges within the file; the map is ftyp + moov at 0, segments follow it
    // one after another, each starting with a `moof` box.
    EXPECT_EQ(map_range.offset, 0);
    EXPECT_EQ(file.body.substr(4, 4), "ftyp");
    std::int64_t next = map_range.length;
    double total_seconds = 0;
    double peak = 0;
    std::int64_t total_bytes = 0;
    for (const auto& [seconds, range] : segments) {
      EXPECT_EQ(range.offset, next);
      EXPECT_LE(range.offset + range.length, size);
      EXPECT_EQ(file.body.substr(static_cast<std::size_t>(range.offset) + 4, 4), "moof");
      // Section 4.3.3.1: every EXTINF rounded to the nearest integer <= the target duration.
      EXPECT_LE(std::lround(seconds), target);
      EXPECT_GE(seconds, 0.5);
      next = range.offset + range.length;
      total_seconds += seconds;
      total_bytes += range.length;
      peak = std::max(peak, static_cast<double>(range.length) * 8 / seconds);
    }
    EXPECT_GE(target, 4);
    EXPECT_LE(target, 6);
    EXPECT_NEAR(total_seconds, 9.0, 0.1);
    // A Range GET of the last segment through the presigned URL gives exactly those bytes.
    const auto& last = segments.back().second;
    HttpCall ranged;
    ranged.url = map_uri;
    ranged.headers = {
        {"Range", fmt::format("bytes={}-{}", last.offset, last.offset + last.length - 1)}};
    const auto part = testing::http(ranged);
    EXPECT_EQ(part.status, 206);
    EXPECT_EQ(part.body, file.body.substr(static_cast<std::size_t>(last.offset),
                                          static_cast<std::size_t>(last.length)));

    // Section 4.3.4.2: BANDWIDTH is the peak segment bit rate, AVERAGE-BANDWIDTH the average,
    // both recomputed here from the byte ranges and durations.
    const auto& inf = rung.stream_inf;
    const double bandwidth = std::stod(inf.at("BANDWIDTH"));
    EXPECT_NEAR(bandwidth, peak, peak * 1e-3 + 1);
    EXPECT_NEAR(std::stod(inf.at("AVERAGE-BANDWIDTH")),
                static_cast<double>(total_bytes) * 8 / total_seconds,
                static_cast<double>(total_bytes) * 8e-3 / total_seconds + 1);
    // CODECS, RESOLUTION and FRAME-RATE against ffprobe on the file.
    const auto path = scratch / fmt::format("rung-{}.mp4", ++files_);
    write_file(path, file.body);
    const auto probe = nlohmann::json::parse(run_ok(
        "ffprobe -v error -count_packets -show_streams -of json " + shell_quote(path.string())));
    const auto& video = probe.at("streams").at(0);
    EXPECT_EQ(video.at("codec_name"), "h264");
    EXPECT_EQ(inf.at("CODECS"),
              fmt::format("avc1.6400{:02x},mp4a.40.2", video.at("level").get<int>()));
    const int width = video.at("width");
    const int height = video.at("height");
    EXPECT_EQ(inf.at("RESOLUTION"), fmt::format("{}x{}", width, height));
    const double frames = std::stod(video.at("nb_read_packets").get<std::string>());
    EXPECT_NEAR(std::stod(inf.at("FRAME-RATE")), frames / total_seconds, 0.001);
    EXPECT_EQ(inf.at("FRAME-RATE"), "30.000");
    return {width, height};
  }

 private:
  std::string bearer_;
  mutable int files_ = 0;
};

TEST_F(HlsEndToEnd, MasterAndMediaPlaylistsFollowRfc8216AndFfprobePlaysThem) {
  const std::int64_t listing = 61;
  client_->register_listing(listing);
  const std::vector<InputFile> inputs = {generated(tmp_.path(), "v-h", 0),
                                         generated(tmp_.path(), "v-v", 90)};
  const auto created = client_->create(listing, inputs);
  const auto parts = Client::upload(created, inputs);
  const std::int64_t batch = created.at("batchId");
  auto done = client_->complete(listing, batch, parts);
  ASSERT_EQ(done.raw.status, 202) << done.raw.body;
  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);

  auto downloads = client_->downloads(listing, batch, client_->owner());
  ASSERT_EQ(downloads.raw.status, 200) << downloads.raw.body;
  check_zip(downloads.body, listing, inputs);  // the ZIP holds the two MP4s, no HLS file
  const HlsChecks checks(client_->owner());
  // Expected rungs: never upscaled (854x480 kept), 360 lines for weak networks, orientation kept.
  const std::map<std::string, std::vector<std::string>> expected = {
      {"VIDEO_HORIZONTAL", {"854x480", "640x360"}}, {"VIDEO_VERTICAL", {"480x854", "360x640"}}};
  for (const auto& asset : downloads.body.at("assets")) {
    const std::string type = asset.at("mediaType");
    SCOPED_TRACE(type);
    for (const auto& v : asset.at("variants")) {
      EXPECT_FALSE(v.at("name").get<std::string>().starts_with("hls")) << "HLS is not a download";
    }
    ASSERT_TRUE(asset.at("hls").is_object()) << asset.dump();
    const std::string master_url =
        server_->base_url() + asset.at("hls").at("masterUrl").get<std::string>();
    const auto rungs = checks.master(master_url);
    ASSERT_EQ(rungs.size(), 2U);
    std::vector<std::string> sizes;
    for (const auto& rung : rungs) {
      const auto size = checks.rung(rung, tmp_.path());
      sizes.push_back(fmt::format("{}x{}", size.width, size.height));
    }
    EXPECT_EQ(sizes, expected.at(type));

    // ffprobe plays every rung through the master, with nothing but HTTP over TCP (loopback) and
    // the token in the query (a player that cannot send headers; the master hands it on to the
    // media playlists, never to the presigned URLs).
    const auto probe = run_ok(
        "ffprobe -v error -protocol_whitelist http,tcp -f hls -count_frames "
        "-show_entries stream=index,codec_type,width,height,nb_read_frames:program=program_id "
        "-of json " +
        shell_quote(master_url + "?access_token=" + client_->owner()));
    const auto played = nlohmann::json::parse(probe);
    std::set<std::string> played_sizes;
    for (const auto& s : played.at("streams")) {
      if (s.at("codec_type") != "video") continue;
      played_sizes.insert(
          fmt::format("{}x{}", s.at("width").get<int>(), s.at("height").get<int>()));
      EXPECT_EQ(s.at("nb_read_frames"), "270") << probe;  // 9 s at 30 fps, every frame
    }
    EXPECT_EQ(played_sizes, (std::set<std::string>{expected.at(type)[0], expected.at(type)[1]}));
  }
}

TEST_F(HlsEndToEnd, PlaylistsFollowTheDownloadRules) {
  const std::int64_t listing = 62;
  client_->register_listing(listing);
  const std::vector<InputFile> inputs = {generated(tmp_.path(), "v-h", 0, 2)};
  const auto created = client_->create(listing, inputs);
  const std::int64_t batch = created.at("batchId");
  ASSERT_EQ(client_->complete(listing, batch, Client::upload(created, inputs)).raw.status, 202);
  ASSERT_EQ(client_->wait_terminal(listing, batch).at("status"), "READY");
  auto downloads = client_->downloads(listing, batch, client_->owner());
  ASSERT_EQ(downloads.raw.status, 200);
  const auto& asset = downloads.body.at("assets").at(0);
  const std::string path = asset.at("hls").at("masterUrl");
  const std::string url = server_->base_url() + path;

  // No token: 401. A client while the listing is not PUBLISHED: 403, as for the downloads.
  HttpCall anonymous;
  anonymous.url = url;
  EXPECT_EQ(testing::http(anonymous).status, 401);
  const std::string& buyer = client_->api().token(9001, "client");
  EXPECT_EQ(HlsChecks(buyer).api_get(url).status, 403);
  // Published: the client plays it.
  client_->api().register_listing(listing, "RESIDENTIAL", "PUBLISHED");
  EXPECT_EQ(HlsChecks(buyer).api_get(url).status, 200);
  const auto media = HlsChecks(buyer).api_get(resolve(url, "720p.m3u8"));
  EXPECT_EQ(media.status, 200);
  EXPECT_NE(media.body.find("X-Amz-Signature="), std::string::npos);
  // A rung or asset it does not have: 404 ASSET_NOT_FOUND; a name that is no playlist: 404.
  for (const auto& bad :
       {resolve(url, "1080p.m3u8"), resolve(url, "../x.m3u8"), resolve(url, "master.mp4"),
        fmt::format("{}/api/v2/listings/{}/batches/{}/assets/{}/hls/master.m3u8",
                    server_->base_url(), listing, batch,
                    asset.at("assetId").get<std::int64_t>() + 1000)}) {
    const auto got = HlsChecks(client_->owner()).api_get(bad);
    EXPECT_EQ(got.status, 404) << bad << " " << got.body;
  }
  // Another listing's batch: BATCH_NOT_FOUND.
  client_->register_listing(listing + 1);
  const auto other = HlsChecks(client_->owner())
                         .api_get(fmt::format("{}/api/v2/listings/{}/batches/{}/assets/{}/hls/"
                                              "master.m3u8",
                                              server_->base_url(), listing + 1, batch,
                                              asset.at("assetId").get<std::int64_t>()));
  EXPECT_EQ(other.status, 404);
  EXPECT_NE(other.body.find("BATCH_NOT_FOUND"), std::string::npos) << other.body;
}

}  // namespace
}  // namespace toq::e2e
