/* An LD_AUDIT module for test_cuda_unavailable: makes the dynamic loader behave as if the CUDA
 * toolkit's nvrtc (libnvrtc.so*) were not installed, without root and without touching the
 * system. la_objsearch sees every path the loader is about to try for a library, including a
 * full path dlopen was given (the plugin's fallback to the toolkit's own copy); refusing each one
 * whose file name starts with libnvrtc.so makes every attempt fail as on a machine without it.
 * Every other library loads as usual. */
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
  (void)flag;
  const char* base = strrchr(name, '/');
  base = base ? base + 1 : name;
  if (strncmp(base, "libnvrtc.so", 11) == 0) return NULL;
  return (char*)name;
}
