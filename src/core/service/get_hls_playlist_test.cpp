// sign_media_playlist: the stored media playlist's URIs (the rung's file name) become the
// presigned URL, in EXT-X-MAP and on every segment line; anything else is refused.

#include "core/service/get_hls_playlist.hpp"

#include <gtest/gtest.h>

namespace toq::core {
namespace {

constexpr std::string_view kStored =
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n"
    "#EXT-X-MAP:URI=\"hls-720p.mp4\",BYTERANGE=\"1212@0\"\n"
    "#EXTINF:4.00000,\n#EXT-X-BYTERANGE:1000@1212\nhls-720p.mp4\n"
    "#EXTINF:1.00000,\n#EXT-X-BYTERANGE:300@2212\nhls-720p.mp4\n#EXT-X-ENDLIST\n";

TEST(SignMediaPlaylist, EveryUriOfTheRungBecomesThePresignedUrl) {
  const std::string url = "http://127.0.0.1:8080/storage/k/hls-720p.mp4?X-Amz-Signature=ab";
  const auto signed_text = sign_media_playlist(kStored, "hls-720p.mp4", url);
  ASSERT_TRUE(signed_text.has_value()) << signed_text.error().message;
  EXPECT_EQ(*signed_text,
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n"
            "#EXT-X-MAP:URI=\"" +
                url +
                "\",BYTERANGE=\"1212@0\"\n"
                "#EXTINF:4.00000,\n#EXT-X-BYTERANGE:1000@1212\n" +
                url +
                "\n"
                "#EXTINF:1.00000,\n#EXT-X-BYTERANGE:300@2212\n" +
                url + "\n#EXT-X-ENDLIST\n");
}

TEST(SignMediaPlaylist, AnotherUriIsAnInternalError) {
  auto other = sign_media_playlist("#EXTM3U\nhttp://elsewhere/x.mp4\n", "hls-720p.mp4", "u");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kInternal);
  auto map = sign_media_playlist("#EXT-X-MAP:URI=\"hls-360p.mp4\"\n", "hls-720p.mp4", "u");
  ASSERT_FALSE(map.has_value());
  EXPECT_EQ(map.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace toq::core
