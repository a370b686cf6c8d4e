// Unit tests of support/unique_fd.hpp.

#include "support/unique_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace toq::support {
namespace {

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

TEST(UniqueFd, ClosesWhenItGoesAway) {
  int raw = -1;
  {
    UniqueFd fd{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    ASSERT_TRUE(fd.valid());
    raw = fd.get();
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MovesOwnershipAndReleases) {
  UniqueFd a{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  const int raw = a.get();
  UniqueFd b{std::move(a)};
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from state is the contract
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  const int released = c.release();
  EXPECT_FALSE(c.valid());
  EXPECT_TRUE(is_open(released));
  ::close(released);
}

TEST(UniqueFd, CloseReportsItsResult) {
  UniqueFd fd{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  const int raw = fd.get();
  EXPECT_EQ(fd.close(), 0);
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(is_open(raw));
  EXPECT_EQ(fd.close(), 0) << "closing nothing is not an error";
  UniqueFd other{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  const int first = other.get();
  other.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_FALSE(is_open(first)) << "the new descriptor is opened before the old one closes";
  EXPECT_TRUE(is_open(other.get()));
}

}  // namespace
}  // namespace toq::support
