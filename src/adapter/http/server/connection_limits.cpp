#include "adapter/http/server/connection_limits.hpp"

#include <utility>

namespace toq::http {

ConnectionLimits::Slot::Slot(Slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), client_(std::move(other.client_)) {}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    client_ = std::move(other.client_);
  }
  return *this;
}

ConnectionLimits::Slot::~Slot() {
  release();
}

void ConnectionLimits::Slot::release() {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->release(client_);
}

ConnectionLimits::ConnectionLimits(std::size_t total, std::size_t per_client)
    : total_(total), per_client_(per_client) {}

ConnectionLimits::Slot ConnectionLimits::acquire(const std::string& client, Refusal& refusal) {
  std::lock_guard lock{mutex_};
  if (open_ >= total_) {
    refusal = Refusal::kTotal;
    return {};
  }
  auto& mine = by_client_[client];
  if (mine >= per_client_) {
    if (mine == 0) by_client_.erase(client);
    refusal = Refusal::kPerClient;
    return {};
  }
  ++mine;
  ++open_;
  refusal = Refusal::kNone;
  return Slot{this, client};
}

void ConnectionLimits::release(const std::string& client) {
  std::lock_guard lock{mutex_};
  --open_;
  const auto it = by_client_.find(client);
  if (it != by_client_.end() && --it->second == 0) by_client_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  std::lock_guard lock{mutex_};
  return open_;
}

std::size_t ConnectionLimits::open_from(const std::string& client) const {
  std::lock_guard lock{mutex_};
  const auto it = by_client_.find(client);
  return it == by_client_.end() ? 0 : it->second;
}

}  // namespace toq::http
