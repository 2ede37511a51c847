/* albert_demo.c - a C program using a library made by `albertc compile`.
 *
 *   albertc compile MODEL -o out
 *   cc examples/albert_demo.c -Iout -Lout -lalbert -Wl,-rpath,$PWD/out -o demo
 *   ./demo out
 *
 * Runs a batch of two sequences (the second one padded) and prints each
 * output's shape and first values.
 */
#include <stdio.h>
#include <stdlib.h>

#include "albert.h"

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  albert_options options = {.num_threads = 2};
  albert_model *model = NULL;
  if (albert_open(dir, &options, &model) != ALBERT_OK) {
    fprintf(stderr, "albert_open: %s\n", albert_error(NULL));
    return 1;
  }

  int64_t vocab, types, max_seq;
  albert_limits(&vocab, &types, &max_seq);
  enum { BATCH = 2, SEQ = 6 };
  int32_t ids[BATCH * SEQ], mask[BATCH * SEQ];
  for (int i = 0; i < BATCH * SEQ; ++i) {
    ids[i] = (int32_t)((7 * i + 3) % vocab);
    mask[i] = !(i / SEQ == 1 && i % SEQ >= 4); /* row 1: last two tokens are padding */
  }
  if (albert_run(model, BATCH, SEQ, ids, mask, NULL) != ALBERT_OK) {
    fprintf(stderr, "albert_run: %s\n", albert_error(model));
    albert_close(model);
    return 1;
  }

  for (int i = 0; i < albert_num_outputs(); ++i) {
    const float *data;
    int64_t shape[3];
    int rank;
    albert_output(model, i, &data, shape, &rank); /* library-owned until the next run */
    printf("%s: [", albert_output_name(i));
    for (int d = 0; d < rank; ++d) printf("%s%lld", d ? ", " : "", (long long)shape[d]);
    printf("] first values:");
    for (int k = 0; k < 4; ++k) printf(" %.5f", data[k]);
    printf("\n");
  }
  albert_close(model);
  return 0;
}
