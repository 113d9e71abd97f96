// The OpenBLAS kernel set for this CPU, from the instruction sets it (and the OS) support.
//
// OpenBLAS's own detection matches vendor/family/model against a table that ages: the Debian 0.3.21 build falls back
// to its SSE3 "Prescott" kernels on Intel server CPUs newer than it (a 3-4x slower sgemm). Features do not age: a
// CPU with AVX-512 runs the AVX-512 kernels whatever its model number.
#include "BLASRuntime.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

const char *ssm_cpu_kernel_choice(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return "";
    unsigned int maxLeaf = a;
    int amd = (b == 0x68747541); // "Auth"enticAMD
    __get_cpuid(1, &a, &b, &c, &d);
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return "";
    unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return ""; // the OS does not save YMM state
    unsigned int b7 = 0, a71 = 0;
    if (maxLeaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d); b7 = b;
        unsigned int sub = a;
        if (sub >= 1) { __cpuid_count(7, 1, a, b, c, d); a71 = a; }
    }
    int avx2 = (b7 >> 5) & 1;
    unsigned int avx512Mask = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31); // F DQ CD BW VL
    int avx512 = (b7 & avx512Mask) == avx512Mask && (xcr0 & 0xE6) == 0xE6;
    int bf16 = (a71 >> 5) & 1;
    if (avx512 && bf16) return "Cooperlake";
    if (avx512) return "SkylakeX";
    if (avx2 && fma) return amd ? "Zen" : "Haswell";
    return "Sandybridge";
}

static char brand[49];
const char *ssm_cpu_model(void) {
    unsigned int r[12];
    if (brand[0]) return brand;
    if (!__get_cpuid(0x80000000, &r[0], &r[1], &r[2], &r[3]) || r[0] < 0x80000004) return "";
    for (unsigned int i = 0; i < 3; i++) __get_cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
    memcpy(brand, r, 48); brand[48] = 0;
    char *s = brand; while (*s == ' ') s++;
    size_t n = strlen(s); while (n > 0 && s[n - 1] == ' ') s[--n] = 0;
    memmove(brand, s, n + 1);
    return brand;
}

static void familyModel(int *family, int *model) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) { *family = 0; *model = 0; return; }
    int base = (a >> 8) & 0xF, ext = (a >> 20) & 0xFF, m = (a >> 4) & 0xF, em = (a >> 16) & 0xF;
    *family = base == 0xF ? base + ext : base;
    *model = (base == 0x6 || base == 0xF) ? (em << 4) + m : m;
}
int ssm_cpu_family(void) { int f, m; familyModel(&f, &m); return f; }
int ssm_cpu_model_number(void) { int f, m; familyModel(&f, &m); return m; }

#else
const char *ssm_cpu_kernel_choice(void) { return ""; }
const char *ssm_cpu_model(void) { return ""; }
int ssm_cpu_family(void) { return 0; }
int ssm_cpu_model_number(void) { return 0; }
#endif

const char *ssm_blas_core_for_cpu(void) { return ssm_cpu_kernel_choice(); }
