// GEMM ceiling probe: what this machine's cores give for albertc's CPU GEMM tile, written by hand
// with AVX-512 intrinsics, as a function of where the weight panel comes from. It answers "is it
// Halide's code or the memory system?" for codegen/Matmul.cpp's schedule: the same 8 x 48 register
// tile (24 zmm accumulators, per k: 3 vector loads of the packed weight panel, 8 broadcasts of the
// input rows, 24 FMAs), the same packed layout ([N / 48][K][48]) and the same loop order (weight
// panel outside, 8-row tiles inside). One thread.
//   cc -O3 -march=native gemm_probe.c -o gemm_probe && ./gemm_probe M N K
// Other tile shapes: -DMR=rows -DNV=vectors (columns 16 x NV; MR x NV accumulators, at most ~28 of
// the 32 zmm registers), e.g. -DMR=6 -DNV=4 for 6 x 64.
// Prints GFLOP/s (best of several repetitions) for:
//   l1      K = 128 slice of one panel, reused: weights in L1 (the FMA ceiling of the tile)
//   l2      one panel reused for every panel: weights in L2
//   stream  every panel once: weights streamed from L3 (or DRAM), as in a real layer
//   stream+prefetch  as stream, each tile also prefetching (prefetcht1) its share of the next
//           panel, as prefetchNextPanel does
// Weights live on 2 MiB pages (madvise), as the runtime's weights copy does.
// -DEVICT=MB: before each repetition, read an MB-megabyte buffer EVR times (default 1): with
// -DEVICT=28 -DEVR=12 (a layer's 28 MB read by 12 applications) the weights come from where a
// kernel after the encoder finds them (on the AMX Xeon: DRAM, not L3).
// -DPF_RESIDENT: in the l2 mode each tile also prefetches its share of the panel it reads (lines
// already in L2): what prefetching resident lines costs.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#ifndef MR
#define MR 8
#endif
#ifndef NV
#define NV 3
#endif
enum { NR = 16 * NV };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// C[MR][ldc] = A[MR][lda] x panel[K][NR]; when pf != NULL, every `pfEvery` k steps one row (NV
// lines) of the next panel at pf is prefetched into L2.
static void tile(const float *A, int lda, const float *panel, float *C, int ldc, int K,
                 const float *pf, int pfEvery) {
  __m512 c[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) c[i][j] = _mm512_setzero_ps();
  for (int k = 0; k < K; ++k) {
    if (pf && k % pfEvery == 0) {
      const char *q = (const char *)(pf + (k / pfEvery) * NR);
      for (int j = 0; j < NV; ++j) _mm_prefetch(q + 64 * j, _MM_HINT_T1);
    }
    __m512 b[NV];
    for (int j = 0; j < NV; ++j) b[j] = _mm512_loadu_ps(panel + k * NR + 16 * j);
    for (int i = 0; i < MR; ++i) {
      __m512 a = _mm512_set1_ps(A[i * lda + k]);
      for (int j = 0; j < NV; ++j) c[i][j] = _mm512_fmadd_ps(a, b[j], c[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) _mm512_storeu_ps(C + i * ldc + 16 * j, c[i][j]);
}

enum Mode { L1, L2, STREAM, STREAM_PREFETCH };

static double gflops(enum Mode mode, int M, int N, int K, const float *A, const float *W,
                     float *C, int reps) {
  const int kk = mode == L1 ? 128 : K, tiles = M / MR, panels = N / NR;
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
#ifdef EVICT
#ifndef EVR
#define EVR 1
#endif
    {
      static float *E;
      static const size_t n = ((size_t)EVICT + 1) / 2 * 2 << 18; // floats, whole 2 MiB
      if (!E) { // written once: never-touched pages all read the one zero page
        if (!(E = aligned_alloc(2u << 20, n * 4))) abort();
        for (size_t i = 0; i < n; ++i) E[i] = 1.0f;
      }
      __m512 s = _mm512_setzero_ps();
      for (int e = 0; e < EVR; ++e)
        for (size_t i = 0; i < n; i += 16) s = _mm512_add_ps(s, _mm512_load_ps(E + i));
      if (_mm512_reduce_add_ps(s) == 42.0f) puts(""); // keeps the reads
    }
#endif
    double t = now();
    for (int p = 0; p < panels; ++p)
      for (int m = 0; m < M; m += MR) {
        const float *panel = mode <= L2 ? W : W + (size_t)p * K * NR;
        const float *pf = NULL;
#ifdef PF_RESIDENT
        if (mode == L2) pf = W + (size_t)(m / MR) * (K / tiles) * NR;
#endif
        if (mode == STREAM_PREFETCH && p + 1 < panels)
          pf = W + ((size_t)(p + 1) * K + (size_t)(m / MR) * (K / tiles)) * NR;
        tile(A + (size_t)m * K, K, panel, C + (size_t)m * N + p * NR, N, kk, pf, tiles);
      }
    t = now() - t;
    if (t < best) best = t;
  }
  return 2.0 * M * N * kk / best * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s M N K (M a multiple of %d, N of %d, K >= 128)\n", argv[0], MR, NR);
    return 2;
  }
  int M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]);
  if (M <= 0 || N <= 0 || K < 128 || M % MR || N % NR) {
    fprintf(stderr, "M must be a multiple of %d, N of %d, K >= 128\n", MR, NR);
    return 2;
  }
  size_t wBytes = ((size_t)N * K * 4 + (2u << 20) - 1) / (2u << 20) * (2u << 20);
  float *A = aligned_alloc(64, (size_t)M * K * 4), *C = aligned_alloc(64, (size_t)M * N * 4);
  float *W = aligned_alloc(2u << 20, wBytes);
  if (!A || !C || !W) return 1;
  madvise(W, wBytes, MADV_HUGEPAGE);
  for (size_t i = 0; i < (size_t)M * K; ++i) A[i] = (float)(i % 7) * 0.1f;
  for (size_t i = 0; i < (size_t)N * K; ++i) W[i] = (float)(i % 5) * 0.1f;
  const char *names[] = {"l1", "l2", "stream", "stream+prefetch"};
  int reps = (int)(2e9 / (2.0 * M * N * K)) + 5;
  printf("%d x %d tile, M=%d N=%d K=%d, 1 thread, GFLOP/s (best of %d):", MR, NR, M, N, K, reps);
  for (int mode = L1; mode <= STREAM_PREFETCH; ++mode)
    printf(" %s %.1f%s", names[mode], gflops(mode, M, N, K, A, W, C, reps),
           mode == STREAM_PREFETCH ? "\n" : ",");
  double sum = 0; // keeps the stores live
  for (size_t i = 0; i < (size_t)M * N; ++i) sum += C[i];
  fprintf(stderr, "checksum %g\n", sum);
  return 0;
}
