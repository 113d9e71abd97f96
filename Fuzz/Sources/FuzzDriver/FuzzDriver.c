#include "FuzzDriver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const unsigned char *data, size_t size));

int ssm_run_fuzzer(int argc, char **argv, int (*test)(const unsigned char *data, size_t size)) {
    return LLVMFuzzerRunDriver(&argc, &argv, test);
}
