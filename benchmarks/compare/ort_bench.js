#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU) side of benchmarks/compare/compare.py.
//
// One-shot: time a model on random inputs and print one JSON line.
//   node ort_bench.js MODEL.onnx --batch B --seq S --threads T [--runs N] [--warmup W] [--vocab V] [--json]
//
// Server (what compare.py uses, so a session is created once per (model, threads) and stays warm
// across the alternating rounds): one JSON request per stdin line, one JSON reply per stdout line.
//   node ort_bench.js --serve
//   {"op": "bench", "model": PATH, "threads": T, "batch": B, "seq": S, "runs": N, "warmup": W, "vocab": V}
//   {"op": "run", "model": PATH, "threads": T, "batch": B, "seq": S,
//    "input_ids": [...], "attention_mask": [...], "token_type_ids": [...], "out_dir": DIR}
//       writes DIR/<output name>.f32 (raw little-endian float32) and replies with the dims
//   {"op": "info"}   versions
//   {"op": "quit"}
//
// Session options: graphOptimizationLevel 'all', intraOpNumThreads T, interOpNumThreads 1, sequential
// execution; everything else is ONNX Runtime's default (memory arena on, thread-pool spinning on).
// Inputs are int64 (as torch.onnx.export writes them); only the inputs the model declares are fed.
// Random inputs: ids uniform in [0, vocab) from a fixed LCG, attention_mask 1, token_type_ids 0 (what
// `albertc bench` feeds). Times are wall-clock around `await session.run(feeds)`.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  process.stderr.write('ort_bench.js: cannot load onnxruntime-node (run scripts/install_bench_deps.sh): ' +
                       e.message + '\n');
  process.exit(2);
}

const sessions = new Map();  // `${model}|${threads}` -> {session, createMs}

async function getSession(model, threads) {
  const key = model + '|' + threads;
  if (!sessions.has(key)) {
    const t0 = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(model, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    const createMs = Number(process.hrtime.bigint() - t0) / 1e6;
    sessions.set(key, {session, createMs});
  }
  return sessions.get(key);
}

function int64Tensor(values, batch, seq) {
  const a = new BigInt64Array(batch * seq);
  for (let i = 0; i < a.length; ++i) a[i] = BigInt(values[i]);
  return new ort.Tensor('int64', a, [batch, seq]);
}

function feedsFor(session, batch, seq, ids, mask, tt) {
  const all = {input_ids: ids, attention_mask: mask, token_type_ids: tt};
  const feeds = {};
  for (const name of session.inputNames) {
    if (!(name in all)) throw new Error('model input ' + name + ' is not one of ' + Object.keys(all));
    feeds[name] = int64Tensor(all[name], batch, seq);
  }
  return feeds;
}

function randomInputs(batch, seq, vocab) {
  let s = 12345 >>> 0;
  const ids = new Array(batch * seq);
  for (let i = 0; i < ids.length; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    ids[i] = s % vocab;
  }
  return {ids, mask: new Array(batch * seq).fill(1), tt: new Array(batch * seq).fill(0)};
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

async function bench(req) {
  const {session, createMs} = await getSession(req.model, req.threads);
  const r = randomInputs(req.batch, req.seq, req.vocab || 1000);
  const feeds = feedsFor(session, req.batch, req.seq, r.ids, r.mask, r.tt);
  for (let i = 0; i < (req.warmup ?? 1); ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < (req.runs ?? 10); ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    engine: 'onnxruntime', version: ort.env.versions.node, batch: req.batch, seq: req.seq,
    threads: req.threads, runs: times.length, median_ms: median(sorted), min_ms: sorted[0],
    max_ms: sorted[sorted.length - 1], times_ms: times, session_create_ms: createMs,
  };
}

async function runOnce(req) {
  const {session} = await getSession(req.model, req.threads);
  const feeds = feedsFor(session, req.batch, req.seq, req.input_ids, req.attention_mask, req.token_type_ids);
  const out = await session.run(feeds);
  fs.mkdirSync(req.out_dir, {recursive: true});
  const dims = {};
  for (const name of session.outputNames) {
    const t = out[name];
    if (t.type !== 'float32') throw new Error('output ' + name + ' is ' + t.type + ', expected float32');
    const d = t.data;
    fs.writeFileSync(path.join(req.out_dir, name + '.f32'), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    dims[name] = t.dims.map(Number);
  }
  return {outputs: dims};
}

async function handle(req) {
  switch (req.op) {
    case 'bench': return bench(req);
    case 'run': return runOnce(req);
    case 'info': return {versions: ort.env.versions, backends: ort.listSupportedBackends ?
                                                          ort.listSupportedBackends() : null};
    default: throw new Error('unknown op ' + req.op);
  }
}

async function serve() {
  const rl = readline.createInterface({input: process.stdin, terminal: false});
  for await (const line of rl) {
    if (!line.trim()) continue;
    let reply;
    try {
      const req = JSON.parse(line);
      if (req.op === 'quit') break;
      reply = await handle(req);
    } catch (e) {
      reply = {error: String(e && e.stack || e)};
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
  process.exit(0);
}

function usage(msg) {
  if (msg) process.stderr.write('ort_bench.js: ' + msg + '\n');
  process.stderr.write('usage: node ort_bench.js MODEL.onnx --batch B --seq S --threads T ' +
                       '[--runs N] [--warmup W] [--vocab V] [--json]\n       node ort_bench.js --serve\n');
  process.exit(2);
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--serve')) return serve();
  const req = {op: 'bench', batch: 1, seq: 128, threads: 1, runs: 10, warmup: 1, vocab: 1000};
  let json = false;
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) usage(a + ' needs a non-negative integer');
      return v;
    };
    if (a === '--batch') req.batch = num();
    else if (a === '--seq') req.seq = num();
    else if (a === '--threads') req.threads = num();
    else if (a === '--runs') req.runs = num();
    else if (a === '--warmup') req.warmup = num();
    else if (a === '--vocab') req.vocab = num();
    else if (a === '--json') json = true;
    else if (a.startsWith('-')) usage('unknown option ' + a);
    else if (!req.model) req.model = a;
    else usage('one model only');
  }
  if (!req.model) usage('no model');
  if (req.batch < 1 || req.seq < 1 || req.threads < 1 || req.runs < 1) usage('batch, seq, threads, runs >= 1');
  const r = await bench(req);
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  else process.stdout.write(`onnxruntime ${r.version}: batch ${r.batch} x seq ${r.seq}, ${r.threads} threads, ` +
                            `${r.runs} runs: median ${r.median_ms.toFixed(3)} ms, min ${r.min_ms.toFixed(3)} ms, ` +
                            `max ${r.max_ms.toFixed(3)} ms (session ${r.session_create_ms.toFixed(0)} ms)\n`);
}

main().catch((e) => {
  process.stderr.write('ort_bench.js: ' + (e && e.stack || e) + '\n');
  process.exit(1);
});
