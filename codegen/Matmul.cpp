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

MatmulLayout MatmulLayout::choose(int n, int k, const Target &t) {
  // Panel widths from ../shared/notes/halide-cpu.md: 3 vectors x 8 rows = 24
  // accumulators fit the 32 AVX-512 registers with room for the loads.
  int v = vectorWidth(t);
  MatmulLayout l;
  l.n = n;
  l.k = k;
  l.panel = v;
  for (int p : {3 * v, 2 * v})
    if (n % p == 0) { l.panel = p; break; }
  return l;
}

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

  // --- The schedule (CPU) --------------------------------------------------
  // Output tile kRowBlock rows x P columns, the accumulator in registers for
  // the whole K loop: per k, P / V vector loads of W, kRowBlock broadcasts of
  // x, P / V * kRowBlock FMAs (24 zmm accumulators, no spills).
  // Rows come in blocks of `mc` tiles, and within a block the loop runs over
  // weight panels outside the tiles: each panel (K x P floats) is read from
  // L2 by every tile of the block instead of streaming the whole weight from
  // L3 once per tile. Measured on the 2-vCPU Xeon (AVX-512, 2 FMA ports) dev
  // machine, 1 thread, build/bin/kernel_benchmark, GFLOP/s tile-order ->
  // blocked: QKV 128x2304x768 96 -> 187, FFN+GELU 128x3072x768 73 -> 179,
  // decoder 128x30000x128 63 -> 157, FFN-out+LayerNorm 128x768x3072 82 -> 172;
  // 2 threads 285-347 (the whole model: 1x128 116 -> 82 ms). Blocks of 32 or
  // 64 tiles were within 10%.
  // Intermediates round their tiles up (rows are padded, W and b are padded
  // to whole panels); the pipeline output keeps exact bounds.
  const int mc = K >= 2048 ? 32 : 64;
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

  auto scheduleAcc = [&](Func consumer, Var at) {
    acc.compute_at(consumer, at)
        .vectorize(c, V, TailStrategy::RoundUp)
        .unroll(c)
        .unroll(r);
    acc.update()
        .reorder(c, r, k)
        .vectorize(c, V, TailStrategy::RoundUp)
        .unroll(c)
        .unroll(r);
  };

  if (!epi.residualLn && fuseInput) {
    // The input (the embedding rows) is computed per 8-row tile, so the
    // tiles of a row block run over all panels before the next tile; the
    // projection's weight (E x H) is small enough to stay in L2.
    out.split(r, ro, ri, kRowBlock, rowTail)
        .split(c, co, ci, P, colTail)
        .reorder(ci, ri, co, ro)
        .vectorize(ci, V)
        .unroll(ci)
        .unroll(ri);
    parallelUnlessSmall(out, ro, work);
    result.rowBlock = LoopLevel(out, ro);
    scheduleAcc(out, co);
  } else if (!epi.residualLn) {
    out.split(r, ro, ri, kRowBlock, rowTail)
        .split(c, co, ci, P, colTail)
        .split(ro, rb, rk, mc, TailStrategy::GuardWithIf)
        .reorder(ci, ri, rk, co, rb)
        .vectorize(ci, V)
        .unroll(ci)
        .unroll(ri);
    parallelUnlessSmall(out, co, work);
    scheduleAcc(out, rk);
  } else {
    // The LayerNorm needs whole rows: the pre-norm sum of a row block is
    // computed panel by panel as above, then each tile's row statistics (two
    // passes) and output.
    TailStrategy sumTail = (N % P == 0) ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
    Var zo("zo"), zi("zi");
    out.split(r, ro, ri, kRowBlock, rowTail)
        .split(ro, rb, rk, mc, TailStrategy::GuardWithIf)
        .reorder(c, ri, rk, rb)
        .vectorize(c, V, N % V == 0 ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf);
    parallelUnlessSmall(out, rk, tokenRows(env) * N * 8);
    z.compute_at(out, rb)
        .split(r, zo, zi, kRowBlock, TailStrategy::ShiftInwards)
        .split(c, co, ci, P, sumTail)
        .reorder(ci, zi, zo, co)
        .vectorize(ci, V)
        .unroll(ci)
        .unroll(zi);
    parallelUnlessSmall(z, co, work);
    scheduleAcc(z, zo);
    mean.compute_at(out, rk);
    var.compute_at(out, rk);
    if (fuseInput) result.rowBlock = LoopLevel(out, rb);
  }
  return result;
}

} // namespace codegen
} // namespace albertc
