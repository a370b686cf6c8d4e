#pragma once
// The repository conformance suites, one per port: every adapter of core::Database (SQLite, MySQL)
// instantiates all of them with its Factory (repository_fixture.hpp), for example
//   TOQ_INSTANTIATE_REPOSITORY_CONFORMANCE(Sqlite, ::testing::Types<SqliteFactory>);

#include "conformance/asset_repository_conformance.hpp"
#include "conformance/batch_repository_conformance.hpp"
#include "conformance/database_conformance.hpp"
#include "conformance/execution_start_repository_conformance.hpp"
#include "conformance/job_repository_conformance.hpp"
#include "conformance/listing_repository_conformance.hpp"
#include "conformance/outbox_repository_conformance.hpp"
#include "conformance/work_item_repository_conformance.hpp"

#define TOQ_INSTANTIATE_REPOSITORY_CONFORMANCE(Prefix, Factories)                         \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, ListingRepositoryConformance, Factories);        \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, BatchRepositoryConformance, Factories);          \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, AssetRepositoryConformance, Factories);          \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, JobRepositoryConformance, Factories);            \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, OutboxRepositoryConformance, Factories);         \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, ExecutionStartRepositoryConformance, Factories); \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, WorkItemRepositoryConformance, Factories);       \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, DatabaseConformance, Factories)
