#pragma once
// Conformance of the listing mirror (ListingRepository): the contract in
// src/core/port/listing_repository.hpp. Instantiated for every adapter of core::Database (see
// repository_conformance.hpp).

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class ListingRepositoryConformance : public RepositoryFixture<Factory> {};

TYPED_TEST_SUITE_P(ListingRepositoryConformance);

TYPED_TEST_P(ListingRepositoryConformance, ListingUpsertInsertsThenReplacesEveryField) {
  auto first = this->listing(28);
  EXPECT_EQ(first.id.value, 28);
  EXPECT_EQ(first.updated_at, at(0));
  core::Listing changed = first;
  changed.photographer_id.reset();
  changed.owner_id = core::UserId{99};
  changed.kind = core::ListingKind::kDevelopment;
  changed.status = "PUBLISHED";
  auto stored =
      must(this->tx([&](core::UnitOfWork& u) { return u.listings().upsert(changed, at(9)); }));
  EXPECT_FALSE(stored.photographer_id.has_value());
  EXPECT_EQ(stored.owner_id.value, 99);
  EXPECT_EQ(stored.kind, core::ListingKind::kDevelopment);
  EXPECT_EQ(stored.status, "PUBLISHED");
  EXPECT_EQ(stored.updated_at, at(9));
  auto found =
      must(this->tx([&](core::UnitOfWork& u) { return u.listings().find(core::ListingId{28}); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, stored);
}

TYPED_TEST_P(ListingRepositoryConformance, ListingMissingIsNulloptAndSetStatusNotFound) {
  auto found =
      must(this->tx([&](core::UnitOfWork& u) { return u.listings().find(core::ListingId{404}); }));
  EXPECT_FALSE(found.has_value());
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.listings().set_status(core::ListingId{404}, "PUBLISHED", at(1));
  }),
                         ErrorCode::kListingNotFound));
}

TYPED_TEST_P(ListingRepositoryConformance, ListingSetStatusChangesOnlyStatus) {
  auto l = this->listing(5);
  auto moved = must(this->tx([&](core::UnitOfWork& u) {
    return u.listings().set_status(l.id, "PENDING_OWNER_APPROVAL", at(50));
  }));
  EXPECT_EQ(moved.status, "PENDING_OWNER_APPROVAL");
  EXPECT_EQ(moved.owner_id, l.owner_id);
  EXPECT_EQ(moved.photographer_id, l.photographer_id);
  EXPECT_EQ(moved.updated_at, at(50));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.listings().set_status(l.id, "not upper", at(51));
  }),
                         ErrorCode::kInvalidRequest));
}

REGISTER_TYPED_TEST_SUITE_P(ListingRepositoryConformance,
                            ListingUpsertInsertsThenReplacesEveryField,
                            ListingMissingIsNulloptAndSetStatusNotFound,
                            ListingSetStatusChangesOnlyStatus);

}  // namespace toq::testing
