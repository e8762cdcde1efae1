// The checks of the Fourier transforms (FftC2cArgs, FftR2cArgs, FftC2rArgs) that their
// declared shapes cannot say: the one-sided half's length, and a signal size to scale by.
#include <string>

#include "checks.h"

namespace flint {

namespace {

void checkSignalSize(const char* op, int64_t size) {
  FLINT_CHECK(size >= 1, std::string(op) + ": the signal size to scale by must be positive, got " + std::to_string(size));
}

}  // namespace

void checkFftC2c(const FftC2cArgs& a) { checkSignalSize("fftC2c", a.size); }

void checkFftR2c(const FftR2cArgs& a) {
  checkSignalSize("fftR2c", a.size);
  const int64_t n = a.input.shape[1], half = a.out.shape[1];
  FLINT_CHECK(half == n / 2 + 1, "fftR2c: the output must hold N / 2 + 1 = " + std::to_string(n / 2 + 1) +
                                     " rows for a signal of " + std::to_string(n) + ", got " + std::to_string(half));
}

void checkFftC2r(const FftC2rArgs& a) {
  checkSignalSize("fftC2r", a.size);
  const int64_t n = a.out.shape[1], given = a.input.shape[1];
  FLINT_CHECK(given >= n / 2 + 1, "fftC2r: a signal of " + std::to_string(n) + " needs N / 2 + 1 = " +
                                      std::to_string(n / 2 + 1) + " input rows, got " + std::to_string(given));
}

}  // namespace flint
