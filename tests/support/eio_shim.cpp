// An LD_PRELOAD shim that makes a disk fail with EIO, for the fault-injection tests: it stands in
// for a dying disk under the database or the store, which a test cannot otherwise get without
// device-mapper (dm-error) or a FUSE file system.
//
// It wraps write, pwrite, pwrite64, writev, fsync and fdatasync (and, when asked, read, pread and
// pread64). While the file named by TOQ_EIO_ARM_FILE exists, a call on a descriptor whose path
// (/proc/self/fd) starts with the prefix on the file's first line fails with EIO; a second line
// "read" fails reads too. Any other call, and every call while the file is absent, goes to libc
// unchanged. The test arms and clears the fault by writing and removing that file, so it can
// reach a process it started (the served toq-media and its workers inherit the environment).
//
// toq_eio_shim_calls_failed() tells the test process it is preloaded, and how many calls failed.

// Linked into a test executable it does the same without LD_PRELOAD: the executable's definitions
// come first in every library's symbol lookup.

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

namespace {

std::atomic<long> failed_calls{0};

template <class Fn>
Fn real(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

using ReadFn = ssize_t (*)(int, void*, size_t);

ReadFn real_read() {
  static const ReadFn fn = real<ReadFn>("read");
  return fn;
}

// Whether a call of this kind on `fd` must fail: the arm file exists, and the descriptor's path
// starts with its prefix. errno is left as it was.
bool check(int fd, bool is_read) {
  const char* arm = std::getenv("TOQ_EIO_ARM_FILE");
  if (arm == nullptr || ::access(arm, F_OK) != 0) return false;
  char spec[4096];
  const int afd = ::open(arm, O_RDONLY | O_CLOEXEC);
  if (afd < 0) return false;
  const ssize_t n = real_read()(afd, spec, sizeof spec - 1);
  ::close(afd);
  if (n <= 0) return false;
  spec[n] = '\0';
  char* newline = std::strchr(spec, '\n');
  const bool reads = newline != nullptr && std::strncmp(newline + 1, "read", 4) == 0;
  if (newline != nullptr) *newline = '\0';
  if ((is_read && !reads) || spec[0] == '\0') return false;
  char link[64];
  char path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t len = ::readlink(link, path, sizeof path - 1);
  if (len <= 0) return false;
  path[len] = '\0';
  if (std::strncmp(path, spec, std::strlen(spec)) != 0) return false;
  failed_calls.fetch_add(1);
  return true;
}

bool must_fail(int fd, bool is_read) {
  const int saved = errno;
  const bool fail = check(fd, is_read);
  errno = fail ? EIO : saved;
  return fail;
}

}  // namespace

#define REAL(name, type) static const auto real_fn = real<type>(name)

extern "C" {

long toq_eio_shim_calls_failed() {
  return failed_calls.load();
}

ssize_t write(int fd, const void* buf, size_t count) {
  REAL("write", ssize_t(*)(int, const void*, size_t));
  if (must_fail(fd, false)) return -1;
  return real_fn(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  REAL("pwrite", ssize_t(*)(int, const void*, size_t, off_t));
  if (must_fail(fd, false)) return -1;
  return real_fn(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  REAL("pwrite64", ssize_t(*)(int, const void*, size_t, off64_t));
  if (must_fail(fd, false)) return -1;
  return real_fn(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  REAL("writev", ssize_t(*)(int, const struct iovec*, int));
  if (must_fail(fd, false)) return -1;
  return real_fn(fd, iov, iovcnt);
}

int fsync(int fd) {
  REAL("fsync", int (*)(int));
  if (must_fail(fd, false)) return -1;
  return real_fn(fd);
}

int fdatasync(int fd) {
  REAL("fdatasync", int (*)(int));
  if (must_fail(fd, false)) return -1;
  return real_fn(fd);
}

ssize_t read(int fd, void* buf, size_t count) {
  if (must_fail(fd, true)) return -1;
  return real_read()(fd, buf, count);
}

ssize_t pread(int fd, void* buf, size_t count, off_t offset) {
  REAL("pread", ssize_t(*)(int, void*, size_t, off_t));
  if (must_fail(fd, true)) return -1;
  return real_fn(fd, buf, count, offset);
}

ssize_t pread64(int fd, void* buf, size_t count, off64_t offset) {
  REAL("pread64", ssize_t(*)(int, void*, size_t, off64_t));
  if (must_fail(fd, true)) return -1;
  return real_fn(fd, buf, count, offset);
}

}  // extern "C"
