#ifndef CHEAP_H
#define CHEAP_H
/// Keeps large freed blocks in the process heap (glibc mallopt); a no-op elsewhere.
void ssm_keep_freed_memory(void);
#endif
