// RegisterListing on the real SQLite adapter.

#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;

class RegisterListingTest : public ServiceTest {};

TEST_F(RegisterListingTest, UpsertStoresAndReplacesEveryField) {
  auto first = listing(28);
  EXPECT_EQ(first.id.value, 28);
  EXPECT_EQ(first.owner_id.value, kOwner);
  EXPECT_EQ(first.photographer_id, core::UserId{kPhotographer});
  EXPECT_EQ(first.updated_at, pinned_now());

  clock_.advance(std::chrono::seconds(5));
  core::UpsertListingInput changed{
      as(core::Role::kAdmin, 1), 28, 99, std::nullopt, "DEVELOPMENT", "PUBLISHED"};
  auto stored = must(registrar().upsert(changed));
  EXPECT_EQ(stored.owner_id.value, 99);
  EXPECT_FALSE(stored.photographer_id.has_value());
  EXPECT_EQ(stored.kind, core::ListingKind::kDevelopment);
  EXPECT_EQ(stored.status, "PUBLISHED");
  EXPECT_EQ(stored.updated_at, pinned_now() + std::chrono::seconds(5));
  EXPECT_EQ(must(registrar().get({service(), 28})), stored);
}

TEST_F(RegisterListingTest, UpsertReportsEveryBadField) {
  core::UpsertListingInput bad{service(), 0, -1, 0, "CASTLE", "pending"};
  auto r = registrar().upsert(bad);
  ASSERT_TRUE(fails_with(r, ErrorCode::kInvalidRequest));
  const auto* fields = std::get_if<core::FieldErrors>(&r.error().details);
  ASSERT_NE(fields, nullptr);
  std::vector<std::string> names;
  for (const auto& f : fields->fields) names.push_back(f.field);
  EXPECT_EQ(names, (std::vector<std::string>{"listingIdentityId", "ownerId", "photographerId",
                                             "kind", "status"}));
  EXPECT_TRUE(fails_with(registrar().get({service(), 0}), ErrorCode::kListingNotFound));
}

TEST_F(RegisterListingTest, GetMissingIsListingNotFound) {
  EXPECT_TRUE(fails_with(registrar().get({service(), 404}), ErrorCode::kListingNotFound));
}

TEST_F(RegisterListingTest, OnlyServiceAndAdminMayCallIt) {
  for (auto role : {core::Role::kPhotographer, core::Role::kOwner, core::Role::kClient}) {
    core::UpsertListingInput in{as(role, kOwner),          28, kOwner, kPhotographer, "RESIDENTIAL",
                                "PENDING_PHOTO_PROCESSING"};
    EXPECT_TRUE(fails_with(registrar().upsert(in), ErrorCode::kForbidden));
    EXPECT_TRUE(fails_with(registrar().get({as(role, kOwner), 28}), ErrorCode::kForbidden));
  }
}

}  // namespace
}  // namespace toq::testing
