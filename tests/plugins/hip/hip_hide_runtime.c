/* An LD_AUDIT module for test_hip_unavailable: makes the dynamic loader behave as if the ROCm
 * runtime (libamdhip64.so*) were not installed, without root and without touching the system.
 * la_objsearch sees every path the loader is about to try for a library; refusing each
 * candidate file of libamdhip64 (but not the name asked for) makes the search end exactly as on a
 * machine without the file: "libamdhip64.so.5: cannot open shared object file: No such file or
 * directory". Every other library loads as usual. */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <string.h>

unsigned int la_version(unsigned int version) {
  (void)version;
  return LAV_CURRENT;
}

char* la_objsearch(const char* name, uintptr_t* cookie, unsigned int flag) {
  (void)cookie;
  const char* base = strrchr(name, '/');
  base = base ? base + 1 : name;
  if (flag != LA_SER_ORIG && strncmp(base, "libamdhip64.so", 14) == 0) return NULL;
  return (char*)name;
}
