#!/usr/bin/env python3
"""PyTorch's time for the same work as `gpu_run --random` on the GPU: HuggingFace AlbertModel with
ALBERT-base dimensions (config.json of the checkpoint the GPU check compiled), float32 with TF32 off,
input ids from host memory, last_hidden_state and pooler_output back to host memory.

Prints one line per shape and mode: "torch MODE BxS median_ms MS min_ms MS", MODE being eager or
graph (the model captured once in a CUDA graph and replayed: what torch.compile's reduce-overhead
mode does for launch overhead, without the compile).

    torch_albert.py CONFIG_JSON --shapes 1x32 1x128 8x128 32x128 [--runs 50]
"""
import argparse
import json
import time

import torch
from transformers import AlbertConfig, AlbertModel


def timed(fn, runs):
    for _ in range(5):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2], times[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--shapes", nargs="+", default=["1x32", "1x128", "8x128", "32x128"])
    ap.add_argument("--runs", type=int, default=50)
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    cfg = AlbertConfig(**{k: v for k, v in json.load(open(a.config)).items()
                          if k not in ("architectures", "torch_dtype", "transformers_version")})
    model = AlbertModel(cfg).cuda().eval()
    for shape in a.shapes:
        B, S = map(int, shape.split("x"))
        ids_host = torch.randint(0, cfg.vocab_size, (B, S), dtype=torch.int64).pin_memory()

        @torch.no_grad()
        def eager():
            out = model(ids_host.cuda(non_blocking=True))
            return out.last_hidden_state.cpu(), out.pooler_output.cpu()

        static_ids = ids_host.cuda()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream), torch.no_grad():
            for _ in range(3):
                model(static_ids)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph), torch.no_grad():
            static_out = model(static_ids)

        def replay():
            static_ids.copy_(ids_host, non_blocking=True)
            graph.replay()
            return static_out.last_hidden_state.cpu(), static_out.pooler_output.cpu()

        for mode, fn in (("eager", eager), ("graph", replay)):
            med, best = timed(fn, a.runs)
            print(f"torch {mode} {shape} median_ms {med:.4f} min_ms {best:.4f}", flush=True)


if __name__ == "__main__":
    main()
