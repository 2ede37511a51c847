//===- Elementwise.cpp - LayerNorm, activations, CLS rows, embeddings -----===//

#include "codegen/Kernels.h"
#include "codegen/Math.h"

using namespace Halide;

namespace albertc {
namespace codegen {

namespace {
/// Row-parallel schedule for a per-row kernel: blocks of kRowBlock rows,
/// vectorized along channels.
/// Returns the row-block loop, where per-row statistics are computed.
Var scheduleRows(Func out, const KernelEnv &env, int channels, bool isOutput) {
  Var ro("ro"), ri("ri");
  int V = vectorWidth(env.target);
  if (!isOutput) out.compute_root();
  out.split(env.r, ro, ri, kRowBlock, isOutput ? TailStrategy::ShiftInwards : TailStrategy::RoundUp)
      .vectorize(env.c, V, channels % V == 0 ? TailStrategy::ShiftInwards
                                              : TailStrategy::GuardWithIf);
  parallelUnlessSmall(out, ro, tokenRows(env) * channels * kElementWork);
  return ro;
}
} // namespace

LoopLevel scheduleRowsGpu(const KernelEnv &env, Func out, const std::vector<Func> &stats,
                          int channels, bool isOutput) {
  // A block is 4 rows x 128 threads along the channels; each thread handles
  // channels c, c + 128, ... (coalesced). Each statistic is a two-level sum:
  // 32 threads per row add strided partial sums (rfactor), then one thread
  // per row adds the 32 partials, all in shared memory within the block.
  const int kRows = 4, kThreads = 128, kLanes = 32;
  Var c = env.c, r = env.r;
  Var ro("ro"), ri("ri"), cs("cs"), ct("ct");
  if (!isOutput) out.compute_root();
  TailStrategy colTail =
      channels % kThreads == 0 ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
  out.split(r, ro, ri, kRows, TailStrategy::GuardWithIf)
      .split(c, cs, ct, kThreads, colTail)
      .reorder(cs, ct, ri, ro);
  gpuBlocks(env, out, {ro});
  gpuThreads(env, out, {ct, ri});
  for (Func s : stats) {
    s.compute_at(out, ro);
    gpuThreads(env, s, {r});
    if (channels % kLanes == 0 && channels >= 2 * kLanes) {
      // s(r) = init; s(r) += f(rc, r): split rc into (rco, rci), sum over
      // rco per lane rci first.
      RVar rco("rco"), rci("rci");
      Var u("u");
      RVar rc = s.rvars(0)[0];
      Func part = s.update().split(rc, rco, rci, kLanes).rfactor(rci, u);
      // Lanes along threads x (where the row's channels are), rows along y.
      part.compute_at(out, ro).reorder(u, r);
      part.update().reorder(rco, u, r);
      gpuThreads(env, part, {u, r});
      gpuThreads(env, part.update(), {u, r});
    }
    gpuThreads(env, s.update(), {r});
  }
  return LoopLevel(out, ro);
}

Func layerNorm(KernelEnv &env, Func x, Func residual, Func gamma, Func beta, int channels,
               float eps, const std::string &name, bool isOutput) {
  Var c = env.c, r = env.r;
  // --- The algorithm: two-pass row statistics -------------------------------
  Func z(name + "_in");
  if (residual.defined()) z(c, r) = x(c, r) + residual(c, r);
  else z(c, r) = x(c, r);
  RDom rc(0, channels, name + "_rc");
  Func mean(name + "_mean"), var(name + "_var"), out(name);
  mean(r) = 0.0f;
  mean(r) += z(rc, r);
  Expr m = mean(r) / float(channels);
  var(r) = 0.0f;
  var(r) += (z(rc, r) - m) * (z(rc, r) - m);
  out(c, r) = (z(c, r) - m) / sqrt(var(r) / float(channels) + eps) * gamma(c) + beta(c);

  if (env.gpu) {
    scheduleRowsGpu(env, out, {mean, var}, channels, isOutput);
    return out;
  }
  // --- The schedule (CPU): statistics per row block, computed next to use ---
  Var ro = scheduleRows(out, env, channels, isOutput);
  mean.compute_at(out, ro);
  var.compute_at(out, ro);
  return out;
}

Func activation(KernelEnv &env, Func x, int channels, const std::string &kind,
                const std::string &name, bool isOutput) {
  Func out(name);
  out(env.c, env.r) = applyActivation(kind, x(env.c, env.r));
  if (env.gpu) scheduleRowsGpu(env, out, {}, channels, isOutput);
  else scheduleRows(out, env, channels, isOutput);
  return out;
}

Func gatherCls(KernelEnv &env, Func x, const std::string &name) {
  // Inlined into its consumer: row b reads token row b * seq. Filler rows
  // past the batch read the last sequence's first token.
  Func out(name);
  out(env.c, env.r) = x(env.c, min(env.r, env.batch - 1) * env.seq);
  return out;
}

EmbeddingRows embeddingRows(KernelEnv &env, Func ids, Func tt, Func word, Func pos, Func type,
                            Func gamma, Func beta, int vocab, int positions, int types,
                            int embed, float eps, const std::string &name) {
  Var c = env.c, r = env.r;
  Expr S = env.seq;
  Expr b = min(r / S, env.batch - 1), s = r % S;
  Expr id = clamp(ids(s, b), 0, vocab - 1);
  Expr tid = clamp(tt(s, b), 0, types - 1);
  EmbeddingRows e;
  e.sum = Func(name + "_sum");
  e.mean = Func(name + "_mean");
  e.var = Func(name + "_var");
  e.out = Func(name);
  e.sum(c, r) = word(c, id) + pos(c, min(s, positions - 1)) + type(c, tid);
  RDom rc(0, embed, name + "_rc");
  e.mean(r) = 0.0f;
  e.mean(r) += e.sum(rc, r);
  Expr m = e.mean(r) / float(embed);
  e.var(r) = 0.0f;
  e.var(r) += (e.sum(rc, r) - m) * (e.sum(rc, r) - m);
  e.out(c, r) = (e.sum(c, r) - m) / sqrt(e.var(r) / float(embed) + eps) * gamma(c) + beta(c);
  return e;
}

void EmbeddingRows::scheduleRows(const KernelEnv &env, int embed, bool isOutput) {
  if (env.gpu) {
    // The sum of three table rows is recomputed where used (three reads).
    scheduleRowsGpu(env, out, {mean, var}, embed, isOutput);
    return;
  }
  Var ro = codegen::scheduleRows(out, env, embed, isOutput);
  for (Func f : {sum, mean, var}) f.compute_at(out, ro);
}

void EmbeddingRows::computeAt(const LoopLevel &level, const KernelEnv &env) {
  int V = vectorWidth(env.target);
  for (Func f : {sum, mean, var, out}) f.compute_at(level);
  sum.vectorize(env.c, V, TailStrategy::GuardWithIf);
  out.vectorize(env.c, V, TailStrategy::GuardWithIf);
}

} // namespace codegen
} // namespace albertc
