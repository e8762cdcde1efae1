// The two glibc symbols that the static libstdc++ (the host g++'s libstdc++.a, built against
// a newer glibc) calls and glibc 2.27 does not export. The linux-x64 prebuild links
// libstdc++ statically against a glibc 2.27 sysroot (scripts/glibc-sysroot.mjs) so that it
// loads on older systems; this file is compiled only into that build
// (scripts/native-sources.cjs), and both symbols are hidden, so they are private to the
// addon and never stand in for the real ones of the process. Everything else libstdc++'s
// headers would call from a newer glibc is switched off in the sysroot's c++config.h.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <sys/random.h>

extern "C" {

// glibc 2.32's flag for "this process has one thread", which lets libstdc++ skip atomic
// instructions in reference counts and static-local guards. 0 ("may have several") is
// always correct: the atomic path is taken, as before 2.32. A Node process has threads.
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;

// glibc 2.36's arc4random, which std::random_device("arc4random") and its default source
// call. getrandom (glibc 2.25) reads the same kernel generator; it blocks only until the
// pool is first seeded at boot, and is retried when a signal interrupts it.
__attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t value = 0;
  unsigned char* bytes = reinterpret_cast<unsigned char*>(&value);
  size_t got = 0;
  while (got < sizeof value) {
    ssize_t n = getrandom(bytes + got, sizeof value - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
    else if (n < 0 && errno != EINTR) break;  // no entropy source at all: a kernel < 3.17
  }
  return value;
}
}
