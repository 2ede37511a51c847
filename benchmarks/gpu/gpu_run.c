/*===- gpu_run.c - run an albertc library where albertc itself is absent ---===*
 *
 * The GPU machine has a driver but none of albertc's build dependencies
 * (LLVM, MLIR, Halide), so the GPU check carries the compiled libraries and
 * this small C program, which dlopens one and:
 *
 *   gpu_run LIB NAME WEIGHTS --inputs DIR --out DIR
 *       runs ids.npy / attention_mask.npy / token_type_ids.npy from DIR
 *       ([batch, seq], or [batch, choices, seq] for multiple choice; int32 or
 *       int64) and writes every output as DIR/<output name>.npy (float32);
 *   gpu_run LIB NAME WEIGHTS --random BATCH SEQ [--runs N]
 *       times N runs (after 5 warm-ups) on random ids, all attended, and
 *       prints "time_ms median M min M" (and, with GPU_RUN_RSS set, the
 *       resident memory after the runs on stderr) — a run is inputs in from host
 *       arrays, outputs back into host memory.
 *
 * Build: cc -O2 -o gpu_run gpu_run.c -ldl
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*open_fn)(const char *, const void *, void **);
typedef int (*run_fn)(void *, int64_t, int64_t, const int32_t *, const int32_t *, const int32_t *);
typedef int (*run_choices_fn)(void *, int64_t, int64_t, int64_t, const int32_t *,
                              const int32_t *, const int32_t *);
typedef int (*output_fn)(const void *, int, const float **, int64_t[3], int *);
typedef const char *(*name_fn)(int);
typedef int (*count_fn)(void);
typedef const char *(*error_fn)(const void *);
typedef const char *(*task_fn)(void);
typedef void (*limits_fn)(int64_t *, int64_t *, int64_t *);
typedef void (*close_fn)(void *);

static void *lib;
static const char *prefix;

/* With GPU_RUN_RSS set: the process's resident memory now (after the runs),
 * on stderr, "rss_kib N". */
static void print_rss(void) {
  if (!getenv("GPU_RUN_RSS")) return;
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) fprintf(stderr, "rss_kib %ld\n", atol(line + 6));
  if (f) fclose(f);
}

static void *sym(const char *suffix) {
  char name[256];
  snprintf(name, sizeof name, "%s_%s", prefix, suffix);
  void *p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "gpu_run: %s not found in the library\n", name);
    exit(2);
  }
  return p;
}

/* A .npy array of int32 or int64 (converted to int32), rank 1 to 3. */
typedef struct {
  int rank;
  int64_t shape[3];
  int32_t *data;
} ints;

static int read_npy(const char *path, ints *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  unsigned char magic[10];
  if (fread(magic, 1, 10, f) != 10 || memcmp(magic, "\x93NUMPY", 6) != 0) {
    fclose(f);
    return 0;
  }
  size_t hlen = magic[8] | (magic[9] << 8);
  if (magic[6] >= 2) { /* version 2: 4-byte header length */
    unsigned char more[2];
    if (fread(more, 1, 2, f) != 2) return fclose(f), 0;
    hlen |= ((size_t)more[0] << 16) | ((size_t)more[1] << 24);
  }
  char *header = calloc(1, hlen + 1);
  if (fread(header, 1, hlen, f) != hlen) return fclose(f), free(header), 0;
  int bytes = strstr(header, "<i8") ? 8 : strstr(header, "<i4") ? 4 : 0;
  char *s = strstr(header, "'shape': (");
  if (!bytes || !s || strstr(header, "'fortran_order': True")) {
    fprintf(stderr, "gpu_run: %s: need a C-order int32/int64 array\n", path);
    exit(2);
  }
  s += strlen("'shape': (");
  out->rank = 0;
  int64_t count = 1;
  while (*s && *s != ')' && out->rank < 3) {
    out->shape[out->rank] = strtoll(s, &s, 10);
    count *= out->shape[out->rank++];
    while (*s == ',' || *s == ' ') ++s;
  }
  free(header);
  if (out->rank < 1 || count < 1) {
    fprintf(stderr, "gpu_run: %s: need a non-empty array of rank 1 to 3\n", path);
    exit(2);
  }
  out->data = malloc((size_t)count * sizeof(int32_t));
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = 0;
    if (bytes == 8) {
      if (fread(&v, 8, 1, f) != 1) return fclose(f), 0;
    } else {
      int32_t w;
      if (fread(&w, 4, 1, f) != 1) return fclose(f), 0;
      v = w;
    }
    out->data[i] = (int32_t)v;
  }
  fclose(f);
  return 1;
}

static void write_npy(const char *path, const float *data, const int64_t *shape, int rank) {
  char dims[128] = "";
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    char one[32];
    snprintf(one, sizeof one, "%lld%s", (long long)shape[d], rank == 1 || d + 1 < rank ? ", " : "");
    strcat(dims, one);
    count *= shape[d];
  }
  char header[256];
  int n = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }",
                   dims);
  int total = 10 + n + 1;
  int pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "gpu_run: cannot write %s\n", path);
    exit(2);
  }
  unsigned short hlen = (unsigned short)(n + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fwrite(&hlen, 2, 1, f);
  fwrite(header, 1, (size_t)n, f);
  for (int i = 0; i < pad; ++i) fputc(' ', f);
  fputc('\n', f);
  fwrite(data, sizeof(float), (size_t)count, f);
  fclose(f);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: gpu_run LIB NAME WEIGHTS (--inputs DIR --out DIR | --random B S "
                    "[--runs N])\n");
    return 2;
  }
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "gpu_run: %s\n", dlerror());
    return 2;
  }
  prefix = argv[2];
  open_fn open = (open_fn)sym("open");
  error_fn error = (error_fn)sym("error");
  task_fn task = (task_fn)sym("task");
  int choices = strcmp(task(), "multiple-choice") == 0;
  void *model = NULL;
  if (open(argv[3], NULL, &model) != 0) {
    fprintf(stderr, "gpu_run: %s\n", error(NULL));
    return 1;
  }
  ints ids = {0}, mask = {0}, tt = {0};
  const char *out_dir = NULL;
  int runs = 0;
  if (strcmp(argv[4], "--inputs") == 0 && argc >= 8) {
    char path[4096];
    snprintf(path, sizeof path, "%s/ids.npy", argv[5]);
    if (!read_npy(path, &ids)) {
      fprintf(stderr, "gpu_run: cannot read %s\n", path);
      return 2;
    }
    snprintf(path, sizeof path, "%s/attention_mask.npy", argv[5]);
    read_npy(path, &mask);
    snprintf(path, sizeof path, "%s/token_type_ids.npy", argv[5]);
    read_npy(path, &tt);
    out_dir = argv[7];
  } else if (strcmp(argv[4], "--random") == 0 && argc >= 7 && !choices) {
    int64_t vocab = 0;
    ((limits_fn)sym("limits"))(&vocab, NULL, NULL);
    ids.rank = 2;
    ids.shape[0] = atoll(argv[5]);
    ids.shape[1] = atoll(argv[6]);
    ids.data = malloc((size_t)(ids.shape[0] * ids.shape[1]) * sizeof(int32_t));
    srand(1);
    for (int64_t i = 0; i < ids.shape[0] * ids.shape[1]; ++i) ids.data[i] = rand() % (int)vocab;
    runs = argc >= 9 && strcmp(argv[7], "--runs") == 0 ? atoi(argv[8]) : 50;
    if (runs < 1 || ids.shape[0] < 1 || ids.shape[1] < 1) {
      fprintf(stderr, "gpu_run: --random needs B, S and --runs >= 1\n");
      return 2;
    }
  } else {
    fprintf(stderr, "gpu_run: expected --inputs DIR --out DIR, or --random B S [--runs N] (not "
                    "for multiple-choice models)\n");
    return 2;
  }
  /* The mask and token types, when given, have the ids' shape. */
  const ints *given[2] = {&mask, &tt};
  for (int k = 0; k < 2; ++k)
    if (given[k]->data && (given[k]->rank != ids.rank ||
                           memcmp(given[k]->shape, ids.shape, sizeof ids.shape) != 0)) {
      fprintf(stderr, "gpu_run: attention_mask / token_type_ids must have the ids' shape\n");
      return 2;
    }
  if (ids.rank != (choices ? 3 : 2)) {
    fprintf(stderr, "gpu_run: ids must be [batch, %sseq]\n", choices ? "choices, " : "");
    return 2;
  }
  int64_t batch = ids.shape[0], nc = choices ? ids.shape[1] : 1, seq = ids.shape[ids.rank - 1];
  int rc;
  void *run = sym("run");
#define RUN()                                                                                     \
  (choices ? ((run_choices_fn)run)(model, batch, nc, seq, ids.data, mask.data, tt.data)          \
           : ((run_fn)run)(model, batch, seq, ids.data, mask.data, tt.data))
  if (out_dir) {
    if ((rc = RUN()) != 0) {
      fprintf(stderr, "gpu_run: run: %s\n", error(model));
      return 1;
    }
    int n = ((count_fn)sym("num_outputs"))();
    for (int i = 0; i < n; ++i) {
      const float *data;
      int64_t shape[3];
      int rank;
      if (((output_fn)sym("output"))(model, i, &data, shape, &rank) != 0) {
        fprintf(stderr, "gpu_run: output: %s\n", error(model));
        return 1;
      }
      char path[4096];
      snprintf(path, sizeof path, "%s/%s.npy", out_dir, ((name_fn)sym("output_name"))(i));
      write_npy(path, data, shape, rank);
    }
  } else {
    double *t = malloc((size_t)runs * sizeof(double));
    for (int i = 0; i < 5 + runs; ++i) {
      double t0 = now_ms();
      if ((rc = RUN()) != 0) {
        fprintf(stderr, "gpu_run: run: %s\n", error(model));
        return 1;
      }
      if (i >= 5) t[i - 5] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    printf("time_ms median %.4f min %.4f\n", t[runs / 2], t[0]);
    print_rss();
  }
  ((close_fn)sym("close"))(model);
  return 0;
}
