//===- FmaPeak.h - this core's register-only FMA rate -----------*- C++ -*-===//
//
// The floor GEMM rates are measured against: what `albertc bench --ops` and
// kernel_benchmark divide by for "% of peak" (benchmarks/compare/fma_peak.c
// measures the same loop on its own).
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_TOOLS_FMAPEAK_H
#define ALBERTC_TOOLS_FMAPEAK_H

namespace albertc {

/// One thread's rate of register-only float32 FMAs, in GFLOP/s, with the
/// CPU's widest vectors up to `maxVectorBits` (512: AVX-512, else 256: AVX2
/// + FMA; a library's kernels use no wider ones than their target's): 16
/// independent accumulators, the best of 3 runs of ~0.1 s of this thread's
/// CPU time (so that other processes sharing the core do not lower it; a
/// second vCPU of the same physical core still does). 0 where the CPU
/// has neither, or `maxVectorBits` < 256. `usedBits`, if given, is set to the
/// width measured (512, 256 or 0).
double measureFmaPeakPerThread(int maxVectorBits = 512, int *usedBits = nullptr);

} // namespace albertc

#endif // ALBERTC_TOOLS_FMAPEAK_H
