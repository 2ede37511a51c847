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
  // x, P / V * kRowBlock FMAs. Measured on the 2-core Zen 4 dev machine with
  // this tile (shared/notes/halide-cpu.md): 95-98% of FMA peak on the ALBERT
  // GEMM shapes, 1 and 2 threads. K-blocking and packing x were slower.
  // Intermediates round their tiles up (rows are padded, W and b are padded
  // to whole panels); the pipeline output keeps exact bounds.
  Var co("co"), ci("ci"), ro("ro"), ri("ri"), t("t");
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

  if (!epi.residualLn) {
    out.split(r, ro, ri, kRowBlock, rowTail)
        .split(c, co, ci, P, colTail)
        .reorder(ci, ri, co, ro)
        .vectorize(ci, V)
        .unroll(ci)
        .unroll(ri);
    if (fuseInput) {
      parallelUnlessSmall(out, ro, work);
      result.rowBlock = LoopLevel(out, ro);
      scheduleAcc(out, co);
    } else {
      // Parallel over all tiles: one sequence (8 rows) still fills the cores.
      out.fuse(co, ro, t);
      parallelUnlessSmall(out, t, work);
      scheduleAcc(out, t);
    }
  } else {
    // The LayerNorm needs whole rows: tiles of the pre-norm sum are computed
    // per row block, then the row statistics (two passes), then the output.
    TailStrategy sumTail = (N % P == 0) ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
    out.split(r, ro, ri, kRowBlock, rowTail)
        .reorder(c, ri, ro)
        .vectorize(c, V, N % V == 0 ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf);
    parallelUnlessSmall(out, ro, work);
    z.compute_at(out, ro)
        .split(c, co, ci, P, sumTail)
        .reorder(ci, r, co)
        .vectorize(ci, V)
        .unroll(ci)
        .unroll(r);
    scheduleAcc(z, co);
    mean.compute_at(out, ro);
    var.compute_at(out, ro);
    if (fuseInput) result.rowBlock = LoopLevel(out, ro);
  }
  return result;
}

} // namespace codegen
} // namespace albertc
