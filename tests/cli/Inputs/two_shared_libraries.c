/* two_shared_libraries.c: two albertc shared libraries dlopen'ed into one
 * process, each with its own copy of the runtime and so its own registry of
 * handles. No handle of one may be taken for a handle of the other: its run
 * refuses it, its close leaves it open. 600 handles in each, more than one
 * chunk of registry slots, so lookups cross chunks. (Tickets used to carry a
 * 12-bit tag of the registry's address, equal for libraries loaded a multiple
 * of 16 MiB apart; this test does not force such a placement: they are now
 * slot addresses, distinct by construction.)
 *   two_shared_libraries LIB_A DIR_A NAME_A LIB_B DIR_B NAME_B */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

typedef int (*open_fn)(const char *, const void *, void **);
typedef int (*run_fn)(void *, int64_t, int64_t, const int32_t *, const int32_t *,
                      const int32_t *);
typedef void (*close_fn)(void *);

typedef struct api {
  open_fn open;
  run_fn run;
  close_fn close;
} api;

static int load(const char *lib, const char *name, api *a) {
  void *so = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
  if (!so) return 1;
  char s[128];
  snprintf(s, sizeof s, "%s_open", name);
  a->open = (open_fn)dlsym(so, s);
  snprintf(s, sizeof s, "%s_run", name);
  a->run = (run_fn)dlsym(so, s);
  snprintf(s, sizeof s, "%s_close", name);
  a->close = (close_fn)dlsym(so, s);
  return !a->open || !a->run || !a->close;
}

enum { N = 600 };

int main(int argc, char **argv) {
  if (argc != 7) return 2;
  api a, b;
  if (load(argv[1], argv[3], &a) || load(argv[4], argv[6], &b)) {
    printf("cannot load: %s\n", dlerror());
    return 1;
  }
  static void *ha[N], *hb[N];
  for (int i = 0; i < N; ++i)
    if (a.open(argv[2], NULL, &ha[i]) || b.open(argv[5], NULL, &hb[i])) {
      printf("open %d failed\n", i);
      return 1;
    }
  int32_t ids[5] = {2, 5, 7, 9, 3};
  int same = 0, accepted = 0;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) same += ha[i] == hb[j];
  for (int i = 0; i < N; i += 7) {
    accepted += b.run(ha[i], 1, 5, ids, NULL, NULL) == 0;
    accepted += a.run(hb[i], 1, 5, ids, NULL, NULL) == 0;
    b.close(ha[i]); /* not b's: nothing happens */
  }
  int still_open = 0;
  for (int i = 0; i < N; i += 7) still_open += a.run(ha[i], 1, 5, ids, NULL, NULL) == 0;
  printf("equal tickets: %d, accepted by the other library: %d, still open: %d of %d\n", same,
         accepted, still_open, (N + 6) / 7);
  for (int i = 0; i < N; ++i) {
    a.close(ha[i]);
    b.close(hb[i]);
  }
  return 0;
}
