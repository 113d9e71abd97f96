#include <stddef.h>

/// Runs libFuzzer's driver on `test`. SwiftPM renames an executable's entry point (to MODULE_main) on Linux, which
/// hides libFuzzer's own main; each target's entry point calls this instead.
int ssm_run_fuzzer(int argc, char **argv, int (*test)(const unsigned char *data, size_t size));
