// The object-store conformance suite on the embedded local store.

#include "adapter/storage/local_object_store.hpp"
#include "conformance/object_store_conformance.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

struct LocalStoreFixture final : ObjectStoreFixture {
  TempDir dir;
  core::SystemClock clock;
  std::unique_ptr<storage::LocalObjectStore> local;
};

struct LocalFactory {
  static constexpr const char* kName = "local";
  std::unique_ptr<ObjectStoreFixture> make() {
    auto fixture = std::make_unique<LocalStoreFixture>();
    storage::LocalStoreOptions options;
    options.root = fixture->dir / "store";
    options.public_base_url = "http://127.0.0.1:9";
    options.credentials = {"TOQLOCALKEY", "local-secret"};
    // Small parts and a small buffer: every loop runs many times on test-sized data.
    options.min_part_size = 64 * 1024;
    options.buffer_size = 16 * 1024;
    auto store = storage::LocalObjectStore::open(options, fixture->clock);
    if (!store) throw std::runtime_error(store.error().message);
    fixture->local = std::move(*store);
    fixture->store = fixture->local.get();
    fixture->multipart = fixture->local.get();
    fixture->caps.min_part_size = options.min_part_size;
    return fixture;
  }
};

using Adapters = ::testing::Types<LocalFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(Local, ObjectStoreConformance, Adapters);

}  // namespace
}  // namespace toq::testing
