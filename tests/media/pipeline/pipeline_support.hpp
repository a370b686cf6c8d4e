#pragma once
// What the pipeline suites share: an embedded store in a temp dir, and reading an object back
// into a local file for the tools (vipsheader, ffprobe, exiftool, unzip) to inspect.

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "adapter/storage/local_object_store.hpp"

namespace toq::testing {

inline std::unique_ptr<storage::LocalObjectStore> open_test_store(const std::filesystem::path& root,
                                                                  const core::Clock& clock) {
  storage::LocalStoreOptions options;
  options.root = root;
  options.public_base_url = "http://127.0.0.1";
  options.credentials = {"test", "secret"};
  options.durable = false;  // a scratch store: speed over power-loss safety
  auto store = storage::LocalObjectStore::open(options, clock);
  if (!store) {
    throw std::runtime_error(store.error().message);
  }
  return std::move(*store);
}

// The object at `key`, written to `path`; false when the store could not give it.
inline bool fetch_object(core::ObjectStore& store, const std::string& key,
                         const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  struct Sink : core::ByteSink {
    std::ofstream out;
    core::Status write(std::span<const std::byte> d) override {
      out.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
      return {};
    }
  } sink;
  sink.out.open(path, std::ios::binary);
  return store.get(key, sink).has_value();
}

}  // namespace toq::testing
