/* two_libraries.c: two albertc libraries, `one` and `two` (different models),
 * linked statically into one program, where they share one copy of the
 * runtime and so one registry of handles. Each library's API must refuse the
 * other's handles; both must keep working.
 *   two_libraries ONE_DIR TWO_DIR */
#include "one.h"
#include "two.h"

#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  one_model *a;
  two_model *b;
  if (one_open(argv[1], NULL, &a) || two_open(argv[2], NULL, &b)) {
    printf("open failed: %s\n", one_error(NULL));
    return 1;
  }
  int32_t ids[5] = {2, 5, 7, 9, 3};
  printf("one_run: %d\n", one_run(a, 1, 5, ids, NULL, NULL));
  printf("two_run: %d\n", two_run(b, 1, 5, ids, NULL, NULL));
  /* one's handle through two's API: refused, and two's error says why. */
  printf("two_run(one's handle): %d %s\n", two_run((two_model *)a, 1, 5, ids, NULL, NULL),
         two_error((two_model *)a));
  const float *d;
  printf("two_output(one's handle): %d\n", two_output((two_model *)a, 0, &d, NULL, NULL));
  two_close((two_model *)a); /* not two's to close: nothing happens */
  printf("one_run after two_close(one's handle): %d\n", one_run(a, 1, 5, ids, NULL, NULL));
  one_close(a);
  two_close(b);
  return 0;
}
