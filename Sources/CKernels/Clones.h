// What every vectorised kernel here shares: one clone of a function per instruction set (AVX-512, AVX2, baseline),
// chosen by the loader for the CPU it runs on, and no contraction into fused multiply-adds, so that every clone
// computes the same IEEE operations and gives the same bits.
#ifndef SSM_CLONES_H
#define SSM_CLONES_H

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

#endif
