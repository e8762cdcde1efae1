// The one libgfortran routine that OpenBLAS's LAPACK (Fortran, in Debian's libopenblas.a)
// calls from the routines flint uses: Fortran string concatenation (`'DORMQR' // OPTS`
// ahead of ILAENV). The prebuild links OpenBLAS statically so that users need no system
// libraries; linking all of libgfortran for this would add a runtime dependency (or a
// static copy of the whole Fortran runtime), so this file gives the routine itself. It is
// compiled only into that static build (scripts/native-sources.cjs); the shared build gets
// it from the libgfortran that libopenblas.so loads.
#include <cstddef>
#include <cstring>

extern "C" void _gfortran_concat_string(size_t destlen, char* dest, size_t len1, const char* s1, size_t len2,
                                        const char* s2) {
  // Fortran semantics: the result is s1 then s2, cut at destlen or padded with blanks.
  if (len1 >= destlen) {
    std::memcpy(dest, s1, destlen);
    return;
  }
  std::memcpy(dest, s1, len1);
  dest += len1;
  destlen -= len1;
  if (len2 >= destlen) {
    std::memcpy(dest, s2, destlen);
    return;
  }
  std::memcpy(dest, s2, len2);
  std::memset(dest + len2, ' ', destlen - len2);
}
