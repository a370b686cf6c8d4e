// GetHlsPlaylist on the real SQLite adapter and the real local store: the refusals a player or a
// page can meet, each with a message that is true for what was asked (a photo or a project file
// has no playlist because it is not a video, not because "this video" lacks one).

#include "core/service/get_hls_playlist.hpp"

#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;
using core::Role;

class GetHlsPlaylistTest : public ServiceTest {
 protected:
  core::GetHlsPlaylist playlists() {
    return core::GetHlsPlaylist({*db_, *store_, *store_, clock_}, {});
  }

  // The asset id of `client_id` in a processed batch.
  static std::int64_t asset_of(const core::CreateUploadBatchOutput& batch,
                               const std::string& client_id) {
    for (const auto& f : batch.files) {
      if (f.client_id == client_id) return f.asset_id.value;
    }
    ADD_FAILURE() << "no file " << client_id;
    return 0;
  }

  core::Error refused(const core::CreateUploadBatchOutput& batch, std::int64_t asset,
                      std::string playlist = "master.m3u8") {
    auto out = playlists().run({as(Role::kOwner, kOwner), batch.listing_id.value,
                                batch.batch_id.value, asset, std::move(playlist)});
    EXPECT_FALSE(out.has_value());
    return out ? core::Error{} : out.error();
  }
};

TEST_F(GetHlsPlaylistTest, APhotoIsRefusedAsAPhotoNotAsAVideoWithoutThatPlaylist) {
  listing(28);
  const auto batch = processed_mixed(28);  // a READY photo and a READY video
  for (const char* playlist : {"master.m3u8", "720p.m3u8"}) {
    const auto error = refused(batch, asset_of(batch, "f-1"), playlist);
    EXPECT_EQ(error.code, ErrorCode::kAssetNotFound);
    EXPECT_EQ(error.public_message, "This asset is a photo: HLS playlists exist only for videos.");
    EXPECT_EQ(error.public_message.find("video has"), std::string::npos);
    EXPECT_NE(error.hint.find("downloads"), std::string::npos) << error.hint;
    EXPECT_NE(error.message.find("PHOTO_HORIZONTAL"), std::string::npos) << error.message;
  }
}

TEST_F(GetHlsPlaylistTest, AProjectFileIsRefusedAsAProjectFile) {
  listing(29, "DEVELOPMENT");
  auto created = must(creator().run(
      {as(Role::kOwner, kOwner), manifest(29, {file("p-1", "PROJECT_DOC", 4 * kKiB, 1)})}));
  must(completer().run(complete_input(created, upload(created), as(Role::kOwner, kOwner))));
  must(run_job_stand_in(*db_, created.batch_id, clock_.now()));
  const auto error = refused(created, asset_of(created, "p-1"));
  EXPECT_EQ(error.code, ErrorCode::kAssetNotFound);
  EXPECT_EQ(error.public_message,
            "This asset is a project file: HLS playlists exist only for videos.");
  EXPECT_FALSE(error.hint.empty());
}

TEST_F(GetHlsPlaylistTest, AVideoWithoutThePlaylistAndAnAssetOutsideTheBatchSaySo) {
  listing(28);
  const auto batch = processed_mixed(28);  // the stand-in records no HLS renditions
  const auto video = refused(batch, asset_of(batch, "v-1"), "360p.m3u8");
  EXPECT_EQ(video.code, ErrorCode::kAssetNotFound);
  EXPECT_EQ(video.public_message, "This video has no such playlist.");
  EXPECT_NE(video.hint.find("hls.masterUrl"), std::string::npos) << video.hint;

  const auto missing = refused(batch, 987654);
  EXPECT_EQ(missing.code, ErrorCode::kAssetNotFound);
  EXPECT_EQ(missing.public_message, "This batch has no such asset.");

  const auto bad_name = refused(batch, asset_of(batch, "v-1"), "../secret");
  EXPECT_EQ(bad_name.code, ErrorCode::kAssetNotFound);
  EXPECT_EQ(bad_name.public_message.find("video has"), std::string::npos);
  EXPECT_NE(bad_name.public_message.find("master.m3u8"), std::string::npos);
}

}  // namespace
}  // namespace toq::testing
