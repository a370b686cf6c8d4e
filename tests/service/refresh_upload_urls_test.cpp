// RefreshUploadUrls on the real SQLite adapter and the real local object store: what the store
// holds is reported truthfully (single PUT and multipart, part by part), only missing parts get
// URLs, the URLs really work, and every refusal of the contract.

#include <algorithm>

#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

using core::BatchStatus;
using core::ErrorCode;
using core::Role;

class RefreshUploadUrlsTest : public ServiceTest {
 protected:
  core::RefreshUploadUrlsInput input(const core::CreateUploadBatchOutput& b,
                                     core::Principal caller = photographer()) {
    return {caller, b.listing_id.value, b.batch_id.value, std::nullopt, {}};
  }
  static const core::RefreshedFile& find_file(const core::RefreshUploadUrlsOutput& out,
                                              const std::string& client_id) {
    auto it = std::ranges::find(out.files, client_id, &core::RefreshedFile::client_id);
    if (it == out.files.end()) throw std::runtime_error("no file " + client_id);
    return *it;
  }
};

TEST_F(RefreshUploadUrlsTest, NothingUploadedYetGivesEveryUrlAgain) {
  listing(28);
  auto batch = create_mixed(28);
  clock_.advance(std::chrono::minutes{30});
  auto out = must(refresher().run(input(batch)));
  EXPECT_EQ(out.batch_id, batch.batch_id);
  EXPECT_EQ(out.listing_id.value, 28);
  EXPECT_EQ(out.status, BatchStatus::kPendingUpload);
  EXPECT_EQ(out.expires_at, clock_.now() + std::chrono::hours{1});  // fresh, not the batch's
  ASSERT_EQ(out.files.size(), 2u);
  const auto& photo = find_file(out, "f-1");
  EXPECT_FALSE(photo.uploaded);
  ASSERT_TRUE(photo.upload.has_value());
  EXPECT_FALSE(photo.multipart.has_value());
  EXPECT_EQ(photo.upload->method, "PUT");
  EXPECT_NE(photo.upload->url, batch.files[0].upload->url);  // signed at another time
  EXPECT_EQ(photo.upload->headers, batch.files[0].upload->headers);
  const auto& video = find_file(out, "v-1");
  EXPECT_FALSE(video.uploaded);
  ASSERT_TRUE(video.multipart.has_value());
  EXPECT_EQ(video.multipart->upload_id, batch.files[1].multipart->upload_id);
  EXPECT_EQ(video.multipart->part_size_bytes, kPartSize);
  ASSERT_EQ(video.multipart->parts.size(), 4u);  // 64+64+64+8 KiB
  EXPECT_EQ(video.multipart->parts[3].bytes, 8 * kKiB);
  EXPECT_TRUE(video.uploaded_parts.empty());
}

TEST_F(RefreshUploadUrlsTest, ReportsWhatTheStoreHoldsAndOnlyMissingPartsGetUrls) {
  listing(28);
  auto batch = create_mixed(28);
  upload(batch, {"f-1"});
  // Parts 1 and 3 of the video, as a browser that lost its connection would have left them.
  const auto& v = batch.files[1];
  const std::string key = core::raw_key(batch.listing_id, batch.batch_id, v.asset_id);
  const std::span<const std::byte> all(contents_.at("v-1"));
  std::vector<core::PartInfo> sent;
  for (int n : {1, 3}) {
    SpanSource src(all.subspan(static_cast<std::size_t>((n - 1) * kPartSize),
                               static_cast<std::size_t>(kPartSize)));
    sent.push_back(must(store_->upload_part(key, v.multipart->upload_id, n, src, kPartSize)));
  }
  auto out = must(refresher().run(input(batch)));
  EXPECT_TRUE(find_file(out, "f-1").uploaded);
  const auto& video = find_file(out, "v-1");
  EXPECT_FALSE(video.uploaded);
  ASSERT_EQ(video.uploaded_parts.size(), 2u);
  EXPECT_EQ(video.uploaded_parts[0].part_number, 1);
  EXPECT_EQ(video.uploaded_parts[0].etag, sent[0].etag);
  EXPECT_EQ(video.uploaded_parts[0].bytes, kPartSize);
  EXPECT_EQ(video.uploaded_parts[1].part_number, 3);
  ASSERT_EQ(video.multipart->parts.size(), 2u);
  EXPECT_EQ(video.multipart->parts[0].part_number, 2);
  EXPECT_EQ(video.multipart->parts[1].part_number, 4);
  EXPECT_EQ(video.multipart->parts[1].bytes, 8 * kKiB);

  // The refreshed part URLs lead to the same upload: send parts 2 and 4 through the store and
  // complete with all four; the batch completes.
  std::vector<core::CompletedPart> parts = {{1, sent[0].etag}, {3, sent[1].etag}};
  for (const auto& p : video.multipart->parts) {
    SpanSource src(all.subspan(static_cast<std::size_t>((p.part_number - 1) * kPartSize),
                               static_cast<std::size_t>(p.bytes)));
    auto info =
        must(store_->upload_part(key, video.multipart->upload_id, p.part_number, src, p.bytes));
    parts.push_back({p.part_number, info.etag});
  }
  std::ranges::sort(parts, {}, &core::CompletedPart::part_number);
  auto done = must(completer().run(complete_input(batch, {{"v-1", parts}})));
  EXPECT_TRUE(done.created);
}

TEST_F(RefreshUploadUrlsTest, APartOfTheWrongSizeIsReportedAndGetsAUrlAgain) {
  listing(28);
  auto batch = create_mixed(28);
  const auto& v = batch.files[1];
  const std::string key = core::raw_key(batch.listing_id, batch.batch_id, v.asset_id);
  const auto bytes = make_bytes(10 * kKiB, 5);
  SpanSource src(bytes);
  must(store_->upload_part(key, v.multipart->upload_id, 2, src, 10 * kKiB));
  auto out = must(refresher().run(input(batch)));
  const auto& video = find_file(out, "v-1");
  ASSERT_EQ(video.uploaded_parts.size(), 1u);
  EXPECT_EQ(video.uploaded_parts[0].bytes, 10 * kKiB);
  ASSERT_EQ(video.multipart->parts.size(), 4u);  // part 2 must be sent again, whole
}

TEST_F(RefreshUploadUrlsTest, AWrongSizedSinglePutIsNotUploaded) {
  listing(28);
  auto batch = create_mixed(28);
  const std::string key = core::raw_key(batch.listing_id, batch.batch_id, batch.files[0].asset_id);
  const auto bytes = make_bytes(100, 9);
  SpanSource src(bytes);
  must(store_->put(key, src, {"image/jpeg", 100, std::nullopt}));
  auto out = must(refresher().run(input(batch)));
  EXPECT_FALSE(find_file(out, "f-1").uploaded);
}

TEST_F(RefreshUploadUrlsTest, MultipartAssembledByAnEarlierCompleteIsUploaded) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch, {"v-1"});  // the photo is missing
  auto first = completer().run(complete_input(batch, parts));
  ASSERT_TRUE(fails_with(first, ErrorCode::kUploadIncomplete));  // but the video was assembled
  auto out = must(refresher().run(input(batch)));
  const auto& video = find_file(out, "v-1");
  EXPECT_TRUE(video.uploaded);
  EXPECT_TRUE(video.multipart->parts.empty());
  EXPECT_FALSE(find_file(out, "f-1").uploaded);
}

TEST_F(RefreshUploadUrlsTest, AnAbortedUploadIsReplacedByANewRecordedOne) {
  listing(28);
  auto batch = create_mixed(28);
  const auto& v = batch.files[1];
  const std::string key = core::raw_key(batch.listing_id, batch.batch_id, v.asset_id);
  must(store_->abort_multipart(key, v.multipart->upload_id));
  auto out = must(refresher().run(input(batch)));
  const auto& video = find_file(out, "v-1");
  EXPECT_FALSE(video.uploaded);
  EXPECT_NE(video.multipart->upload_id, v.multipart->upload_id);
  EXPECT_EQ(video.multipart->parts.size(), 4u);
  auto asset = must(tx([&](core::UnitOfWork& u) { return u.assets().find(v.asset_id); }));
  EXPECT_EQ(asset->multipart_upload_id, video.multipart->upload_id);
  // The new upload works end to end.
  upload(batch, {"f-1"});
  const std::span<const std::byte> all(contents_.at("v-1"));
  std::vector<core::CompletedPart> parts;
  for (const auto& p : video.multipart->parts) {
    SpanSource src(all.subspan(static_cast<std::size_t>((p.part_number - 1) * kPartSize),
                               static_cast<std::size_t>(p.bytes)));
    parts.push_back({p.part_number, must(store_->upload_part(key, video.multipart->upload_id,
                                                             p.part_number, src, p.bytes))
                                        .etag});
  }
  EXPECT_TRUE(must(completer().run(complete_input(batch, {{"v-1", parts}}))).created);
}

TEST_F(RefreshUploadUrlsTest, ClientIdsFilterAndUnknownOnesAreNamed) {
  listing(28);
  auto batch = create_mixed(28);
  auto in = input(batch);
  in.client_ids = std::vector<std::string>{"v-1"};
  auto out = must(refresher().run(in));
  ASSERT_EQ(out.files.size(), 1u);
  EXPECT_EQ(out.files[0].client_id, "v-1");
  in.client_ids = std::vector<std::string>{"v-1", "nope", "x-9"};
  auto bad = refresher().run(in);
  ASSERT_TRUE(fails_with(bad, ErrorCode::kInvalidRequest));
  EXPECT_NE(bad.error().client_message().find("nope"), std::string::npos);
  const auto* d = std::get_if<core::FieldErrors>(&bad.error().details);
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->fields.size(), 2u);
  EXPECT_EQ(d->fields[0].field, "clientIds[1]");
  EXPECT_EQ(d->fields[1].field, "clientIds[2]");
}

TEST_F(RefreshUploadUrlsTest, RefusalsInTheContractsOrder) {
  listing(28);
  listing(29);
  auto batch = create_mixed(28);
  auto in = input(batch);
  in.batch_id = 999999;
  EXPECT_TRUE(fails_with(refresher().run(in), ErrorCode::kBatchNotFound));
  in = input(batch);
  in.listing_identity_id = 29;  // another listing's batch looks missing
  EXPECT_TRUE(fails_with(refresher().run(in), ErrorCode::kBatchNotFound));
  in.listing_identity_id = 4242;  // and so does a missing listing
  EXPECT_TRUE(fails_with(refresher().run(in), ErrorCode::kBatchNotFound));
  for (auto caller : {as(Role::kPhotographer, 8), as(Role::kOwner, kOwner), as(Role::kClient, 7),
                      as(Role::kService, 1)}) {
    EXPECT_TRUE(fails_with(refresher().run(input(batch, caller)), ErrorCode::kForbidden))
        << core::to_string(caller.role);
  }
  EXPECT_TRUE(refresher().run(input(batch, as(Role::kAdmin, 1))).has_value());
  // Completed: no longer pending.
  auto parts = upload(batch);
  must(completer().run(complete_input(batch, parts)));
  EXPECT_TRUE(fails_with(refresher().run(input(batch)), ErrorCode::kBatchNotPending));
  // A stranger still gets FORBIDDEN first, not the batch's state.
  EXPECT_TRUE(
      fails_with(refresher().run(input(batch, as(Role::kPhotographer, 8))), ErrorCode::kForbidden));
}

// A file with more parts than an answer carries: the client asks for the URLs of the parts it is
// about to send (part_numbers) and gets exactly those; uploading every part that way completes.
TEST_F(RefreshUploadUrlsTest, PartNumbersGiveExactlyThoseUrlsAndTheUploadCompletes) {
  listing(28);
  constexpr int kParts = 20;
  auto batch = must(creator().run(
      {photographer(),
       manifest(28, {file("v-1", "VIDEO_VERTICAL", kParts * kPartSize - 5 * kKiB, 1)})}));
  ASSERT_TRUE(batch.files[0].multipart.has_value());
  ASSERT_EQ(batch.files[0].multipart->part_count, kParts);
  ASSERT_EQ(batch.files[0].multipart->parts.size(), core::kPartUrlsPerFile);

  const auto& bytes = contents_.at("v-1");
  const std::span<const std::byte> all(bytes);
  const std::string key = core::raw_key(batch.listing_id, batch.batch_id, batch.files[0].asset_id);
  const std::string upload_id = batch.files[0].multipart->upload_id;
  std::vector<core::CompletedPart> parts;
  for (int first = 1; first <= kParts; first += 7) {
    auto in = input(batch);
    in.client_ids = std::vector<std::string>{"v-1"};
    for (int n = std::min(first + 6, kParts); n >= first; --n) in.part_numbers.push_back(n);
    in.part_numbers.push_back(first);  // a repeat gets one URL
    auto out = must(refresher().run(in));
    ASSERT_EQ(out.files.size(), 1u);
    const auto& mp = out.files[0].multipart;
    ASSERT_TRUE(mp.has_value());
    EXPECT_EQ(mp->part_count, kParts);
    const int expected = std::min(first + 6, kParts) - first + 1;
    ASSERT_EQ(mp->parts.size(), static_cast<std::size_t>(expected));
    for (int k = 0; k < expected; ++k) {
      const auto& p = mp->parts[static_cast<std::size_t>(k)];
      EXPECT_EQ(p.part_number, first + k);  // ascending, whatever order they were asked in
      EXPECT_EQ(p.bytes, p.part_number == kParts ? kPartSize - 5 * kKiB : kPartSize);
      SpanSource src(all.subspan(static_cast<std::size_t>((p.part_number - 1) * kPartSize),
                                 static_cast<std::size_t>(p.bytes)));
      parts.push_back(
          {p.part_number,
           must(store_->upload_part(key, upload_id, p.part_number, src, p.bytes)).etag});
    }
  }
  EXPECT_TRUE(must(completer().run(complete_input(batch, {{"v-1", parts}}))).created);
}

TEST_F(RefreshUploadUrlsTest, PartNumbersOutsideThePlanOrWithoutOneMultipartFileAreRefused) {
  listing(28);
  auto batch = create_mixed(28);  // f-1 single PUT, v-1 4 parts
  const auto refused = [&](std::optional<std::vector<std::string>> ids,
                           std::vector<std::int64_t> numbers, const std::string& field) {
    auto in = input(batch);
    in.client_ids = std::move(ids);
    in.part_numbers = std::move(numbers);
    auto r = refresher().run(in);
    if (!fails_with(r, ErrorCode::kInvalidRequest)) return false;
    const auto* d = std::get_if<core::FieldErrors>(&r.error().details);
    return d != nullptr && d->fields.size() == 1 && d->fields[0].field == field;
  };
  EXPECT_TRUE(refused(std::nullopt, {1}, "partNumbers"));
  EXPECT_TRUE(refused(std::vector<std::string>{"v-1", "f-1"}, {1}, "partNumbers"));
  EXPECT_TRUE(refused(std::vector<std::string>{"f-1"}, {1}, "partNumbers"));
  EXPECT_TRUE(refused(std::vector<std::string>{"v-1"}, {2, 5}, "partNumbers[1]"));
  EXPECT_TRUE(refused(std::vector<std::string>{"v-1"}, {0}, "partNumbers[0]"));
  std::vector<std::int64_t> many(core::kMaxPartNumbersPerRequest + 1, 1);
  EXPECT_TRUE(refused(std::vector<std::string>{"v-1"}, many, "partNumbers"));
}

TEST_F(RefreshUploadUrlsTest, OwnerRefreshesProjectFilesOfADevelopment) {
  listing(30, "DEVELOPMENT", "PUBLISHED");
  auto batch = must(creator().run(
      {as(Role::kOwner, kOwner), manifest(30, {file("p-1", "PROJECT_DOC", 10 * kKiB, 1)})}));
  auto out = must(refresher().run(input(batch, as(Role::kOwner, kOwner))));
  ASSERT_EQ(out.files.size(), 1u);
  EXPECT_TRUE(out.files[0].upload.has_value());
  EXPECT_TRUE(fails_with(refresher().run(input(batch, photographer())), ErrorCode::kForbidden));
}

}  // namespace
}  // namespace toq::testing
