// Parallel-loop trace of a compiled model: how busy the threads are inside the kernels' parallel
// loops, and how much of a run is outside them. It answers "is 2 threads' shortfall from 2x the
// work or the waiting?" for the runtime's loop scheduler (runtime/src/runtime.c,
// albert_do_par_for) and the GEMMs' task sizes (codegen/Matmul.cpp).
//   cc -O2 -I DIR loop_trace.c DIR/libalbert.a -o loop_trace -lpthread -ldl -lm
//   ./loop_trace DIR BATCH SEQ THREADS RUNS [loops]
// DIR: an `albertc compile` folder with the default name (albert). Links its static library and
// wraps the Halide runtime's do_par_for handler (after open: halide_set_custom_do_par_for), so
// every parallel loop of a run is timed, and every task in it. Prints per run: the time, the
// loops, the share of the run inside them, busy / (wall x threads) over the loops (1.0: no
// thread ever waited), and the time outside them (serial code). With `loops`, the last run's
// first 12 loops one by one. Random token ids, no padding; 3 untimed runs first.
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "albert.h"

typedef int (*task_t)(void *user_context, int index, uint8_t *closure);
typedef int (*par_for_t)(void *, task_t, int, int, uint8_t *);
par_for_t halide_set_custom_do_par_for(par_for_t);

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

struct loop {
  task_t task;
  uint8_t *closure;
  _Atomic long busy_ns;
};

enum { kMaxLoops = 8192 };
static struct { int size; double wall_us, busy_us; } loops[kMaxLoops];
static int nloops, recording;
static __thread int in_task; /* nested loops count as their task's time */
static par_for_t library_par_for;

static int timed_task(void *user_context, int index, uint8_t *closure) {
  struct loop *l = (struct loop *)closure;
  double start = now_us();
  in_task = 1;
  int rc = l->task(user_context, index, l->closure);
  in_task = 0;
  atomic_fetch_add(&l->busy_ns, (long)((now_us() - start) * 1000));
  return rc;
}

static int traced_par_for(void *user_context, task_t task, int min, int size, uint8_t *closure) {
  if (in_task || !recording) return library_par_for(user_context, task, min, size, closure);
  struct loop l = {task, closure, 0};
  double start = now_us();
  int rc = library_par_for(user_context, timed_task, min, size, (uint8_t *)&l);
  if (nloops < kMaxLoops) {
    loops[nloops].size = size;
    loops[nloops].wall_us = now_us() - start;
    loops[nloops].busy_us = atomic_load(&l.busy_ns) / 1000.0;
    nloops++;
  }
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s DIR BATCH SEQ THREADS RUNS [loops]\n", argv[0]);
    return 2;
  }
  int batch = atoi(argv[2]), seq = atoi(argv[3]), threads = atoi(argv[4]), runs = atoi(argv[5]);
  albert_options options = {threads};
  albert_model *m = NULL;
  if (albert_open(argv[1], &options, &m) != ALBERT_OK) {
    fprintf(stderr, "open: %s\n", albert_error(NULL));
    return 1;
  }
  library_par_for = halide_set_custom_do_par_for(traced_par_for);
  int64_t vocab = 0;
  albert_limits(&vocab, NULL, NULL);
  int32_t *ids = malloc(sizeof(int32_t) * batch * seq);
  srand(1);
  for (int i = 0; i < batch * seq; i++) ids[i] = 5 + rand() % (int)(vocab - 5);
  for (int i = 0; i < 3; i++)
    if (albert_run(m, batch, seq, ids, NULL, NULL) != ALBERT_OK) {
      fprintf(stderr, "run: %s\n", albert_error(m));
      return 1;
    }
  double total = 0, in_loops = 0, busy = 0;
  int count = 0;
  for (int r = 0; r < runs; r++) {
    nloops = 0;
    recording = 1;
    double start = now_us();
    albert_run(m, batch, seq, ids, NULL, NULL);
    total += now_us() - start;
    recording = 0;
    count += nloops;
    for (int i = 0; i < nloops; i++) in_loops += loops[i].wall_us, busy += loops[i].busy_us;
    if (r == runs - 1 && argc > 6)
      for (int i = 0; i < nloops && i < 12; i++)
        printf("  loop %2d: %4d tasks, %8.1f us, busy / (wall x threads) %.2f\n", i, loops[i].size,
               loops[i].wall_us, loops[i].busy_us / (loops[i].wall_us * threads));
  }
  printf("%d x %d, %d threads: run %.2f ms, %d parallel loops, %.0f%% of the run in them, ",
         batch, seq, threads, total / runs / 1000, count / runs, 100 * in_loops / total);
  if (count) printf("busy / (wall x threads) %.3f, ", busy / (in_loops * threads));
  printf("outside them %.2f ms\n", (total - in_loops) / runs / 1000);
  albert_close(m);
  free(ids);
  return 0;
}
