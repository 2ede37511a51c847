//===- Matmul.cpp - the GEMM kernel and its epilogues ---------------------===//
//
// y[r, n] = epilogue(sum_k x[r, k] W[n, k] + b[n]) with W pre-packed at
// compile time into panels [N / P][K][P] so each k step reads P contiguous
// floats.
//
//===----------------------------------------------------------------------===//

#include "codegen/Kernels.h"
#include "codegen/Math.h"

using namespace Halide;

namespace albertc {
namespace codegen {

void parallelUnlessSmall(Func f, const VarOrRVar &v, Expr work) {
  f.specialize(work < Expr(kSerialWork));
  f.parallel(v);
}

Expr tokenRows(const KernelEnv &env) {
  return cast<int64_t>(env.batch) * cast<int64_t>(env.seq);
}

int vectorWidth(const Target &t) {
  return t.has_feature(Target::AVX512) || t.has_feature(Target::AVX512_Skylake) ? 16 : 8;
}

int gemmTileRows(const Target &t) { return vectorWidth(t) == 16 ? kRowBlock : kRowBlock / 2; }

void gpuBlocks(const KernelEnv &env, Stage s, const std::vector<VarOrRVar> &v) {
  if (!env.target.has_gpu_feature()) {
    for (const VarOrRVar &x : v) s.parallel(x);
    return;
  }
  if (v.size() == 1) s.gpu_blocks(v[0]);
  else if (v.size() == 2) s.gpu_blocks(v[0], v[1]);
  else s.gpu_blocks(v[0], v[1], v[2]);
}

void gpuThreads(const KernelEnv &env, Stage s, const std::vector<VarOrRVar> &v) {
  if (!env.target.has_gpu_feature()) return;
  if (v.size() == 1) s.gpu_threads(v[0]);
  else if (v.size() == 2) s.gpu_threads(v[0], v[1]);
  else s.gpu_threads(v[0], v[1], v[2]);
}

MatmulLayout MatmulLayout::choose(int n, int k, const Target &t, bool gpu) {
  if (gpu) {
    // 64-column panels, one per GPU block column (scheduleGemmTiles): a
    // warp's float4 loads of one k row of a panel are contiguous.
    MatmulLayout l;
    l.n = n;
    l.k = k;
    l.panel = 64;
    return l;
  }
  // Panel widths from ../shared/notes/halide-cpu.md: 3 vectors x 8 rows = 24
  // accumulators fit the 32 AVX-512 registers with room for the loads. N is
  // padded to whole panels (weights and bias with zero columns), and the
  // panel is the one with the least padded work times its width's time per
  // column, relative to 3 vectors: 2 vectors 1.04, 1 vector 1.5. Measured
  // on the dev machine (AVX-512): ALBERT-large, N = 1024 in 22 panels of 48
  // (padded to 1056) against 32 of 32, 1 x 128, 2 threads: 291.0 against
  // 297.5 ms (alternating albertc bench), so 2 vectors cost more than the
  // 3% padding per column; H 312, N = 312, 1 x 128, 1 thread, 3 alternating
  // profiled runs, FFN-out + LayerNorm per layer: 0.59-0.65 ms in 2-vector
  // panels (padded to 320), 0.66-0.72 in 3 (336), 0.89-0.99 in 1 (320: 8
  // accumulators, 9 loads per 8 FMAs). The AVX2 tiles (4 rows) have the
  // same table, not measured there.
  const int v = vectorWidth(t);
  MatmulLayout l;
  l.n = n;
  l.k = k;
  int64_t best = 0;
  const std::pair<int, int> panels[] = {{3 * v, 25}, {2 * v, 26}, {v, 38}}; // width, time x 25
  for (auto [p, time] : panels) {
    const int64_t cost = int64_t((n + p - 1) / p * p) * time;
    if (best == 0 || cost < best) {
      best = cost;
      l.panel = p;
    }
  }
  return l;
}

namespace {
/// The largest divisor of K up to 768 that is a multiple of 16 and at least
/// 256, or K.
int blockOf(int K) {
  for (int kc = 768; kc >= 256; kc -= 16)
    if (K % kc == 0) return kc;
  return K;
}
} // namespace

int kBlock(int K) { return K <= 3072 ? K : blockOf(K); }

namespace {
/// The register-tiled GPU GEMM of `acc` (or of the rfactor'ed partial sums
/// `acc` of a split-K GEMM) computed per thread in `tile`, whose (c, r[, z])
/// loops this splits: a thread owns kTc = 4 columns x kTr = 4 rows, its 16
/// accumulators in registers for its whole K range. Per 4 steps of k it loads
/// 4 x 4 input values (one float4 per row, staged in registers) and 4 float4s
/// of the packed weight (a panel row is contiguous in c: a warp's loads are
/// coalesced), for 64 FMAs; no shared memory. Blocks are 16 x 4 threads = 64
/// columns x 16 rows.
/// Rows: whole 4-row tiles (row counts are multiples of 8; an intermediate
/// rounds up into the padding rows), the thread tiles past the tensor
/// skipped. Columns: with `exactN` (an output, or a sum that adds an
/// unpadded residual) the tiles guard the last columns (or shift inwards
/// when N is a multiple of 4); otherwise they compute the padded columns
/// (weights and bias are padded to whole 64-column panels).
/// On an H200 these tiles reach 25-29 TFLOP/s per GEMM at 32 x 128 with
/// split-K; 4 x 8 and 8 x 4 tiles were slower at every shape
/// (docs/performance.md, "GPU").
/// `ko` and `ki` are acc's reduction split by the caller into steps of k
/// (ki, unrolled): of 4, when `step4` (x is then staged per step, a float4
/// per row), else of 1 (K not a multiple of 4).
void scheduleGemmTiles(const KernelEnv &env, Func x, Func tile, Func acc, RVar ko, RVar ki,
                       bool step4, int n, bool exactN,
                       const std::vector<VarOrRVar> &extraBlocks) {
  const int kTc = 4, kTr = 4, kBc = 16, kBr = 4;
  Var c = env.c, r = env.r;
  Var cb("cb"), ci("ci"), ct("ct"), cv("cv"), rb("rb"), ri("ri"), rt("rt"), rv("rv");
  TailStrategy colTail = n % kTc == 0 && n >= kTc ? TailStrategy::ShiftInwards
                         : exactN                  ? TailStrategy::GuardWithIf
                                                   : TailStrategy::RoundUp;
  tile.split(c, ci, cv, kTc, colTail)
      .split(ci, cb, ct, kBc, TailStrategy::GuardWithIf)
      .split(r, ri, rv, kTr, exactN ? TailStrategy::ShiftInwards : TailStrategy::RoundUp)
      .split(ri, rb, rt, kBr, TailStrategy::GuardWithIf)
      .reorder(cv, rv, ct, rt, cb, rb)
      .vectorize(cv)
      .unroll(rv);
  std::vector<VarOrRVar> blocks{cb, rb};
  blocks.insert(blocks.end(), extraBlocks.begin(), extraBlocks.end());
  gpuBlocks(env, tile, blocks);
  gpuThreads(env, tile, {ct, rt});
  acc.compute_at(tile, ct).bound_extent(c, kTc).vectorize(c).unroll(r);
  acc.update()
      .reorder(c, r, ki, ko)
      .vectorize(c)
      .unroll(r)
      .unroll(ki);
  if (step4) {
    Func xin = x.in(acc);
    xin.compute_at(acc, ko).vectorize(xin.args()[0]).unroll(xin.args()[1]);
  }
}

/// Partial sums per split of K: about 192 k each (K = 768: 4 splits, 3072:
/// 16), so that one sequence (M = 128) still fills the GPU: its
/// 128 x 768 x 3072 GEMM makes 12 x 8 x 16 blocks instead of 96. Without the
/// split a thread's serial K loop waits on L2 latency with about one warp per
/// SM (on an H200, ALBERT-base 1 x 128: 7.96 ms without, 2.05 ms with).
/// Fewer k per split helps one short sequence (the few-rows pipelines take 4
/// times the splits, kFewRowsGpu); more k costs every shape: on an H100 one
/// split at 8 x 128 and 32 x 128 took 16.3 and 44.9 ms against 9.8 and 37.7
/// (a thread's serial K loop is latency-bound; more splits keep more warps
/// in flight) (docs/performance.md, "GPU").
int splitK(int k) {
  int s = 1;
  while (k % (8 * s) == 0 && k / (2 * s) >= 192) s *= 2;
  return s;
}

/// splitK's split count times `scale`, as far as each split's k range stays
/// a whole number of 4-k steps.
int splitCount(int k, int scale) {
  const int base = splitK(k);
  while (scale > 1 && k % (4 * base * scale) != 0) scale /= 2;
  return base * scale;
}

/// The split-K GPU schedule of `acc` (bias + sum over k): the partial sums
/// over S splits of K are a kernel of their own (register tiles, the splits
/// a third block dimension); `acc` sums them per element at `sumLevel`, in
/// its consumer's kernel.
void schedulePartialSums(KernelEnv &env, Func x, Func acc, RDom k, const MatmulLayout &layout,
                         const LoopLevel &sumLevel) {
  // acc(c, r) = b(c) + sum_z part(c, r, z); part(c, r, z) sums its K / S.
  // K is split into steps of 4 first (float4 loads of x), then into S runs
  // of steps.
  RVar kq("kq"), k4("k4"), kz("kz"), kk("kk");
  Var z("z");
  const int S = splitCount(layout.k, env.fewRows ? kFewRowsSplitScale : 1);
  if (splitCount(layout.k, kFewRowsSplitScale) > splitK(layout.k)) ++env.fewRowsChanges;
  Func part = acc.update()
                  .split(k.x, kq, k4, 4)
                  .split(kq, kz, kk, (layout.k / 4) / S)
                  .rfactor(kz, z);
  Func partTile = part.in();
  partTile.compute_root();
  scheduleGemmTiles(env, x, partTile, part, kk, k4, /*step4=*/true, layout.n,
                    /*exactN=*/false, {z});
  // The sum over the partials, 4 at a time: 4 loads in flight.
  RVar zo("zo"), zi("zi");
  acc.compute_at(sumLevel);
  acc.update().split(kz, zo, zi, 4, TailStrategy::GuardWithIf).unroll(zi);
}

/// One core's L2: 1 MiB on Zen 4 and Cascade Lake Xeons (AMX Xeons: 2 MiB).
constexpr int64_t kL2Bytes = int64_t(1) << 20;

/// The most row tiles a CPU GEMM's row block runs over one weight panel:
/// blocks of up to 512 rows (matmul's blockRows), tiles of 8 rows (AVX-512)
/// or 4 (AVX2: gemmTileRows). A larger block would spread its prefetch over
/// 128 tiles and repeat it past them, as a block of 12 tiles does past 8.
constexpr int kMaxBlockRows = 512;
constexpr int kMaxBlockTiles = kMaxBlockRows / (kRowBlock / 2);

/// Whether `rows` rows of a weight panel are over half of L2: two of them
/// (the one read and the one prefetched) would not fit.
bool overHalfL2(const MatmulLayout &layout, int rows) {
  return int64_t(rows) * layout.panel * 4 > kL2Bytes / 2;
}

/// Whether a CPU GEMM prefetches its next weight panel (prefetchNextPanel):
/// only weights too large to stay in L2 (kL2Bytes) from one use to the
/// next. The tiny model's (<= 128 KiB) stay there, and prefetching them made
/// its 1 x 16 run 0.068 -> 0.108 ms.
bool prefetchesWeights(const KernelEnv &env, const MatmulLayout &layout) {
  return env.prefetchWeights && int64_t(layout.paddedN()) * layout.k * 4 > kL2Bytes;
}

/// K per block of a CPU GEMM: kBlock's, and in a few-rows variant
/// (KernelEnv::fewRows) also blocked where a whole-K panel is over half of
/// L2 (ALBERT-base's FFN output with AVX-512: 3072 x 48 floats, 576 KiB),
/// so that its blocks' panels are prefetched (prefetchNextPanel). With
/// 32 rows, 4 tiles per panel, the first tile of an unprefetched panel
/// waits on L3 for a quarter of the work; from 256 rows on blocking costs
/// more (passes over the root accumulator and x's block slices) than it
/// saves (kFewRowsCpu).
int cpuKBlock(const KernelEnv &env, const MatmulLayout &layout, bool fewRows) {
  const int kc = kBlock(layout.k);
  if (kc < layout.k || !fewRows || !overHalfL2(layout, layout.k) ||
      !prefetchesWeights(env, layout))
    return kc;
  return blockOf(layout.k);
}

/// Weight panels per parallel task of a K-blocked CPU GEMM, whose task runs
/// its K blocks outside its panels: a run of consecutive panels shares each
/// block's slice of x in L2, in at least 8 tasks, so up to 8 threads stay
/// busy. (The other GEMMs' tasks are one panel each: the runtime's parallel
/// loop gives each thread a contiguous range of tasks, runtime.c
/// albert_do_par_for, so the panel a task prefetches is its thread's next.)
int blockedPanelsPerTask(const KernelEnv &env, const MatmulLayout &layout) {
  if (!prefetchesWeights(env, layout)) return 1;
  return std::max(1, layout.paddedN() / layout.panel / 8);
}

/// The tiles of the current row block: `tiles` (a loop, by its Halide name)
/// split into blocks of `mc` (its outer loop `block`), the last block
/// holding the rest.
Expr blockTiles(const std::string &tiles, const std::string &block, int mc) {
  return min(mc, Var(tiles + ".loop_extent") - Var(tiles + "." + block) * mc);
}

/// CPU: while a row block's tiles run over weight panel p, prefetch panel
/// p + 1 from L3 into L2 (a K-blocked GEMM: the block its loops read next,
/// `next` below), spread over the block's tiles: n, the largest power of two
/// <= the block's tile count, parts (tile t, k step k prefetches the row
/// (t % n) span/n + k/n of what comes next; in a block of 12 tiles, tiles
/// 8-11 prefetch parts 0-3 again). Spread over at most 4 tiles, a
/// sequence of 16 tokens (2 tiles) prefetched half of each panel and one of
/// 8 a quarter (ALBERT-base, albertc bench, 3 alternating rounds, with 2 and
/// 1 tiles' spreads: 1 thread 1 x 16 21.3-22.9 -> 19.8-20.1 ms, 1 x 8
/// 15.4-15.7 -> 14.2-14.5; 2 threads 1 x 16 12.7-13.0 -> 10.7-12.2, 1 x 8
/// 8.8-8.9 -> 8.1), and the tiles of a block of 128 rows (16 tiles) past the
/// 4th prefetched the quarters the first 4 had fetched, lines already in L2
/// (ALBERT-base, 1 thread, alternating rounds: 1 x 128 137-148 -> 130-134
/// ms, 8 x 128 1219-1229 -> 1150-1165; 2 threads 1 x 128 73.3-77.1 ->
/// 69.9-71.6; 1 x 512 (64 tiles) 638-678 -> 635-636; 2 threads 8 x 128
/// within the noise, and 1 x 128 too in a quieter hour, 115-129 -> 114-117
/// ms (bests of 6 rounds)). In gemm_probe.c, prefetches of lines already in
/// L2 took an L2-resident tile from 204-212 to 162-185 GFLOP/s. Without it
/// the first tile of every panel streams the panel from L3 at demand speed
/// (about half the FMA rate on the dev machine). Measured there (2 threads,
/// weights on huge pages, GFLOP/s, standalone GEMM): 32 x 2304 x 768
/// 294 -> 313-318, 128 x 2304 x 768 ~+2%, 32 x 30000 x 128 (the MLM
/// decoder) 260 -> 315.
/// Halide 14 emits its prefetches as prefetchnta, which would evict the
/// lines from the caches before they are used: the object writer rewrites
/// them to prefetcht1 (ObjectWriter.cpp, `retargetPrefetches`). JIT-compiled
/// pipelines cannot be rewritten, so env.prefetchWeights is off there.
/// `f`: the Func whose update runs the k loop `k` over `span` rows of the
/// panel (K, or the K block of a blocked GEMM); `next`: how many packed rows
/// ([N / P][K][P] counts K rows per panel) past the current `span` starts
/// the one the tiles read next (K: the next panel; a blocked GEMM passes its
/// loop order's, nextBlockedSpan); `tileLoop`: the loop over the block's row
/// tiles, by its Halide name; `tiles`: how many of its tiles run over the
/// panel (from the loops' extents).
void prefetchNextPanel(const KernelEnv &env, const MatmulLayout &layout, Func f, Func w, RVar k,
                       int span, Expr next, const std::string &tileLoop, Expr tiles) {
  if (!prefetchesWeights(env, layout)) return;
  // The panel being read and the one prefetched must both fit in L2
  // (kL2Bytes), else the prefetch evicts what the tiles are reading.
  // ALBERT-base's FFN output (K = 3072: 576 KiB panels) without it, its time
  // over the FFN's in the same profiled runs (albertc bench --ops, the
  // Cascade Lake, 2 threads): 1 x 128 1.13-1.20 -> 1.00-1.04, 1 x 32
  // 1.34-1.40 -> 1.31-1.34; 1 thread, 1 x 128: 1.17-1.23 -> 0.98-0.99 (the
  // whole run 366 -> 343-347 ms). On a 2 MiB L2 two such panels would fit:
  // not measured there. Panels of K = 768 (144 KiB) gain from it (above).
  if (overHalfL2(layout, span)) return;
  const Internal::Call *load = w.value().as<Internal::Call>();
  if (!load || !load->param.defined()) return; // a weight computed in the pipeline
  // n = 2^lg, the largest power of two <= the block's tiles: tile t reads
  // part t % n of the span (`first`), a row per n k steps. lg and `first` do
  // not change over the k loop; per k step a shift and an add.
  Expr t = Var(tileLoop), kk = Var(f.name() + ".s1." + k.name());
  // (Each n's `first` with n a constant: with n an expression Halide bounds
  // t % n by [0, n - 1] in the prefetched box, and every k step prefetched
  // the whole panel, ALBERT-base 1 x 32 in 6.5 s.)
  Expr first = 0, lg = 0;
  for (int n = 2, l = 1; n <= kMaxBlockTiles; n *= 2, ++l) {
    first = select(tiles >= n, t % n * ((span + n - 1) / n), first);
    lg = select(tiles >= n, l, lg);
  }
  Expr row = next + first + (kk >> lg);
  f.update().prefetch(load->param, k, k, row - kk, PrefetchBoundStrategy::NonFaulting);
}

/// The span a blocked GEMM's tiles read after the current one, in packed
/// rows from it: its task's loops (`taskLoop`) run K blocks (`blockLoop`,
/// of `kc`) outside the task's `n` panels (`panelLoop`; loops by their
/// Halide names), so after panel acp's block comes panel
/// acp + 1's same block (K rows on), after the task's last panel its first
/// panel's next block, and after the last block the next task's first panel
/// (its block 0 follows the last panel's last block: kc rows on). The last
/// task may hold fewer panels (the panels split with GuardWithIf).
/// Prefetching the next panel's same block instead (as an unblocked GEMM
/// does) fetched, after the task's last panel, a block the thread reads
/// only K / kc block loops later, and left the block it read next to
/// demand loads from L3. Measured as the FFN output's time over the FFN's
/// in the same profiled runs (albertc bench --ops, 2 threads, libraries
/// alternating, Cascade Lake): ALBERT-base's few-rows variant (2 panels per
/// task) 1 x 32 1.19-1.35 -> 1.03-1.15; ALBERT-large (K = 4096 in blocks of
/// 512, 2 panels per task) 1 x 32 1.08-1.18 -> 0.97-1.05, 1 x 128
/// 1.09-1.16 -> 1.06-1.08.
Expr nextBlockedSpan(const MatmulLayout &layout, int kc, int n, const std::string &taskLoop,
                     const std::string &panelLoop, const std::string &blockLoop) {
  const int K = layout.k, nko = K / kc, panels = layout.paddedN() / layout.panel;
  if (n == 1) return kc;
  Expr acp = Var(panelLoop), ko = Var(blockLoop);
  // The task's own panel count.
  Expr m = n;
  if (panels % n != 0) m = min(n, panels - Var(taskLoop) * n);
  return select(acp < m - 1, K, ko < nko - 1, kc - (m - 1) * K, kc);
}

} // namespace

MatmulResult matmul(KernelEnv &env, Func x, const MatmulLayout &layout, Func w, Func b,
                    const MatmulEpilogue &epi, const std::string &name, bool isOutput,
                    bool fuseInput) {
  Var c = env.c, r = env.r;
  const int N = layout.n, K = layout.k, P = layout.panel;
  const int V = vectorWidth(env.target);

  // --- The algorithm -------------------------------------------------------
  RDom k(0, K, name + "_k");
  Func acc(name + "_acc");
  acc(c, r) = b(c);
  acc(c, r) += x(k, r) * w(c % P, k, c / P);

  Func out(name);
  Func z(name + "_sum"), mean(name + "_mean"), var(name + "_var");
  if (!epi.residualLn) {
    out(c, r) = applyActivation(epi.activation, acc(c, r));
  } else {
    RDom rc(0, N, name + "_rc");
    z(c, r) = acc(c, r) + epi.residual(c, r);
    mean(r) = 0.0f;
    mean(r) += z(rc, r);
    var(r) = 0.0f;
    Expr d = z(rc, r) - mean(r) / float(N);
    var(r) += d * d;
    Expr rstd = 1.0f / sqrt(var(r) / float(N) + epi.eps);
    out(c, r) = (z(c, r) - mean(r) / float(N)) * rstd * epi.gamma(c) + epi.beta(c);
  }

  if (env.gpu) {
    // --- The schedule (GPU) ------------------------------------------------
    // The GEMM's result is the output, or the pre-norm sum `z` of a
    // LayerNorm epilogue, whose kernel computes the row statistics.
    Func gemm = epi.residualLn ? z : out;
    LoopLevel rows;
    if (epi.residualLn) rows = scheduleRowsGpu(env, out, {mean, var}, N, isOutput);
    const bool exact = isOutput && !epi.residualLn;
    const int S = splitK(K);
    if (S == 1) {
      // K is short (the embedding projection, small models): one kernel of
      // register tiles.
      if (!exact) gemm.compute_root();
      // Steps of 4 k where K allows, else of 1: a guarded last step of 4
      // would make Halide require x past K (bounds ignore the guard).
      RVar ko("ko"), ki("ki");
      const int step = K % 4 == 0 ? 4 : 1;
      acc.update().split(k.x, ko, ki, step);
      scheduleGemmTiles(env, x, gemm, acc, ko, ki, step == 4, N, exact || epi.residualLn, {});
    } else if (!epi.residualLn) {
      // The partial sums' kernel, then this elementwise one (bias, sum of
      // partials, activation): 64 x 4 threads per block.
      Var co("co"), ci("ci"), ro("ro"), ri("ri");
      if (!isOutput) out.compute_root();
      out.split(r, ro, ri, 4, TailStrategy::GuardWithIf)
          .split(c, co, ci, 64, TailStrategy::GuardWithIf)
          .reorder(ci, ri, co, ro);
      gpuBlocks(env, out, {co, ro});
      gpuThreads(env, out, {ci, ri});
      schedulePartialSums(env, x, acc, k, layout, LoopLevel(out, ci));
    } else {
      // The LayerNorm kernel computes its rows' pre-norm sums (bias, partial
      // sums, residual) into shared memory, then the statistics and output.
      Var zs("zs"), zt("zt");
      z.compute_at(rows)
          .split(c, zs, zt, 128, N % 128 == 0 ? TailStrategy::ShiftInwards
                                              : TailStrategy::GuardWithIf)
          .reorder(zs, zt, r);
      gpuThreads(env, z, {zt, r});
      schedulePartialSums(env, x, acc, k, layout, LoopLevel(z, zs));
    }
    MatmulResult result;
    result.out = out;
    return result;
  }

  // --- The schedule (CPU) --------------------------------------------------
  // Output tile tr rows x P columns (gemmTileRows: 8 with AVX-512, 4 with
  // AVX2), the accumulator in registers for the whole K loop: per k, P / V
  // vector loads of W, tr broadcasts of x, P / V * tr FMAs (24 zmm or 12 ymm
  // accumulators, no spills).
  // Rows come in blocks of `mc` tiles, and within a block the loop runs over
  // weight panels outside the tiles: each panel (K x P floats) is read from
  // L2 by every tile of the block instead of streaming the whole weight from
  // L3 once per tile. Measured on the 2-vCPU Xeon (AVX-512, 2 FMA ports) dev
  // machine, 1 thread, build/bin/kernel_benchmark, GFLOP/s tile-order ->
  // blocked: QKV 128x2304x768 96 -> 187, FFN+GELU 128x3072x768 73 -> 179,
  // decoder 128x30000x128 63 -> 157, FFN-out+LayerNorm 128x768x3072 82 -> 172;
  // 2 threads 285-347 (the whole model: 1x128 116 -> 82 ms). Blocks of 32 or
  // 64 tiles were within 10%.
  // A parallel task is one panel (one row block's tiles over it). The
  // runtime hands each thread a contiguous range of tasks, taken in order,
  // and a thread done with its range takes single tasks from the back of the
  // others' (runtime.c, albert_do_par_for), so each tile loop prefetches its
  // thread's next panel (prefetchNextPanel) and the loop ends with the
  // threads at most one panel apart. Measured against runs of >= 8 panels
  // per task dealt out one task at a time (Halide's own do_par_for; a
  // thread's next task was another thread's prefetch), ALBERT-base 1 x 32,
  // 2 threads, tasks traced: the threads' busy share of the loops 0.92 ->
  // 0.96 (one vCPU was often far slower than the other, and a loop waited on
  // its last run of panels).
  // Intermediates round their tiles up (rows are padded, W and b are padded
  // to whole panels); the pipeline output keeps exact bounds.
  Var co("co"), ci("ci"), ro("ro"), ri("ri"), rb("rb"), rk("rk");
  TailStrategy rowTail = isOutput ? TailStrategy::ShiftInwards : TailStrategy::RoundUp;
  TailStrategy colTail = (N % P == 0) ? TailStrategy::ShiftInwards
                         : isOutput    ? TailStrategy::GuardWithIf
                                       : TailStrategy::RoundUp;
  MatmulResult result;
  result.out = out;
  // An upper bound on the rows (per-sequence outputs have fewer).
  Expr work = tokenRows(env) * N * K;
  if (!isOutput) out.compute_root();

  // Row blocks of 256 or 512 rows: `mc` tiles of `tr` rows (`mcRows` of
  // kRowBlock rows for a LayerNorm's row loop).
  const int tr = gemmTileRows(env.target);
  const int blockRows = K >= 2048 ? 256 : kMaxBlockRows;
  const int mc = blockRows / tr, mcRows = blockRows / kRowBlock;
  // Long K (cpuKBlock) is blocked: the accumulators live in memory (a root
  // buffer, rows x paddedN) across K blocks, and each K block's tr x P tile is
  // summed in registers (`part`, acc's reduction rfactor'ed over the blocks)
  // and then added to them, once per kc FMAs per accumulator. A task's loop
  // runs K blocks outside its panels outside the row block's tiles, so the
  // block's slice of x (rows x kc) and the panel's stay in L2 together. The
  // consumer (activation, or residual + LayerNorm) then reads acc. Whole
  // ALBERT-xlarge (F = 8192: its FFN-out), 2 threads, alternating albertc
  // bench: 1 x 32 257-277 -> 193-202 ms, 1 x 128 664-708 -> 572-593 ms.
  // Blocking K = 2048 as well (xlarge's QKV, FFN, attention output) made
  // 1 x 128 slower (683 -> 738 ms): its extra passes over the root
  // accumulator (bias, epilogue) cost more than L2 gained. At K = 4096
  // (ALBERT-xxlarge, H 4096: QKV, FFN, attention output) they pay: 1 x 32
  // 805-816 -> 682-686 ms with those blocked too.
  // Not for an output without LayerNorm (the pooler, a classifier): its
  // columns are exact, and its K is the hidden size. The accumulator's row
  // tiles round up, so x needs rows to a multiple of 8: every library buffer
  // has them (KernelCompiler pads row counts to whole row blocks).
  // Nor for a GEMM whose input is computed per tile (fuseInput without
  // LayerNorm: the embedding's projection).
  const bool unblocked = !epi.residualLn && (isOutput || fuseInput);
  if (!unblocked && cpuKBlock(env, layout, true) != cpuKBlock(env, layout, false))
    ++env.fewRowsChanges;
  const int kc = unblocked ? K : cpuKBlock(env, layout, env.fewRows);
  auto scheduleBlockedAcc = [&]() {
    RVar ko("ko"), ki("ki");
    Var u("u"), ac("ac"), acv("acv"), ar("ar"), ari("ari"), arb("arb"), ark("ark"), act("act"),
        acp("acp");
    acc.compute_root();
    Var ar0("ar0"), ari0("ari0");
    acc.split(r, ar0, ari0, tr, TailStrategy::RoundUp)
        .vectorize(c, V, TailStrategy::RoundUp)
        .unroll(ari0);
    parallelUnlessSmall(acc, ar0, tokenRows(env) * N);
    acc.update().split(k.x, ko, ki, kc);
    const int panelsPerTask = blockedPanelsPerTask(env, layout);
    Func part = acc.update().rfactor(ko, u);
    acc.update()
        .split(c, ac, acv, P, TailStrategy::RoundUp)
        .split(r, ar, ari, tr, TailStrategy::RoundUp)
        .split(ar, arb, ark, mc, TailStrategy::GuardWithIf)
        .split(ac, act, acp, panelsPerTask, TailStrategy::GuardWithIf)
        .reorder(acv, ari, ark, acp, ko, act, arb)
        .vectorize(acv, V)
        .unroll(acv)
        .unroll(ari)
        .parallel(act);
    part.compute_at(acc, ark).bound_extent(c, P);
    part.vectorize(c, V, TailStrategy::RoundUp).unroll(c).unroll(r);
    part.update()
        .reorder(c, r, ki, u)
        .vectorize(c, V, TailStrategy::RoundUp)
        .unroll(c)
        .unroll(r);
    const std::string loop = acc.name() + ".s1.";
    prefetchNextPanel(env, layout, part, w, RVar(k.x.name() + ".ki"), kc,
                      nextBlockedSpan(layout, kc, panelsPerTask, loop + "c.ac.act",
                                      loop + "c.ac.acp", loop + k.x.name() + ".ko"),
                      loop + "r.ar.ark", blockTiles(loop + "r.ar", "arb", mc));
  };

  auto scheduleAcc = [&](Func consumer, Var at) {
    // A whole panel even in a last, partial one (weights and bias are
    // padded to whole panels): a constant-size tile stays on the stack, where
    // a guarded one was a heap allocation per tile.
    acc.compute_at(consumer, at).bound_extent(c, P);
    acc.vectorize(c, V, TailStrategy::RoundUp)
        .unroll(c)
        .unroll(r);
    acc.update()
        .reorder(c, r, k)
        .vectorize(c, V, TailStrategy::RoundUp)
        .unroll(c)
        .unroll(r);
  };

  if (!epi.residualLn && fuseInput) {
    // The input (the embedding rows) is computed per tile, so the tiles of
    // a row block run over all panels before the next tile; the
    // projection's weight (E x H) is small enough to stay in L2.
    out.split(r, ro, ri, tr, rowTail)
        .split(c, co, ci, P, colTail)
        .reorder(ci, ri, co, ro)
        .vectorize(ci, V)
        .unroll(ci)
        .unroll(ri);
    parallelUnlessSmall(out, ro, work);
    result.rowBlock = LoopLevel(out, ro);
    scheduleAcc(out, co);
  } else if (!epi.residualLn && kc < K) {
    out.split(r, ro, ri, kRowBlock, rowTail)
        .vectorize(c, V, N % V == 0 ? TailStrategy::ShiftInwards : TailStrategy::RoundUp)
        .unroll(ri);
    parallelUnlessSmall(out, ro, tokenRows(env) * N);
    scheduleBlockedAcc();
  } else if (!epi.residualLn) {
    out.split(r, ro, ri, tr, rowTail)
        .split(c, co, ci, P, colTail)
        .split(ro, rb, rk, mc, TailStrategy::GuardWithIf)
        .reorder(ci, ri, rk, co, rb)
        .vectorize(ci, V)
        .unroll(ci)
        .unroll(ri);
    parallelUnlessSmall(out, co, work);
    scheduleAcc(out, rk);
    prefetchNextPanel(env, layout, acc, w, k.x, K, K, out.name() + ".s0.r.ro.rk",
                      blockTiles(out.name() + ".s0.r.ro", "rb", mc));
  } else {
    // The LayerNorm needs whole rows: the pre-norm sum of a row block is
    // computed panel by panel as above, then each tile's row statistics (two
    // passes) and output.
    TailStrategy sumTail = (N % P == 0) ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
    Var zo("zo"), zi("zi");
    out.split(r, ro, ri, kRowBlock, rowTail)
        .split(ro, rb, rk, mcRows, TailStrategy::GuardWithIf)
        .reorder(c, ri, rk, rb)
        .vectorize(c, V, N % V == 0 ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf);
    parallelUnlessSmall(out, rk, tokenRows(env) * N * kElementWork);
    if (kc < K) {
      z.compute_at(out, rb).vectorize(c, V, sumTail);
      scheduleBlockedAcc();
    } else {
      z.compute_at(out, rb)
          .split(r, zo, zi, tr, TailStrategy::ShiftInwards)
          .split(c, co, ci, P, sumTail)
          .reorder(ci, zi, zo, co)
          .vectorize(ci, V)
          .unroll(ci)
          .unroll(zi);
      parallelUnlessSmall(z, co, work);
      scheduleAcc(z, zo);
      // z is computed per row block: its tile loop runs the block's tiles.
      prefetchNextPanel(env, layout, acc, w, k.x, K, K, z.name() + ".s0.r.zo",
                        Var(z.name() + ".s0.r.zo.loop_extent"));
    }
    mean.compute_at(out, rk);
    var.compute_at(out, rk);
    if (fuseInput) result.rowBlock = LoopLevel(out, rb);
  }
  return result;
}

} // namespace codegen
} // namespace albertc
