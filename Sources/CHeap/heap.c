#include "CHeap.h"
#include <stdlib.h> // defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// A training step frees and reallocates the same multi-megabyte buffers every iteration. With glibc's
// defaults each is a fresh mmap whose first-touch page faults cost more than the arithmetic on it, so
// raise the mmap threshold to glibc's maximum and the trim threshold well above a step's working set.
void ssm_keep_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}
