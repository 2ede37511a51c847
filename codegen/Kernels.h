//===- Kernels.h - Halide algorithms and schedules per kernel op -*- C++ -*-===//
//
// Every activation is a Func over (c, r): channel c innermost, row r. A row is
// a token (b * seq + s) for [batch, seq, C] values and a sequence for
// [batch, C] values. The runtime allocates activations with their row count
// rounded up to a multiple of kRowBlock (and a chunked loop's views of them
// round up the same way, Plan.cpp), so row tiles never need a tail; rows past
// the real ones hold finite filler (a chunked library's arena starts zeroed)
// that nothing reads back.
//
// Each builder defines "the algorithm", then "the schedule" for the target.
// Intermediate results are compute_root; the pipeline's output is scheduled
// the same way, with its buffer constraints set by the caller.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_CODEGEN_KERNELS_H
#define ALBERTC_CODEGEN_KERNELS_H

#include <Halide.h>

#include <string>
#include <vector>

namespace albertc {
namespace codegen {

/// Activation row counts are padded to a multiple of this: the rows of an
/// elementwise kernel's tile and of an AVX-512 GEMM tile (gemmTileRows).
constexpr int kRowBlock = 8;

/// CPU: a kernel whose output rows are at least this wide and a multiple of
/// 8 floats (32-byte half lines) stores them non-temporally. Of ALBERT's
/// kernel outputs only the MLM logits (V x 4 bytes per row) are: the caller
/// reads them, no kernel does, and at 15 MB (ALBERT-base, 1 x 128) they would
/// cost a read for ownership per line and evict the shared layer's weights
/// from L3. ALBERT-base, 1 x 128, 2 threads (--target host-profile, 6
/// alternating runs each): the MLM head 6.5-7.1 -> 5.1-6.5 ms per run. At
/// V = 21128 (rows 8 floats past whole lines; H 312, 1 x 128, 1 thread, 3
/// alternating runs): 8.4-8.6 -> 7.4-7.9 ms.
constexpr int kStreamedRowBytes = 64 * 1024;

/// Few-rows variants (KernelEnv::fewRows): up to kFewRowsGpu or kFewRowsCpu
/// token rows (batch x seq) the library calls a second pipeline of a kernel
/// whose schedule differs for so few rows (Plan.cpp writes the choice into
/// the generated C).
///
/// GPU, up to 64 rows: split-K GEMMs make kFewRowsSplitScale times the
/// partial sums, about 48 k each, so that one short sequence, a few row
/// tiles, still makes enough blocks to fill the GPU. Measured on an H100,
/// ALBERT-base whole model (docs/performance.md, "GPU"): 1 x 32 1.70 ->
/// 1.13 ms, 1 x 64 1.79 -> 1.48 ms; at 1 x 128 48 or 96 k per split were
/// 10-13% slower than 192.
constexpr int kFewRowsGpu = 64;
/// The GPU few-rows variant's partial sums, in multiples of splitK's.
constexpr int kFewRowsSplitScale = 4;
/// CPU, up to 128 rows: GEMMs whose whole-K weight panels are over half of
/// L2 are K-blocked (Matmul.cpp, cpuKBlock). Measured on a Cascade Lake
/// (1 MiB L2), ALBERT-base's FFN output (K = 3072) over the FFN's time in the
/// same profiled runs (albertc bench --ops, 2 threads, libraries alternating;
/// docs/performance.md, "Few-rows CPU pipelines"), K whole against blocked
/// (each block prefetching the one its loops read next, nextBlockedSpan):
/// 1 x 64 1.10-1.18 -> 1.04-1.10, 1 x 128 1.05-1.22 -> 1.02-1.06 (1 thread
/// 1.00-1.15 -> 0.97-1.06), but 2 x 128 0.94-1.08 -> 1.05-1.11 and 8 x 128
/// 0.98-1.07 -> 1.06-1.10. At 1 x 32 the variant gives 1.03-1.15.
constexpr int kFewRowsCpu = 128;

/// Shape-independent inputs every pipeline gets.
struct KernelEnv {
  Halide::Target target;
  /// Which schedule each builder writes: the GPU one (blocks and threads,
  /// for a CUDA target) or the CPU one. The GPU schedule can also run on the
  /// host (gpuScheduleOnHost: blocks become parallel loops, threads serial
  /// ones) so that its tiling, tails and staging are checked numerically on
  /// machines without a GPU.
  bool gpu = false;
  /// CPU GEMMs prefetch their next weight panel (Matmul.cpp,
  /// prefetchNextPanel). Only for pipelines compiled to objects, whose
  /// prefetch hints the object writer rewrites.
  bool prefetchWeights = false;
  /// The longest sequence the pipeline runs (the model's
  /// max_position_embeddings): bounds what a GPU schedule keeps in shared
  /// memory per block.
  int maxSeq = 512;
  /// The few-rows variant of a pipeline (kFewRowsGpu, kFewRowsCpu): GPU
  /// split-K GEMMs make kFewRowsSplitScale times splitK's partial sums, CPU
  /// GEMMs block K where a weight panel is over half of L2 (cpuKBlock).
  bool fewRows = false;
  /// Set by the builders: how many ops schedule differently when fewRows is
  /// set (when none does, a few-rows variant would be the same pipeline).
  int fewRowsChanges = 0;
  Halide::Param<int32_t> batch{"batch"};
  Halide::Param<int32_t> seq{"seq"};
  Halide::Var c{"c"}, r{"r"};
};

/// How a matmul weight [N, K] is stored for the GEMM: panels of `panel`
/// output columns, [ceil(N / panel)][K][panel], zero padded; the bias is
/// zero padded to paddedN().
struct MatmulLayout {
  int n = 0, k = 0, panel = 16;
  int paddedN() const { return (n + panel - 1) / panel * panel; }
  static MatmulLayout choose(int n, int k, const Halide::Target &t, bool gpu);
};

/// y = act(x W^T + b). `w` is the packed weight (dims panel, K, N/panel), `b`
/// the padded bias. When `residualLn` is set the epilogue is instead
/// LayerNorm(x W^T + b + residual) with `gamma`, `beta` and `eps`.
struct MatmulEpilogue {
  std::string activation = "none";
  bool residualLn = false;
  Halide::Func residual;
  Halide::Func gamma, beta;
  float eps = 1e-12f;
};
struct MatmulResult {
  Halide::Func out;
  /// Only set when `fuseInput`: the row loop where the caller computes the
  /// input (and what the input needs): a GEMM tile's gemmTileRows rows, or a
  /// LayerNorm epilogue's row block.
  Halide::LoopLevel rowBlock;
};
/// K per block of a CPU GEMM's reduction (matmul), or K when it is not
/// blocked. Up to K = 3072 a row block's inputs and one weight panel
/// (K x 48) mostly share L2 (2 MiB per core on the AMX Xeon this was
/// measured on), and blocking did not pay: ALBERT-base with its K = 3072
/// blocked (by 768) ran 8 x 128 in 670-677 ms against 628-682, 1 x 128 and
/// 1 x 32 within noise (2 threads, alternating albertc bench). Longer K is
/// cut into blocks of the largest divisor of K up to 768 that is a multiple
/// of 16 (at least 256; K with none stays whole): blocks of 512 to 2048 gave the same 128-131 GFLOP/s on
/// ALBERT-xlarge's 128 x 2048 x 8192 + LayerNorm, against 97-102 unblocked
/// (kernel_benchmark, 1 thread).
/// A few-rows variant blocks K = 3072 too, where its panels are wide
/// (Matmul.cpp, cpuKBlock).
int kBlock(int K);
/// `isOutput`: this is the pipeline's output (exact bounds, no round-up).
MatmulResult matmul(KernelEnv &env, Halide::Func x, const MatmulLayout &layout,
                    Halide::Func w, Halide::Func b, const MatmulEpilogue &epi,
                    const std::string &name, bool isOutput, bool fuseInput = false);

/// softmax(q k^T / sqrt(d) + mask) v per head on a [rows, 3H] qkv; mask
/// (s, b) is the int32 attention mask; result [rows, H].
Halide::Func attention(KernelEnv &env, Halide::Func qkv, Halide::Func mask, int hidden,
                       int heads, const std::string &name, bool isOutput);

/// LayerNorm(x (+ residual)) over `channels`; `residual` may be undefined.
Halide::Func layerNorm(KernelEnv &env, Halide::Func x, Halide::Func residual,
                       Halide::Func gamma, Halide::Func beta, int channels, float eps,
                       const std::string &name, bool isOutput);

/// act(x), elementwise.
Halide::Func activation(KernelEnv &env, Halide::Func x, int channels,
                        const std::string &kind, const std::string &name, bool isOutput);

/// x[:, 0]: the first token of each sequence, one row per sequence.
Halide::Func gatherCls(KernelEnv &env, Halide::Func x, const std::string &name);

/// LayerNorm_E(word[ids] + position[s] + token_type[tt]) per token row;
/// `ids`, `tt` are (s, b) int32, tables are (e, row). Ids are clamped into
/// the tables (the runtime rejects bad ids before any kernel runs).
struct EmbeddingRows {
  Halide::Func sum, mean, var, out;
  /// Computes every stage at `level` (fused into a consumer's row block).
  void computeAt(const Halide::LoopLevel &level, const KernelEnv &env);
  /// Schedules `out` as a per-row kernel of its own (row blocks, vectorized
  /// channels), its other stages per row block.
  void scheduleRows(const KernelEnv &env, int embed, bool isOutput);
};
EmbeddingRows embeddingRows(KernelEnv &env, Halide::Func ids, Halide::Func tt,
                            Halide::Func word, Halide::Func pos, Halide::Func type,
                            Halide::Func gamma, Halide::Func beta, int vocab, int positions,
                            int types, int embed, float eps, const std::string &name);

/// Below this many multiply-adds a stage runs on the calling thread: waking
/// the thread pool costs more than it saves. Measured on the dev machine, a
/// 4-layer H 64 model at 1 x 16: 0.071 ms on 1 thread; on 2 threads 0.135 ms
/// always parallel, 0.105 ms with a 2^18 cut-off, 0.070 ms with 2^20.
constexpr int64_t kSerialWork = int64_t(1) << 20;
/// What one element of a memory-bound per-row pass (a LayerNorm's output, the
/// attention's copy back to token rows) counts as against kSerialWork, in
/// multiply-adds: such passes go parallel from 2^14 elements (ALBERT-base: 22
/// token rows). With 8 (the LayerNorms serial below 171 rows), ALBERT-base on
/// 2 threads spent 0.5 ms (1 x 32) and 2.4 ms (1 x 128) of a run outside
/// parallel loops, with 64 0.1 and 0.2 ms (benchmarks/compare/loop_trace.c);
/// whole runs, alternating: 1 x 32 33.0 -> 32.2 ms, 1 x 128 131.6 -> 128.8 ms
/// (medians of 8 and 6 rounds, within this machine's noise).
constexpr int kElementWork = 64;

/// Makes `v` of `f` parallel, except in a specialization for `work` <
/// kSerialWork, which keeps the schedule so far, serial. Call it after the
/// splits and vectorization the two versions share.
void parallelUnlessSmall(Halide::Func f, const Halide::VarOrRVar &v, Halide::Expr work);

/// Token rows (batch * seq) as a 64-bit Expr, for work estimates.
Halide::Expr tokenRows(const KernelEnv &env);

/// Vector width in float32 lanes for the target (16 with AVX-512, 8 with AVX2).
int vectorWidth(const Halide::Target &t);

/// CPU: rows of a GEMM register tile (a divisor of kRowBlock). 8 with
/// AVX-512's 32 vector registers (8 x 3 zmm accumulators); 4 with AVX2's 16
/// (4 x 3 ymm accumulators, 3 weight vectors and a broadcast: 8-row tiles
/// spilled their 24 accumulators to the stack).
int gemmTileRows(const Halide::Target &t);

/// GPU loops: on a GPU target, gpu_blocks / gpu_threads over `vars`
/// (innermost first, at most 3); with the GPU schedule on the host, blocks
/// become parallel loops and threads stay serial loops.
void gpuBlocks(const KernelEnv &env, Halide::Stage s, const std::vector<Halide::VarOrRVar> &vars);
void gpuThreads(const KernelEnv &env, Halide::Stage s, const std::vector<Halide::VarOrRVar> &vars);

/// The GPU schedule of a per-row kernel `out(c, r)` whose row statistics
/// `stats` (reductions over the `channels` of one row, e.g. LayerNorm's mean
/// and variance) are computed once per row block: 4 rows per block, 128
/// threads along the channels of each row.
/// Returns the row-block loop level.
Halide::LoopLevel scheduleRowsGpu(const KernelEnv &env, Halide::Func out,
                                  const std::vector<Halide::Func> &stats, int channels,
                                  bool isOutput);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_KERNELS_H
