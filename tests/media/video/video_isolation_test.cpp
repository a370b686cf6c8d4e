// THE NETWORK/FILE PROOF. Hostile inputs (an HLS playlist renamed .mp4, an AVI carrying an HLS
// playlist, a playlist pointing at a socket this test listens on) go through probe_video and
// make_video_renditions with the real command lines, every tool run under strace (through
// VideoLimits::launcher, so nothing but the prefix differs from production). The traces must show
// no AF_INET/AF_INET6 socket or connect, the listening socket must never see a connection, and no
// file may be opened besides the input, out_dir's files and system files. A control run without
// the guards shows that the same playlist does make ffmpeg connect, and a run of the guarded
// command line on the HLS demuxer shows the protocol whitelist itself refusing.

#include <algorithm>
#include <atomic>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adapter/media/video/make_video_renditions.hpp"
#include "adapter/media/video/probe_video.hpp"
#include "adapter/media/video/tool_runner.hpp"
#include "adapter/media/video/video_commands.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"
#include "video_test_support.hpp"

namespace toq::media {
namespace {

using namespace std::chrono_literals;
using toq::testing::must;
using toq::testing::TempDir;
namespace fs = std::filesystem;
namespace v = toq::testing::video;

// A TCP socket listening on 127.0.0.1 (ephemeral port); counts the connections it ever accepted.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() { ::close(fd_); }
  [[nodiscard]] int port() const { return port_; }

  // Accepts (and closes) every pending connection; how many there were.
  int accept_pending(std::chrono::milliseconds wait = 0ms) {
    int count = 0;
    pollfd p{fd_, POLLIN, 0};
    while (::poll(&p, 1, static_cast<int>(wait.count())) > 0) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) break;
      ::close(c);
      ++count;
      wait = 0ms;
    }
    return count;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

struct TraceFacts {
  std::vector<std::string> inet_sockets;  // socket()/connect() lines of AF_INET/AF_INET6
  std::vector<std::string> opened;        // paths opened successfully
  std::vector<std::string> tried;         // paths whose open failed
  std::size_t lines = 0;
};

TraceFacts read_traces(const fs::path& dir) {
  static const std::regex open_re(
      R"re(^(?:open|openat|creat)\((?:AT_FDCWD, |\d+, )?"([^"]*)".*= (-?\d+))re");
  static const std::regex inet_re(R"re(^(?:socket|connect|sendto|sendmsg|bind)\(.*AF_INET6?\b)re");
  TraceFacts facts;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      ++facts.lines;
      std::smatch m;
      if (std::regex_search(line, inet_re)) facts.inet_sockets.push_back(line);
      if (std::regex_search(line, m, open_re)) {
        (std::stoi(m[2].str()) >= 0 ? facts.opened : facts.tried).push_back(m[1].str());
      }
    }
  }
  return facts;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool is_system_file(const std::string& path) {
  for (const char* prefix :
       {"/usr/", "/lib/", "/lib64/", "/etc/ld.so", "/proc/", "/sys/", "/dev/"}) {
    if (starts_with(path, prefix)) return true;
  }
  return false;
}

class VideoIsolation : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(traces_);
    fs::create_directories(inputs_);
    v::write_file(secret_, "the contents of a file ffmpeg must never read\n");
    limits_.launcher = {"strace", "-f",
                        "-qq",    "-s",
                        "4096",   "-ff",
                        "-o",     (traces_ / "trace").string(),
                        "-e",     "trace=network,open,openat,creat"};
    limits_.probe_timeout = 60s;
    limits_.transcode_timeout = 120s;
  }

  // Every trace so far: no network, only allowed files; `inputs` are the files that may be read.
  void expect_isolated(const std::set<std::string>& inputs, const fs::path& out_dir) {
    const auto facts = read_traces(traces_);
    ASSERT_GT(facts.lines, 0U) << "strace wrote nothing: the proof would be empty";
    EXPECT_TRUE(facts.inet_sockets.empty()) << facts.inet_sockets.front();
    const std::string out_prefix = fs::absolute(out_dir).string() + "/";
    bool saw_input = false;
    for (const auto& path : facts.opened) {
      if (inputs.contains(path)) {
        saw_input = true;
        continue;
      }
      EXPECT_TRUE(starts_with(path, out_prefix) || is_system_file(path))
          << "opened a file it must not: " << path;
    }
    EXPECT_TRUE(saw_input) << "the trace does not show the input being read";
    for (const auto& path : facts.tried) {
      EXPECT_TRUE(starts_with(path, out_prefix) || is_system_file(path) ||
                  starts_with(path, "/etc/gcrypt/"))  // libgcrypt's optional config, absent
          << "tried to open a file it must not: " << path;
    }
    for (const auto& path : facts.opened) EXPECT_NE(path, secret_.string());
    for (const auto& path : facts.tried) EXPECT_NE(path, secret_.string());
    EXPECT_EQ(listener_.accept_pending(), 0) << "something connected to the listening socket";
  }

  std::string playlist() const { return v::hostile_playlist(listener_.port(), secret_); }

  // A probe as if probing had been fooled into accepting the file: the transcode must still
  // refuse to follow anything.
  static VideoProbe fooled_probe() {
    VideoProbe probe;
    probe.video_codec = "h264";
    probe.width = probe.coded_width = 320;
    probe.height = probe.coded_height = 240;
    probe.fps = 30;
    probe.has_audio = true;
    return probe;
  }

  TempDir dir_;
  fs::path traces_ = dir_ / "traces";
  fs::path inputs_ = dir_ / "in";
  fs::path out_ = dir_ / "out";
  fs::path secret_ = dir_ / "secret.ts";
  Listener listener_;
  VideoLimits limits_;
};

TEST_F(VideoIsolation, PlaylistRenamedMp4) {
  const auto input = inputs_ / "playlist.mp4";
  v::write_file(input, playlist());
  const auto probe = probe_video(input, "mov", limits_);
  ASSERT_FALSE(probe);
  EXPECT_EQ(probe.error().code, core::ErrorCode::kCorruptMedia) << probe.error().message;
  const auto renditions = make_video_renditions(input, "mov", fooled_probe(), out_, limits_);
  ASSERT_FALSE(renditions);
  // ffmpeg finds no valid data in it: refused as damaged media, with nothing read but the input.
  EXPECT_EQ(renditions.error().code, core::ErrorCode::kCorruptMedia);
  expect_isolated({input.string()}, out_);
  EXPECT_TRUE(fs::is_empty(out_));
}

TEST_F(VideoIsolation, AviCarryingAPlaylist) {
  const auto input = inputs_ / "hls.avi";
  v::write_file(input, v::hostile_avi(playlist()));
  const auto probe = probe_video(input, "avi", limits_);
  ASSERT_FALSE(probe);
  const auto renditions = make_video_renditions(input, "avi", fooled_probe(), out_, limits_);
  ASSERT_FALSE(renditions);
  EXPECT_EQ(renditions.error().code, core::ErrorCode::kVideoTranscodeFailed)
      << renditions.error().message;
  expect_isolated({input.string()}, out_);
  EXPECT_TRUE(fs::is_empty(out_));
}

TEST_F(VideoIsolation, PlaylistPointingAtALocalServer) {
  const auto input = inputs_ / "remote.m3u8";
  v::write_file(input, "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:" +
                           std::to_string(listener_.port()) + "/segment.ts\n#EXT-X-ENDLIST\n");
  for (const char* demuxer : {"mov", "mpegts", "matroska"}) {
    EXPECT_FALSE(probe_video(input, demuxer, limits_)) << demuxer;
    EXPECT_FALSE(make_video_renditions(input, demuxer, fooled_probe(), out_, limits_)) << demuxer;
  }
  expect_isolated({input.string()}, out_);
}

TEST_F(VideoIsolation, AGoodVideoTouchesOnlyItsInputAndOutDir) {
  // The same proof on a real video: the trace sees the input read and the outputs written.
  const auto input = v::make_h264(inputs_, "good.mp4", 320, 240, 1);
  const auto probe = must(probe_video(input, "mov", limits_));
  const auto outputs = must(make_video_renditions(input, "mov", probe, out_, limits_));
  // 720p, its HLS rung (written through `tee`), their playlists, poster, thumbnail.
  ASSERT_EQ(outputs.size(), 6U);
  // The thumbnail step reads the poster, which is one of out_dir's files.
  expect_isolated({input.string()}, out_);
  const auto facts = read_traces(traces_);
  const bool wrote_out = std::any_of(facts.opened.begin(), facts.opened.end(), [&](const auto& p) {
    return starts_with(p, fs::absolute(out_).string() + "/");
  });
  EXPECT_TRUE(wrote_out);
}

TEST_F(VideoIsolation, TheWhitelistItselfRefusesHttp) {
  // The guarded probe command line, but with the HLS demuxer (probe_video never allows it): the
  // playlist is read, its http segment is refused by the protocol whitelist.
  const auto input = inputs_ / "remote.m3u8";
  v::write_file(input, "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:" +
                           std::to_string(listener_.port()) + "/segment.ts\n#EXT-X-ENDLIST\n");
  ToolLimits limits;
  limits.timeout = 30s;
  const auto run = must(run_tool(probe_command(input, "hls"), limits));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_tail.find("Protocol 'http' not on whitelist 'file'"), std::string::npos)
      << run.stderr_tail;
  EXPECT_EQ(listener_.accept_pending(), 0);
}

TEST_F(VideoIsolation, ControlWithoutTheGuardsFfmpegDoesConnect) {
  // Shows the listener and the playlist are a real threat, so the zero above means something:
  // ffprobe left to pick the demuxer (HLS) with http allowed connects to the listener. (Debian's
  // 5.1 already limits a local playlist to file,crypto,data by default; a playlist fetched over
  // http, or any caller widening the whitelist, loses that.)
  const auto input = inputs_ / "remote.m3u8";
  v::write_file(input, "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:" +
                           std::to_string(listener_.port()) + "/segment.ts\n#EXT-X-ENDLIST\n");
  std::atomic<int> connections{0};
  std::thread acceptor([&] { connections = listener_.accept_pending(20s); });
  ToolLimits limits;
  limits.timeout = 30s;
  const auto run = must(run_tool(
      {"ffprobe", "-v", "error", "-protocol_whitelist", "file,http,tcp", input.string()}, limits));
  acceptor.join();
  EXPECT_GE(connections.load(), 1) << run.stderr_tail;
}

}  // namespace
}  // namespace toq::media
