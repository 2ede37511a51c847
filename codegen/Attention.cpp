//===- Attention.cpp - multi-head attention on a packed QKV ---------------===//

#include "codegen/Kernels.h"
#include "codegen/Math.h"

#include <cmath>
#include <limits>

using namespace Halide;

namespace albertc {
namespace codegen {

Func attention(KernelEnv &env, Func qkv, Func mask, int hidden, int heads,
               const std::string &name, bool isOutput) {
  const int D = hidden / heads;
  const float scale = 1.0f / std::sqrt(float(D));
  Expr S = env.seq, B = env.batch;
  Var d("d"), i("i"), j("j"), h("h"), b("b");

  // --- The algorithm -------------------------------------------------------
  // Keys are read through a clamp so that vector tails past seq stay inside
  // the buffer; those lanes never reach the sums below (their RDoms stop at
  // seq; the row max's, past it on a CPU, repeats the last key).
  Expr jc = min(j, S - 1);
  Func kRow(name + "_kRow"); // keys per head as stored: (d, j), d contiguous
  kRow(d, j, h, b) = qkv(hidden + h * D + d, b * S + jc);
  Func kT(name + "_kT"); // keys transposed per head: (j, d), j contiguous
  kT(j, d, h, b) = kRow(d, j, h, b);
  RDom rd(0, D, name + "_rd");
  Func score(name + "_score");
  score(j, i, h, b) = 0.0f;
  // Query rows past seq (the schedule rounds query blocks up) read the last row.
  score(j, i, h, b) += qkv(h * D + rd, b * S + min(i, S - 1)) * kT(j, rd, h, b);
  // HuggingFace adds finfo(float32).min where the mask is 0.
  Expr masked = mask(jc, b) == 0;
  Func logit(name + "_logit");
  logit(j, i, h, b) = select(masked, std::numeric_limits<float>::lowest(),
                             score(j, i, h, b) * scale);
  RDom rj(0, S, name + "_rj");
  // The row max runs over the keys rounded up to whole vectors on a CPU:
  // keys past seq read the last key (jc), so their logits repeat its own
  // and the max is the same.
  const int V = vectorWidth(env.target);
  RDom rm(0, env.gpu ? S : (S + V - 1) / V * V, name + "_rm");
  Func rowMax(name + "_max");
  rowMax(i, h, b) = std::numeric_limits<float>::lowest();
  rowMax(i, h, b) = max(rowMax(i, h, b), logit(rm, i, h, b));
  Func p(name + "_p");
  p(j, i, h, b) = vexp(logit(j, i, h, b) - rowMax(i, h, b));
  Func rowSum(name + "_sum");
  rowSum(i, h, b) = 0.0f;
  rowSum(i, h, b) += p(rj, i, h, b);
  // Values per head. On a CPU, a head size that is not a whole number of
  // vectors (D = 26: H 312, 12 heads) is padded with zeros to one (Dp), so
  // that the weighted sum below runs on whole vectors (the schedule stages
  // the padded values per head).
  const bool padHead = !env.gpu && D % V != 0;
  const int Dp = padHead ? (D + V - 1) / V * V : D;
  Func vals(name + "_v");
  if (padHead)
    vals(d, j, h, b) = select(d < D, qkv(2 * hidden + h * D + min(d, D - 1), b * S + j), 0.0f);
  else
    vals(d, j, h, b) = qkv(2 * hidden + h * D + d, b * S + j);
  Func ctx(name + "_ctx");
  ctx(d, i, h, b) = 0.0f;
  ctx(d, i, h, b) += p(rj, i, h, b) * vals(d, rj, h, b);
  Func norm(name + "_norm");
  norm(d, i, h, b) = ctx(d, i, h, b) / rowSum(i, h, b);
  // Back to token rows; filler rows (past batch * seq) repeat the last sequence.
  Func out(name);
  Var c = env.c, r = env.r;
  out(c, r) = norm(c % D, r % S, c / D, min(r / S, B - 1));

  if (env.gpu) {
    // --- The schedule (GPU) ------------------------------------------------
    // One block per (kQ queries, head, sequence). In the block, in shared
    // memory: the scores of its queries against all keys, the row max, the
    // exponentials, the row sum; then the context, a thread per (d, kCq
    // queries) summing over the keys in registers, each value load
    // (coalesced along d) serving its kCq queries. A score thread owns keys
    // j, j + 64, ... and a group of 4 queries: per 4 d it loads a float4 of
    // its key (a key row is 3H floats from the next: the costly loads) for 16
    // FMAs in registers. Nothing [S, S]-sized leaves the block; `out` is a
    // copy back to token rows.
    // kQ = 8 (two score groups, kCq = 2) where the scores and exponentials
    // (2 x kQ x seq floats) fit CUDA's 48 KiB of static shared memory at the
    // longest sequence (up to 704), else kQ = 4 (kCq = 1). Measured on an H100,
    // ALBERT-base whole model (docs/performance.md, "GPU"): 8 queries per
    // block over 4, 32 x 128 37.6 -> 33.9 ms, 8 x 128 9.76 -> 9.11 ms (each
    // block's key and value reads serve twice the queries), 1 x 32 to
    // 1 x 128 unchanged; 16 queries per block, or 1 or 4 queries per context
    // thread, were no faster. On an H200 the 4-query blocks took 0.57 ms per
    // layer at 32 x 128, against 2.0 ms with a thread per (key, query).
    const int kSJ = (env.maxSeq + 63) / 64 * 64;  // keys, in whole chunks of kJ
    const int kG = 2 * 8 * kSJ * 4 + 1024 <= 48 * 1024 ? 2 : 1, kCq = kG; // 1 KiB: row stats
    const int kQt = 4, kQ = kQt * kG, kJ = 64;
    Var io("io"), ii("ii"), ig("ig"), it("it"), jo("jo"), ji("ji");
    norm.compute_root()
        .split(i, io, ii, kQ, TailStrategy::GuardWithIf)
        .split(ii, ig, it, kCq, TailStrategy::GuardWithIf)
        .reorder(it, d, ig, io, h, b)
        .unroll(it);
    gpuBlocks(env, norm, {io, h, b});
    gpuThreads(env, norm, {d, ig});
    ctx.compute_at(norm, d).unroll(i);
    ctx.update().reorder(i, rj).unroll(i);
    Func sc = score.in();
    sc.compute_at(norm, io)
        .bound_extent(i, kQ) // queries past seq read the last row, unused
        .split(j, jo, ji, kJ, TailStrategy::RoundUp)
        .split(i, ig, it, kQt)
        .reorder(it, jo, ji, ig);
    gpuThreads(env, sc, {ji, ig});
    score.compute_at(sc, jo).unroll(i);
    if (D % 4 == 0) {
      RVar rdo("rdo"), rdi("rdi");
      score.update().split(rd, rdo, rdi, 4).reorder(i, rdi, rdo).unroll(i).unroll(rdi);
      Func kin = kT.in(score);
      kin.compute_at(score, rdo).vectorize(kin.args()[1]);
    } else {
      score.update().reorder(i, rd).unroll(i);
    }
    p.compute_at(norm, io)
        .split(j, jo, ji, kJ, TailStrategy::RoundUp)
        .split(i, ig, it, kCq, TailStrategy::GuardWithIf)
        .reorder(jo, it, ji, ig);
    gpuThreads(env, p, {ji, ig});
    for (Func f : {rowMax, rowSum}) {
      f.compute_at(norm, io);
      gpuThreads(env, f, {i});
      gpuThreads(env, f.update(), {i});
    }
    Var ro("ro"), ri("ri"), co("co"), ci("ci");
    if (!isOutput) out.compute_root();
    out.split(r, ro, ri, 4, TailStrategy::GuardWithIf)
        .split(c, co, ci, 64, hidden % 64 == 0 ? TailStrategy::ShiftInwards
                                              : TailStrategy::GuardWithIf)
        .reorder(ci, ri, co, ro);
    gpuBlocks(env, out, {co, ro});
    gpuThreads(env, out, {ci, ri});
    return out;
  }

  // --- The schedule (CPU) --------------------------------------------------
  // One task per (head, sequence); inside, blocks of kQ queries (rounded up:
  // extra query rows read the last row and are never used): their scores
  // against all keys, softmax, then the weighted sum of values. The two
  // reductions keep their accumulators in registers for the whole reduction:
  // scores as kQ rows x kJ key vectors per chunk of keys (16 zmm; 8 ymm with
  // AVX2's 16 registers), the context as kQ rows x dc vectors (16 zmm at
  // D = 64; heads of 128 in two halves, and 8 ymm). Nothing [S, S]-sized
  // is kept per head beyond one query block. Measured (ALBERT-base 1x128, 2
  // threads, --target host-profile): attention 0.72 -> 0.46 ms per layer when
  // the context sum moved from a memory accumulator to registers (0.23 ->
  // 0.08 ms); the scores' tile stayed in memory (LLVM kept a load and a store
  // around every FMA) until it became a register Func under a wrapper (`sc`):
  // 0.20 -> 0.08 ms. kQ = 2 or 8 and kJ = 2 were no better (with AVX-512;
  // AVX2 takes kJ = 2 so that the tile fits its 16 registers).
  const int kQ = 4, kJ = V == 16 ? 4 : 2;
  Var io("io"), ii("ii"), hb("hb"), jo("jo"), ji("ji");
  norm.compute_root()
      .reorder(d, i, h, b)
      .split(i, io, ii, kQ, TailStrategy::RoundUp)
      .reorder(d, ii, io, h, b)
      .fuse(h, b, hb);
  norm.vectorize(d, V); // D is a multiple of V, or padded to Dp (below)
  Expr work = tokenRows(env) * S * hidden * 2;
  parallelUnlessSmall(norm, hb, work);
  kT.compute_at(norm, hb);
  // The scores (below) run over whole chunks of kJ key vectors and read the
  // keys of the whole last chunk, past seq. Halide 14 sized kT's buffer for
  // them but computed only the keys up to seq rounded to vectors, so the
  // scores of the keys past seq (never used) were sums of stale memory:
  // ALBERT-base 4 x 16, 1 thread, took 130 ms instead of 63 when the memory a
  // reused block held made them subnormal. Bounding kT to the chunks computes
  // those keys too (kT clamps them to the last key).
  kT.bound(j, 0, (S + kJ * V - 1) / (kJ * V) * (kJ * V));
  if (D % V == 0) {
    // V x V tiles: V dense loads of key rows (kRow), transposed in registers
    // (kRegs, Halide's block_transpose idiom) instead of a strided gather per
    // key vector: 0.048 -> 0.004 ms per layer at 1 x 128.
    Var jt("jt"), dt("dt"), jv("jv"), dv("dv");
    kT.tile(j, d, jt, dt, jv, dv, V, V, TailStrategy::RoundUp).vectorize(jv).unroll(dv);
    kRow.compute_at(kT, jt).vectorize(d).unroll(j);
    Func kRegs = kRow.in(kT);
    kRegs.reorder_storage(j, d).compute_at(kT, jt).vectorize(d).unroll(j);
  } else {
    kT.vectorize(j, V, TailStrategy::RoundUp);
  }
  ctx.compute_at(norm, io);
  if (padHead) {
    // The sum over keys on Dp / V whole vectors per query, reading the
    // head's values staged per task with zero columns past D (a clamped
    // read of qkv in the sum would be a gather per FMA). H 312 (D = 26),
    // 1 x 128, 1 thread, --target host-profile, 3 alternating runs: the sum
    // 0.95-1.40 -> 0.14-0.21 ms per layer (it was in 2-lane vectors, the
    // widest that divided D).
    vals.compute_at(norm, hb).vectorize(d, V);
    norm.bound_extent(d, Dp);
  }
  // The context of a query block, dc of the head's Dp / V vectors at a
  // time: kQ x dc accumulators in registers (at most 16 zmm or 8 ymm).
  const int nv = Dp / V, maxAcc = V == 16 ? 16 : 8;
  int dc = nv;
  while (kQ * dc > maxAcc || nv % dc != 0) --dc;
  Var dO("dO"), dI("dI");
  ctx.vectorize(d, V);
  ctx.update()
      .split(d, dO, dI, dc * V)
      .reorder(dI, i, rj, dO)
      .vectorize(dI, V)
      .unroll(dI)
      .unroll(i);
  for (Func f : {rowMax, rowSum}) f.compute_at(norm, io);
  // The row max in V lanes (max is exact in any order), then across them:
  // as one scalar chain of dependent maxes over the keys it took as long as
  // the scores. ALBERT-base, 2 threads, --target host-profile, alternating:
  // the max 0.206 -> 0.012 ms per layer at 1 x 128; attention 126.7-131.9
  // -> 93.6-95.6 ms per run at 1 x 512 (the whole run 670-677 -> 586-612).
  {
    RVar rmo("rmo"), rmi("rmi");
    Var u("u");
    Func lanes = rowMax.update().split(rm.x, rmo, rmi, V).rfactor(rmi, u);
    lanes.compute_at(rowMax, i).vectorize(u);
    lanes.update().reorder(u, rmo).vectorize(u);
  }
  // Stored per task (Halide folds them to the kQ rows of one query block):
  // computed per query block they were a heap allocation each, 384 per layer
  // at 1 x 128 (now 24; same speed within noise).
  p.store_at(norm, hb).compute_at(norm, io).vectorize(j, V, TailStrategy::RoundUp);
  // The scores of a query block, per chunk of kJ key vectors: a kQ x kJ
  // vector tile in registers for the whole sum over d, then stored (`sc`).
  Func sc = score.in();
  sc.store_at(norm, hb)
      .compute_at(norm, io)
      .split(j, jo, ji, kJ * V, TailStrategy::RoundUp)
      .reorder(ji, i, jo)
      .vectorize(ji, V)
      .unroll(ji)
      .unroll(i);
  score.store_in(MemoryType::Register).compute_at(sc, jo).vectorize(j, V).unroll(j).unroll(i);
  score.update().reorder(j, i, rd).vectorize(j, V).unroll(j).unroll(i);
  if (!isOutput) out.compute_root();
  Var ro("ro"), ri("ri");
  out.split(r, ro, ri, kRowBlock, isOutput ? TailStrategy::ShiftInwards : TailStrategy::RoundUp);
  // Back to token rows in the widest vectors that stay within a head.
  int vd = V;
  while (vd > 1 && D % vd != 0) vd /= 2;
  if (vd > 1) out.vectorize(c, vd);
  parallelUnlessSmall(out, ro, tokenRows(env) * hidden * kElementWork);
  return out;
}

} // namespace codegen
} // namespace albertc
