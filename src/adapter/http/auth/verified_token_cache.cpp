#include "adapter/http/auth/verified_token_cache.hpp"

namespace toq::http::auth {

std::optional<VerifiedToken> VerifiedTokenCache::find(const support::Sha256Digest& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void VerifiedTokenCache::insert(const support::Sha256Digest& key, const VerifiedToken& token) {
  if (capacity_ == 0) return;
  const std::lock_guard lock(mutex_);
  if (const auto it = entries_.find(key); it != entries_.end()) {
    it->second = token;
    return;
  }
  if (order_.size() < capacity_) {
    order_.push_back(key);
  } else {
    // Every key in entries_ sits in the ring, so the map never outgrows it.
    entries_.erase(order_[next_]);
    order_[next_] = key;
    next_ = (next_ + 1) % capacity_;
  }
  entries_.emplace(key, token);
}

std::size_t VerifiedTokenCache::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace toq::http::auth
