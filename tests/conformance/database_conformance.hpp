#pragma once
// Conformance of the unit of work (Database::run): the contract in src/core/port/database.hpp.
// Instantiated for every adapter of core::Database (see repository_conformance.hpp).

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class DatabaseConformance : public RepositoryFixture<Factory> {};

TYPED_TEST_SUITE_P(DatabaseConformance);

TYPED_TEST_P(DatabaseConformance, ErrorRollsBackEveryWrite) {
  this->listing(28);
  auto r = this->db_->run([&](core::UnitOfWork& u) -> core::Status {
    auto b = u.batches().create({core::ListingId{28}, "", core::UserId{7}, at(9)}, at(1));
    if (!b) return std::unexpected(b.error());
    if (auto a = u.assets().add(b->id, {photo("f-1", 1)}, at(1)); !a)
      return std::unexpected(a.error());
    return core::fail(ErrorCode::kUploadIncomplete, "caller changed its mind");
  });
  EXPECT_TRUE(fails_with(r, ErrorCode::kUploadIncomplete));
  auto open = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().find_open(core::ListingId{28}); }));
  EXPECT_FALSE(open.has_value());
}

TYPED_TEST_P(DatabaseConformance, ExceptionRollsBackAndBecomesInternal) {
  this->listing(28);
  auto r = this->db_->run([&](core::UnitOfWork& u) -> core::Status {
    (void)u.batches().create({core::ListingId{28}, "", core::UserId{7}, at(9)}, at(1));
    throw std::runtime_error("boom");
  });
  EXPECT_TRUE(fails_with(r, ErrorCode::kInternal));
  EXPECT_NE(r.error().message.find("boom"), std::string::npos);
  auto open = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().find_open(core::ListingId{28}); }));
  EXPECT_FALSE(open.has_value());
  // The database is still usable afterwards.
  EXPECT_EQ(this->batch(28).status, BatchStatus::kPendingUpload);
}

REGISTER_TYPED_TEST_SUITE_P(DatabaseConformance, ErrorRollsBackEveryWrite,
                            ExceptionRollsBackAndBecomesInternal);

}  // namespace toq::testing
