/* A program linked with a static albertc library whose Halide allocations
 * fail: it replaces Halide's weak halide_malloc with one that returns NULL
 * for blocks over 64 KiB once `failing` is set, then runs a batch large
 * enough that the kernels allocate such blocks. */
#include "tiny.h"

#include <stdio.h>
#include <stdlib.h>

static int failing;

void *halide_malloc(void *user_context, size_t size) {
  (void)user_context;
  if (failing && size > 65536) return NULL;
  return aligned_alloc(128, (size + 127) / 128 * 128);
}

void halide_free(void *user_context, void *ptr) {
  (void)user_context;
  free(ptr);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  tiny_model *m;
  if (tiny_open(argv[1], NULL, &m) != ALBERT_OK) {
    printf("open: %s\n", tiny_error(NULL));
    return 1;
  }
  enum { B = 64, S = 64 };
  static int32_t ids[B * S];
  for (int i = 0; i < B * S; ++i) ids[i] = i % 50;
  printf("run: %d\n", tiny_run(m, B, S, ids, NULL, NULL));
  failing = 1;
  int rc = tiny_run(m, B, S, ids, NULL, NULL);
  printf("run without memory: %d (ALBERT_OUT_OF_MEMORY is %d) %s\n", rc, ALBERT_OUT_OF_MEMORY,
         tiny_error(m));
  failing = 0;
  printf("run again: %d\n", tiny_run(m, B, S, ids, NULL, NULL));
  tiny_close(m);
  return 0;
}
