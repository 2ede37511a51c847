/*===- runtime.c - weights, buffers, validation, calls into kernels -------===*/

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "albert/albert_runtime.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#define ROW_BLOCK 8
#define ERROR_SIZE 512

struct albert_rt_handle {
  const albert_rt_model *model;
  struct weights_copy *copy; /* the weights file's bytes in memory; NULL when embedded */
  halide_buffer_t *weights;
  halide_dimension_t *weight_dims;
  halide_buffer_t *values;
  halide_dimension_t *value_dims; /* 2 per value */
  float *arena;
  size_t arena_bytes;
  int32_t *inputs; /* ids, mask, tt copies: 3 * batch * seq */
  size_t inputs_count;
  halide_dimension_t input_dims[3][2];
  albert_rt_exec exec;
  int has_run;
  int64_t choices; /* of the last run, for multiple-choice models */
  void *tokenizer;  /* model->tokenizer_open's, when the library has one */
  /* GPU libraries: the device API, and the device arena (a byte buffer
   * whose allocation the inputs and values are views of). */
  const struct halide_device_interface_t *device;
  halide_buffer_t device_arena; /* 2-D: rows of 1 MiB, so it may exceed 2 GiB */
  halide_dimension_t device_arena_dim[2];
  size_t device_bytes; /* its capacity */
  uint64_t device_base;
  /* Guarded by registry_lock: calls in flight, whether one of them is a run
   * or an output read (one thread at a time may make those), and whether
   * close came while some were (the last one out frees the handle). */
  int users;
  int busy;
  int closing;
  uint64_t ticket; /* what open gave the caller */
  char error[ERROR_SIZE];
};

/* Halide's thread pool (its runtime, linked into every library): an idle
 * worker calls halide_thread_yield up to 40 times, then sleeps on a condition
 * variable, and waking it for the next parallel loop costs 7-25 us on the
 * dev machine (KVM), per loop; a layer has about 8. Halide's own version is
 * sched_yield, which returns at once when the core has nothing else to run,
 * so workers slept between the parallel loops of a run. This one (it
 * replaces Halide's weak definition) waits about 2 us per call, so a worker
 * spins about 80 us before it sleeps: long enough to bridge the gaps inside
 * a run, short enough that nothing spins once a run has returned. Measured
 * (ALBERT-base, 2 threads, alternating runs): 1 x 32 22.9 -> 20.7 ms, 1 x 128
 * 85.0 -> 81.0 ms, 8 x 128 unchanged (636 / 635 ms). */
void halide_thread_yield(void) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 2000);
}

/* Halide's heap allocations: a kernel's intermediates that do not fit its
 * stack (ALBERT-base's encoder kernel: its QKV and FFN activations and a few
 * row blocks, and the attention's key and score buffers per head, ~45 per
 * call) are allocated and freed by every call. glibc serves the large ones
 * with mmap, or from the top of its heap, which it trims when they are freed
 * and grows again at the next call, so a run can fault its intermediates'
 * pages in (zero-filled) every time, depending on the sizes and on what else
 * the process allocates: ALBERT-base 1 x 16 took 478 page faults per run
 * (1 x 8 47, 1 x 32 5, 1 x 128 none), and halide_malloc, halide_free and the
 * first touches were ~4% of its encoder's time. The first open installs
 * these (halide_set_custom_malloc / _free) unless the program has its own (set
 * before the first open, or a halide_malloc of its own in a static link): a
 * cache of freed blocks (HOST_CACHE_BLOCKS of them, HOST_CACHE_BYTES in all).
 * An allocation takes the smallest cached block that fits and is at most
 * twice its size (or 64 KiB over), a free keeps the block while the cache has
 * room; so from a library's second run at a shape on, its kernels allocate
 * nothing. The last close empties it.
 * A block: HOST_ALIGN bytes of header (its capacity, then a tag), the
 * capacity, HOST_ALIGN bytes of slack (Halide may read a little past the end).
 * The tag, the block's address xor HOST_TAG (never a user-space address),
 * tells host_free a block of its own from one another allocator made (Halide's
 * default one before the install, a program's): those go to Halide's default
 * free, which the other allocators' blocks of a static link are made for. */
#define HOST_CACHE_BLOCKS 64
#define HOST_CACHE_BYTES ((size_t)256 << 20)
#define HOST_ALIGN 64 /* halide_malloc_alignment() in Halide 14 */
#define HOST_TAG ((uintptr_t)0xa1be7c0000000000u)
static pthread_mutex_t host_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static void *host_cache[HOST_CACHE_BLOCKS];
static int host_cached;
static size_t host_cached_bytes;
static __thread int host_malloc_calls; /* for install_host_allocator's probe */

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

static size_t *host_capacity(void *p) { return (size_t *)((char *)p - 2 * sizeof(size_t)); }
static uintptr_t *host_tag(void *p) { return (uintptr_t *)((char *)p - sizeof(uintptr_t)); }

static void empty_host_cache(void);

static void *host_malloc(void *user_context, size_t size) {
  (void)user_context;
  ++host_malloc_calls;
  pthread_mutex_lock(&host_cache_lock);
  int best = -1;
  for (int i = 0; i < host_cached; ++i) {
    size_t c = *host_capacity(host_cache[i]);
    if (c >= size && (c <= 2 * size || c - size <= ((size_t)64 << 10)) &&
        (best < 0 || c < *host_capacity(host_cache[best])))
      best = i;
  }
  if (best >= 0) {
    void *p = host_cache[best];
    host_cache[best] = host_cache[--host_cached];
    host_cached_bytes -= *host_capacity(p);
    pthread_mutex_unlock(&host_cache_lock);
    return p;
  }
  pthread_mutex_unlock(&host_cache_lock);
  /* Whole 64-byte lines; large blocks whole 4 KiB pages, so that sizes a
   * little apart share them. */
  if (size > SIZE_MAX / 2) return NULL;
  size_t capacity = size < ((size_t)64 << 10) ? round64(size) : (size + 4095) & ~(size_t)4095;
  void *base = NULL;
  if (posix_memalign(&base, HOST_ALIGN, HOST_ALIGN + capacity + HOST_ALIGN)) {
    /* Out of memory: give the cache's blocks back, then try once more. */
    empty_host_cache();
    if (posix_memalign(&base, HOST_ALIGN, HOST_ALIGN + capacity + HOST_ALIGN)) return NULL;
  }
  void *p = (char *)base + HOST_ALIGN;
  *host_capacity(p) = capacity;
  *host_tag(p) = (uintptr_t)p ^ HOST_TAG;
  return p;
}

static void host_free(void *user_context, void *p) {
  if (!p) return;
  if (*host_tag(p) != ((uintptr_t)p ^ HOST_TAG)) {
    halide_default_free(user_context, p);
    return;
  }
  size_t capacity = *host_capacity(p);
  pthread_mutex_lock(&host_cache_lock);
  if (host_cached < HOST_CACHE_BLOCKS && capacity <= HOST_CACHE_BYTES - host_cached_bytes) {
    host_cache[host_cached++] = p;
    host_cached_bytes += capacity;
    p = NULL;
  }
  pthread_mutex_unlock(&host_cache_lock);
  if (p) {
    *host_tag(p) = 0;
    free((char *)p - HOST_ALIGN);
  }
}

/* Installs host_malloc / host_free unless the program has its own: hooks it
 * set (halide_set_custom_malloc / _free), or a halide_malloc it defined in a
 * static link (Halide's weak one, which calls the hook, replaced: a probe
 * allocation finds host_malloc not called). */
static void install_host_allocator(void) {
  halide_malloc_t m = halide_set_custom_malloc(host_malloc);
  halide_free_t f = halide_set_custom_free(host_free);
  if (m != halide_default_malloc || f != halide_default_free) {
    halide_set_custom_malloc(m);
    halide_set_custom_free(f);
    return;
  }
  host_malloc_calls = 0;
  void *probe = halide_malloc(NULL, 64);
  int ours = host_malloc_calls > 0;
  halide_free(NULL, probe);
  if (!ours) {
    halide_set_custom_malloc(m);
    halide_set_custom_free(f);
  }
}

/* Frees the cached blocks (blocks in use stay with their kernels, which free
 * them into the cache again). */
static void empty_host_cache(void) {
  pthread_mutex_lock(&host_cache_lock);
  for (int i = 0; i < host_cached; ++i) free((char *)host_cache[i] - HOST_ALIGN);
  host_cached = 0;
  host_cached_bytes = 0;
  pthread_mutex_unlock(&host_cache_lock);
}

/* Parallel loops. Halide's own do_par_for hands a loop's tasks out one at a
 * time in index order, so with T threads a thread's consecutive tasks are T
 * apart: a GEMM task that prefetches the weight panel after its own
 * (codegen/Matmul.cpp, prefetchNextPanel) prefetches it for another core, and
 * tasks had to be long runs of panels (8 per loop) for the prefetch to pay.
 * With 8 tasks on 2 cores whose speed the host varies from moment to moment
 * (fma_peak pinned to each vCPU in turn, within a minute: 114 and 84
 * GFLOP/s, then 164 and 158), a loop ended with one core idle for up to a
 * task: traced at ALBERT-base 1 x 32 on 2 threads, 7.7% of the threads'
 * time in the parallel loops (busy / (wall x 2) = 0.92).
 * This one (installed at the first open: halide_set_custom_do_par_for) gives
 * each of min(T, tasks) slots a contiguous range of the tasks, which the
 * thread running the slot takes from the front, in order, so a task's next
 * panel is that thread's next task; a thread whose range is done takes tasks
 * from the back of the others' ranges, one at a time, until none is left.
 * Each range is one 64-bit word (next, end) changed by compare-and-swap. The
 * slots themselves run on Halide's pool (halide_default_do_par_for), which
 * keeps its threads, its nesting and its error handling; each task goes
 * through halide_do_task, as under Halide's own loop. A handler the program
 * installed before the first open (a static link: halide_set_custom_do_par_for)
 * is left in place. */
static _Atomic int par_threads_set; /* the size an open asked for; 0: the default */
static int par_threads_default;      /* set once, with the handler */

/* Halide's pool has at most 256 threads (halide_set_num_threads clamps). */
static int clamp_threads(int n) { return n < 1 ? 1 : n > 256 ? 256 : n; }

static int par_threads(void) {
  int n = atomic_load_explicit(&par_threads_set, memory_order_relaxed);
  return n > 0 ? n : par_threads_default;
}

struct par_range {
  _Alignas(64) _Atomic uint64_t next_end; /* next task: low 32 bits; end: high 32 */
};

struct par_job {
  halide_task_t task;
  uint8_t *closure;
  int min, slots;
  _Atomic int status; /* the first failing task's result */
  struct par_range *ranges;
};

/* Takes the task at the front (front != 0) or the back of a range. */
static int par_take(struct par_range *r, int front, uint32_t *index) {
  uint64_t v = atomic_load_explicit(&r->next_end, memory_order_relaxed);
  for (;;) {
    uint32_t next = (uint32_t)v, end = (uint32_t)(v >> 32);
    if (next >= end) return 0;
    uint64_t taken = front ? (uint64_t)end << 32 | (next + 1) : (uint64_t)(end - 1) << 32 | next;
    if (atomic_compare_exchange_weak_explicit(&r->next_end, &v, taken, memory_order_acq_rel,
                                              memory_order_relaxed)) {
      *index = front ? next : end - 1;
      return 1;
    }
  }
}

static int par_run(void *user_context, struct par_job *job, uint32_t index) {
  if (atomic_load_explicit(&job->status, memory_order_relaxed)) return 0;
  int rc = halide_do_task(user_context, job->task, job->min + (int)index, job->closure);
  if (rc) {
    int none = 0;
    atomic_compare_exchange_strong(&job->status, &none, rc);
  }
  return 1;
}

static int par_slot(void *user_context, int slot, uint8_t *closure) {
  struct par_job *job = (struct par_job *)closure;
  uint32_t index;
  while (par_take(&job->ranges[slot], 1, &index))
    if (!par_run(user_context, job, index)) return 0;
  for (int k = 1; k < job->slots; ++k)
    while (par_take(&job->ranges[(slot + k) % job->slots], 0, &index))
      if (!par_run(user_context, job, index)) return 0;
  return 0;
}

static int albert_do_par_for(void *user_context, halide_task_t task, int min, int size,
                             uint8_t *closure) {
  int slots = par_threads();
  if (slots > size) slots = size;
  if (slots <= 1) return halide_default_do_par_for(user_context, task, min, size, closure);
  struct par_range ranges[slots];
  for (int s = 0; s < slots; ++s)
    atomic_init(&ranges[s].next_end,
                (uint64_t)((int64_t)size * (s + 1) / slots) << 32 |
                    (uint32_t)((int64_t)size * s / slots));
  struct par_job job = {task, closure, min, slots, 0, ranges};
  int rc = halide_default_do_par_for(user_context, par_slot, 0, slots, (uint8_t *)&job);
  int status = atomic_load(&job.status);
  return status ? status : rc;
}

static void install_do_par_for(void) {
  /* Halide's default_desired_num_threads: HL_NUM_THREADS, else the cores;
   * read once, as Halide reads them once when its pool starts. */
  const char *s = getenv("HL_NUM_THREADS");
  if (!s) s = getenv("HL_NUMTHREADS");
  int n = s ? atoi(s) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  par_threads_default = clamp_threads(n);
  halide_do_par_for_t previous = halide_set_custom_do_par_for(albert_do_par_for);
  if (previous != halide_default_do_par_for) halide_set_custom_do_par_for(previous);
}

static __thread char open_error[ERROR_SIZE];
/* Why this thread's last call with a handle that is not open failed, and
 * that handle. */
static __thread char stale_error[ERROR_SIZE];
static __thread const void *stale_ticket;
/* Why this thread's last call with a handle that another thread was using
 * (run, output) was refused, and that handle. */
static __thread char busy_error[ERROR_SIZE];
static __thread const void *busy_ticket;
/* Why this thread's last call with a handle, a tokenizer call, failed, and
 * that handle: tokenizer calls may run on many threads at once, so their
 * errors are per thread (a run or an output call, one thread at a time,
 * writes the handle's). */
static __thread char tok_error[ERROR_SIZE];
static __thread const void *tok_ticket;
/* The last message Halide reported on this thread (assertions, bounds). */
static __thread char halide_message[ERROR_SIZE];

static void on_halide_error(void *user_context, const char *msg) {
  (void)user_context;
  snprintf(halide_message, sizeof halide_message, "%s", msg);
  size_t n = strlen(halide_message);
  while (n && (halide_message[n - 1] == '\n')) halide_message[--n] = 0;
}

static int fail(char *buf, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, ERROR_SIZE, fmt, ap);
  va_end(ap);
  return code;
}

/* --- Live handles -----------------------------------------------------------
 * What open gives the caller is a ticket, not the handle's address: the
 * address of the handle's slot in the registry below, with that slot's
 * generation in the bits above it (x86-64 user addresses fit in 47 bits).
 * Every entry point looks the ticket up under registry_lock, so a handle used
 * after close, one never opened, or one of another albertc library in the
 * process is reported, not dereferenced. Every shared library has its own
 * copy of this runtime, and so its own registry (static libraries linked into
 * one program share one, and lookup_locked refuses another library's
 * handles); slots live in chunks that never move and are never freed while
 * the library is loaded, so no two libraries loaded together ever give out
 * the same ticket (a tag derived from the registry's address could
 * coincide). Unloaded with no handle open, a library frees its chunks
 * (free_registry), and a library loaded later may get that memory: a ticket
 * of the unloaded library, given to the new one, could then name one of its
 * slots (a handle outlives its library only in a program that is already
 * wrong: unloading with a handle open keeps the registry). The
 * generation catches a stale ticket whose slot a later open reused (a plain
 * address registry cannot: malloc hands the same address out again); a slot
 * whose generation would wrap is retired instead of reused. */
_Static_assert(sizeof(uintptr_t) == 8, "tickets need 64-bit pointers");
#define ADDRESS_BITS 47
#define MAX_GENERATION (((uint32_t)1 << (64 - ADDRESS_BITS)) - 1)
#define CHUNK_SLOTS 256
#define MAX_CHUNKS 4096 /* up to 2^20 handles open at once */

typedef struct registry_slot {
  albert_rt_handle *handle; /* NULL when free */
  uint32_t generation;      /* 1..MAX_GENERATION; bumped at every close */
  uint32_t next_free;
} registry_slot;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static registry_slot *chunks[MAX_CHUNKS];
static uint32_t num_slots;
static uint32_t free_slot = UINT32_MAX;
static uint32_t open_handles; /* registered, not yet closed */

static registry_slot *slot_at(uint32_t i) { return &chunks[i / CHUNK_SLOTS][i % CHUNK_SLOTS]; }

/* At dlclose (or exit): the registry's chunks, when no handle is open (an
 * open one is the application's to close; its slot stays). A call with a
 * stale ticket after this finds no slot (num_slots is 0) and is refused.
 * Without it every dlopen/open/close/dlclose cycle left a 4 KiB chunk. */
__attribute__((destructor)) static void free_registry(void) {
  pthread_mutex_lock(&registry_lock);
  for (uint32_t i = 0; i < num_slots; ++i)
    if (slot_at(i)->handle) {
      pthread_mutex_unlock(&registry_lock);
      return;
    }
  for (uint32_t c = 0; c < MAX_CHUNKS && chunks[c]; ++c) {
    free(chunks[c]);
    chunks[c] = NULL;
  }
  num_slots = 0;
  free_slot = UINT32_MAX;
  pthread_mutex_unlock(&registry_lock);
  empty_host_cache();
}

/* A weights file's bytes, read into anonymous memory at open: the handles
 * that opened the same file (same device, inode, size and modification
 * time) share one copy, freed by the last close. A copy rather than a
 * mapping of the file so that (1) a file truncated or rewritten while open
 * cannot fault a run or change what it computes: what runs is what open
 * checked; (2) the GEMMs stream their weights through 2 MiB pages
 * (MADV_HUGEPAGE) instead of 4 KiB page-cache pages: on the 2-vCPU Xeon dev
 * machine, ALBERT-base 1 x 32 on 2 threads 26.3 -> 24.9 ms, 1 x 128
 * 93.8 -> 93.0 ms (alternating runs; docs/performance.md).
 * Guarded by registry_lock. */
typedef struct weights_copy {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  unsigned char *data;
  size_t bytes; /* of the mapping */
  int checksum_ok; /* an open verified the checksum of these (read-only) bytes */
  int refs;
  struct weights_copy *next;
} weights_copy;

static weights_copy *weights_copies;

static uint64_t make_ticket(uint32_t slot) {
  registry_slot *s = slot_at(slot);
  return (uint64_t)s->generation << ADDRESS_BITS | (uintptr_t)s;
}

/* The index of this registry's slot at the address in `ticket`, or
 * UINT32_MAX. Call with registry_lock held. */
static uint32_t slot_of(uint64_t ticket) {
  uintptr_t a = (uintptr_t)(ticket & (((uint64_t)1 << ADDRESS_BITS) - 1));
  for (uint32_t c = 0; c * CHUNK_SLOTS < num_slots; ++c) {
    uintptr_t base = (uintptr_t)chunks[c];
    if (a < base || a >= base + CHUNK_SLOTS * sizeof(registry_slot)) continue;
    if ((a - base) % sizeof(registry_slot)) return UINT32_MAX;
    uint32_t i = c * CHUNK_SLOTS + (uint32_t)((a - base) / sizeof(registry_slot));
    return i < num_slots ? i : UINT32_MAX;
  }
  return UINT32_MAX;
}

/* The live handle behind `ticket` opened by `model`'s library, or NULL; a live
 * handle of another library (two static libraries share one registry) is
 * NULL too, and *other (when not NULL) is then its model. Call with
 * registry_lock held. */
static albert_rt_handle *lookup_locked(const albert_rt_model *model, const void *ticket,
                                       const albert_rt_model **other) {
  if (other) *other = NULL;
  uint64_t t = (uint64_t)(uintptr_t)ticket;
  uint32_t slot = slot_of(t);
  if (slot == UINT32_MAX || slot_at(slot)->generation != (uint32_t)(t >> ADDRESS_BITS))
    return NULL;
  albert_rt_handle *h = slot_at(slot)->handle;
  if (h && h->model != model) {
    if (other) *other = h->model;
    return NULL;
  }
  return h;
}

/* Enters the registry; returns the ticket, or 0 when out of memory/slots. */
static uint64_t register_handle(albert_rt_handle *h) {
  pthread_mutex_lock(&registry_lock);
  uint32_t slot;
  if (free_slot != UINT32_MAX) {
    slot = free_slot;
    free_slot = slot_at(slot)->next_free;
  } else {
    if (num_slots == (uint32_t)MAX_CHUNKS * CHUNK_SLOTS) {
      pthread_mutex_unlock(&registry_lock);
      return 0;
    }
    if (num_slots % CHUNK_SLOTS == 0) {
      registry_slot *chunk = calloc(CHUNK_SLOTS, sizeof *chunk);
      /* Never above 2^47 on x86-64 Linux; checked so a ticket stays exact. */
      if (!chunk || ((uintptr_t)(chunk + CHUNK_SLOTS) >> ADDRESS_BITS) != 0) {
        free(chunk);
        pthread_mutex_unlock(&registry_lock);
        return 0;
      }
      chunks[num_slots / CHUNK_SLOTS] = chunk;
    }
    slot = num_slots++;
    slot_at(slot)->generation = 1;
  }
  slot_at(slot)->handle = h;
  slot_at(slot)->next_free = UINT32_MAX;
  ++open_handles;
  uint64_t ticket = make_ticket(slot);
  h->ticket = ticket;
  pthread_mutex_unlock(&registry_lock);
  return ticket;
}

static void destroy(albert_rt_handle *h);

/* The copy of the file stat'ed as *st, with a reference taken, or NULL.
 * Call with registry_lock held. */
static weights_copy *share_copy_locked(const struct stat *st) {
  for (weights_copy *c = weights_copies; c; c = c->next)
    if (c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
        c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec) {
      ++c->refs;
      return c;
    }
  return NULL;
}

/* `file` (open as fd, stat'ed as *st) in memory: the copy another handle
 * made of the same file, or a new one. */
static int copy_weights(const char *file, int fd, const struct stat *st, weights_copy **out) {
  pthread_mutex_lock(&registry_lock);
  weights_copy *c = share_copy_locked(st);
  pthread_mutex_unlock(&registry_lock);
  if (c) {
    *out = c;
    return ALBERT_RT_OK;
  }
  size_t size = (size_t)st->st_size;
  if (size == 0) return fail(open_error, ALBERT_RT_BAD_WEIGHTS, "%s: empty file", file);
  void *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED)
    return fail(open_error, ALBERT_RT_OUT_OF_MEMORY, "%s: out of memory for %zu bytes of weights",
                file, size);
#ifdef MADV_HUGEPAGE
  madvise(data, size, MADV_HUGEPAGE); /* a hint; without huge pages the copy still works */
#endif
  for (size_t got = 0; got < size;) {
    ssize_t n = pread(fd, (unsigned char *)data + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int rc = n == 0 ? fail(open_error, ALBERT_RT_BAD_WEIGHTS,
                             "%s: ended after %zu of its %zu bytes (truncated while being read)",
                             file, got, size)
                      : fail(open_error, ALBERT_RT_IO, "%s: cannot read: %s", file, strerror(errno));
      munmap(data, size);
      return rc;
    }
    got += (size_t)n;
  }
  mprotect(data, size, PROT_READ); /* the kernels only read weights */
  weights_copy *mine = calloc(1, sizeof *mine);
  if (!mine) {
    munmap(data, size);
    return fail(open_error, ALBERT_RT_OUT_OF_MEMORY, "out of memory");
  }
  mine->dev = st->st_dev;
  mine->ino = st->st_ino;
  mine->size = st->st_size;
  mine->mtime = st->st_mtim;
  mine->data = data;
  mine->bytes = size;
  mine->refs = 1;
  /* Another thread may have copied the same file meanwhile: keep one. */
  pthread_mutex_lock(&registry_lock);
  c = share_copy_locked(st);
  if (!c) {
    mine->next = weights_copies;
    weights_copies = mine;
  }
  pthread_mutex_unlock(&registry_lock);
  if (c) {
    munmap(data, size);
    free(mine);
  }
  *out = c ? c : mine;
  return ALBERT_RT_OK;
}

static void release_copy(weights_copy *c) {
  if (!c) return;
  pthread_mutex_lock(&registry_lock);
  int last = --c->refs == 0;
  if (last) {
    weights_copy **p = &weights_copies;
    while (*p != c) p = &(*p)->next;
    *p = c->next;
  }
  pthread_mutex_unlock(&registry_lock);
  if (last) {
    munmap(c->data, c->bytes);
    free(c);
  }
}

/* Starts a call on `ticket`: the handle, counted as in use until release(),
 * or NULL (and a message in stale_error) when it is not open. An exclusive
 * call (run, output) is refused, with a message in busy_error, while another
 * exclusive call on the handle is in flight: a handle serves one thread at a
 * time, and two threads in one run would corrupt each other's outputs. */
static albert_rt_handle *acquire(const albert_rt_model *model, const void *ticket,
                                 const char *what, int exclusive) {
  pthread_mutex_lock(&registry_lock);
  const albert_rt_model *other;
  albert_rt_handle *h = lookup_locked(model, ticket, &other);
  int busy = h && exclusive && h->busy;
  if (h && !busy) {
    ++h->users;
    if (exclusive) h->busy = 1;
  }
  pthread_mutex_unlock(&registry_lock);
  if (!h && !ticket) {
    /* albert_rt_error(NULL) reads open_error. */
    fail(open_error, ALBERT_RT_INVALID_ARGUMENT, "%s: model handle is NULL", what);
  } else if (other) {
    fail(stale_error, ALBERT_RT_INVALID_ARGUMENT,
         "%s: model handle %p was opened by library %s, not %s", what, ticket, other->name,
         model->name);
    stale_ticket = ticket;
    if (busy_ticket == ticket) busy_ticket = NULL;
  } else if (!h) {
    fail(stale_error, ALBERT_RT_INVALID_ARGUMENT,
         "%s: model handle %p used after close or never opened", what, ticket);
    stale_ticket = ticket;
    if (busy_ticket == ticket) busy_ticket = NULL;
  } else if (busy) {
    fail(busy_error, ALBERT_RT_INVALID_ARGUMENT,
         "%s: model handle %p is in use by another thread (a handle serves one thread at a "
         "time: open one per thread)", what, ticket);
    busy_ticket = ticket;
    return NULL;
  } else if (busy_ticket == ticket) {
    busy_ticket = NULL;
  }
  /* A run or output call is now this thread's last call with the handle: its
   * error, if any, is the handle's. */
  if (h && exclusive && tok_ticket == ticket) tok_ticket = NULL;
  return h;
}

static void release(albert_rt_handle *h, int exclusive) {
  pthread_mutex_lock(&registry_lock);
  if (exclusive) h->busy = 0;
  int last = --h->users == 0 && h->closing;
  pthread_mutex_unlock(&registry_lock);
  if (last) destroy(h);
}

static void init_buffer(halide_buffer_t *b, halide_dimension_t *dims, void *host, uint8_t code,
                        int rank) {
  memset(b, 0, sizeof *b);
  b->host = (uint8_t *)host;
  b->type.code = code;
  b->type.bits = 32;
  b->type.lanes = 1;
  b->dimensions = rank;
  b->dim = dims;
}

static void set_dense_dims(halide_dimension_t *dims, const int32_t *extent, int rank) {
  int32_t stride = 1;
  for (int d = 0; d < rank; ++d) {
    dims[d].min = 0;
    dims[d].extent = extent[d];
    dims[d].stride = stride;
    dims[d].flags = 0;
    stride *= extent[d];
  }
}

/* Checks the weights file bytes (h->copy's, or the embedded array when
 * h->copy is NULL) and points every weight buffer into them. The checksum of
 * a shared copy is computed by the first open that shares it (~9 ms for
 * ALBERT-base); its bytes are read-only, so later opens skip it. */
static int bind_weights(albert_rt_handle *h, const unsigned char *file, uint64_t size,
                        const char *what) {
  const albert_rt_model *m = h->model;
  weights_copy *copy = h->copy;
  albert_rt_weights_header hdr;
  if (size < sizeof hdr)
    return fail(open_error, ALBERT_RT_BAD_WEIGHTS, "%s: truncated (%llu bytes)", what,
                (unsigned long long)size);
  memcpy(&hdr, file, sizeof hdr);
  if (memcmp(hdr.magic, "ALBERTW", 7) == 0 && (hdr.magic[7] == '1' || hdr.magic[7] == '2'))
    return fail(open_error, ALBERT_RT_BAD_WEIGHTS,
                "%s: weights file of an older albertc (format %c): recompile the model", what,
                hdr.magic[7]);
  if (memcmp(hdr.magic, "ALBERTW3", 8) != 0)
    return fail(open_error, ALBERT_RT_BAD_WEIGHTS, "%s: not an albertc weights file", what);
  if (hdr.fingerprint != m->fingerprint)
    return fail(open_error, ALBERT_RT_BAD_WEIGHTS,
                "%s: weights belong to another model (fingerprint %016llx, library %s expects "
                "%016llx)",
                what, (unsigned long long)hdr.fingerprint, m->name,
                (unsigned long long)m->fingerprint);
  if (hdr.file_size != m->weights_file_size || size != m->weights_file_size)
    return fail(open_error, ALBERT_RT_BAD_WEIGHTS,
                "%s: %llu bytes, expected %llu (truncated or wrong file)", what,
                (unsigned long long)size, (unsigned long long)m->weights_file_size);
  if (hdr.checksum != m->weights_checksum)
    return fail(open_error, ALBERT_RT_BAD_WEIGHTS,
                "%s: weights of another checkpoint with the same shapes (checksum %016llx, "
                "library %s was compiled with %016llx): use the weights file compiled with it",
                what, (unsigned long long)hdr.checksum, m->name,
                (unsigned long long)m->weights_checksum);
  if (!copy || !__atomic_load_n(&copy->checksum_ok, __ATOMIC_ACQUIRE)) {
    albert_rt_checksum_state state;
    albert_rt_checksum_init(&state);
    albert_rt_checksum_update(&state, file + sizeof hdr, size - sizeof hdr);
    if (albert_rt_checksum_final(&state) != hdr.checksum)
      return fail(open_error, ALBERT_RT_BAD_WEIGHTS, "%s: checksum mismatch (corrupted weights)",
                  what);
    if (copy) __atomic_store_n(&copy->checksum_ok, 1, __ATOMIC_RELEASE);
  }
  h->weights = calloc((size_t)m->num_weights + 1, sizeof *h->weights);
  h->weight_dims = calloc((size_t)m->num_weights * ALBERT_RT_MAX_RANK + 1, sizeof *h->weight_dims);
  if (!h->weights || !h->weight_dims)
    return fail(open_error, ALBERT_RT_OUT_OF_MEMORY, "out of memory");
  for (int32_t i = 0; i < m->num_weights; ++i) {
    const albert_rt_weight *w = &m->weights[i];
    uint64_t bytes = 4;
    for (int d = 0; d < w->rank; ++d) bytes *= (uint64_t)w->extent[d];
    if (w->offset < sizeof hdr || w->offset + bytes > size)
      return fail(open_error, ALBERT_RT_BAD_WEIGHTS, "%s: weight %d lies outside the file", what,
                  (int)i);
    halide_dimension_t *dims = &h->weight_dims[i * ALBERT_RT_MAX_RANK];
    set_dense_dims(dims, w->extent, w->rank);
    init_buffer(&h->weights[i], dims, (void *)(file + w->offset), halide_type_float, w->rank);
  }
  return ALBERT_RT_OK;
}

/* GPU libraries: checks that the CUDA driver loads and that the GPU Halide's
 * runtime will use (HL_GPU_DEVICE, else the one with the most SMs, the last
 * of equals: Halide's rule) can run the kernels' PTX, then copies every
 * weight to the device, where it stays until close. */
static int open_device(albert_rt_handle *h) {
  const albert_rt_model *m = h->model;
  /* Halide's CUDA runtime dlopens "libcuda.so" unless the driver is loaded;
   * most systems without the CUDA toolkit have only libcuda.so.1. */
  void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!cuda) cuda = dlopen("libcuda.so", RTLD_NOW | RTLD_GLOBAL);
  if (!cuda)
    return fail(open_error, ALBERT_RT_NO_DEVICE,
                "open: %s runs on an NVIDIA GPU (compiled with --target cuda), but the CUDA "
                "driver (libcuda.so.1) cannot be loaded: no GPU driver on this machine?",
                m->name);
  typedef int (*init_fn)(unsigned);
  typedef int (*count_fn)(int *);
  typedef int (*get_fn)(int *, int);
  typedef int (*attr_fn)(int *, int, int);
  init_fn cu_init = (init_fn)dlsym(cuda, "cuInit");
  count_fn cu_count = (count_fn)dlsym(cuda, "cuDeviceGetCount");
  get_fn cu_get = (get_fn)dlsym(cuda, "cuDeviceGet");
  attr_fn cu_attr = (attr_fn)dlsym(cuda, "cuDeviceGetAttribute");
  int count = 0, rc = -1;
  if (cu_init && cu_count && cu_get && cu_attr && (rc = cu_init(0)) == 0) rc = cu_count(&count);
  if (rc != 0 || count < 1)
    return fail(open_error, ALBERT_RT_NO_DEVICE,
                "open: %s runs on an NVIDIA GPU, but the CUDA driver finds none (cuInit or "
                "cuDeviceGetCount: CUDA error %d, %d devices)", m->name, rc, count);
  enum { SMS = 16, CC_MAJOR = 75, CC_MINOR = 76 }; /* CU_DEVICE_ATTRIBUTE_* */
  const char *env = getenv("HL_GPU_DEVICE");
  int ordinal = -1, device = 0, major = 0, minor = 0;
  if (env && *env)
    ordinal = atoi(env);
  else
    for (int i = 0, best = -1, sms = 0; i < count; ++i)
      if (cu_get(&device, i) == 0 && cu_attr(&sms, SMS, device) == 0 && sms >= best) {
        best = sms;
        ordinal = i;
      }
  if (ordinal < 0 || ordinal >= count || cu_get(&device, ordinal) != 0 ||
      cu_attr(&major, CC_MAJOR, device) != 0 || cu_attr(&minor, CC_MINOR, device) != 0)
    return fail(open_error, ALBERT_RT_NO_DEVICE, "open: GPU %d (of %d) cannot be queried",
                ordinal, count);
  if (major * 10 + minor < m->device_capability)
    return fail(open_error, ALBERT_RT_NO_DEVICE,
                "open: %s was compiled for CUDA compute capability %d.%d or newer, but GPU %d "
                "has %d.%d (compile with a lower cuda_capability_* in the --target string)",
                m->name, m->device_capability / 10, m->device_capability % 10, ordinal, major,
                minor);
  h->device = m->device_interface();
  /* Kernels' temporaries are allocated and freed on every run: Halide's cache
   * keeps them (destroy() returns what it holds). */
  halide_reuse_device_allocations(NULL, 1);
  for (int32_t i = 0; i < m->num_weights; ++i) {
    halide_message[0] = 0;
    h->weights[i].flags |= halide_buffer_flag_host_dirty;
    int err = halide_copy_to_device(NULL, &h->weights[i], h->device);
    if (err != 0)
      return fail(open_error,
                  err == halide_error_code_device_malloc_failed ? ALBERT_RT_OUT_OF_MEMORY
                                                                : ALBERT_RT_NO_DEVICE,
                  "open: cannot put the weights on the GPU: %s",
                  halide_message[0] ? halide_message : "no message from the CUDA runtime");
  }
  /* The kernels read only the GPU copies: the host copy read from the file
   * is released (ALBERT-base: 46 MB), the weight buffers keep just their
   * device side. Embedded weights stay where they are, in the library. */
  for (int32_t i = 0; i < m->num_weights; ++i) h->weights[i].host = NULL;
  release_copy(h->copy);
  h->copy = NULL;
  return ALBERT_RT_OK;
}

/* The first x86 instruction set among the Halide target features `f` (a
 * halide_target_feature_t bit set) that this CPU, or its OS, does not run;
 * NULL when it runs them all. CPUID and XGETBV as Halide's x86 feature
 * detection reads them, but here, in code built for baseline x86-64: Halide's
 * own check (halide_can_use_target_features) lives in the runtime object
 * compiled with the kernels' features and itself uses AVX and BMI1. */
static const char *cpu_lacks(const uint64_t *f) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  unsigned c1 = 0, b7 = 0, c7 = 0, a7_1 = 0, c8_1 = 0;
  const unsigned max = __get_cpuid_max(0, NULL);
  if (max >= 1 && __get_cpuid(1, &a, &b, &c, &d)) c1 = c;
  if (max >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    b7 = b;
    c7 = c;
    if (a >= 1) {
      __cpuid_count(7, 1, a, b, c, d);
      a7_1 = a;
    }
  }
  if ((unsigned)__get_cpuid_max(0x80000000u, NULL) >= 0x80000001u &&
      __get_cpuid(0x80000001u, &a, &b, &c, &d))
    c8_1 = c;
  uint64_t xcr0 = 0;
  if (c1 & (1u << 27)) { /* OSXSAVE: XGETBV says which register states the OS saves */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (uint64_t)hi << 32 | lo;
  }
#define BIT(r, n) (((r) >> (n)) & 1u)
  const int avx = BIT(c1, 28) && (xcr0 & 0x6) == 0x6;
  const int avx512 = avx && BIT(b7, 16) && BIT(b7, 28) && (xcr0 & 0xe0) == 0xe0; /* F, CD */
  const int skylake = avx512 && BIT(b7, 17) && BIT(b7, 30) && BIT(b7, 31);        /* DQ, BW, VL */
  const int cannonlake = skylake && BIT(b7, 21) && BIT(c7, 1);                   /* IFMA, VBMI */
  const struct {
    int feature, runs;
    const char *name;
  } sets[] = {
      {halide_target_feature_sse41, BIT(c1, 19), "SSE4.1"},
      {halide_target_feature_avx, avx, "AVX"},
      {halide_target_feature_f16c, avx && BIT(c1, 29), "F16C"},
      {halide_target_feature_fma, avx && BIT(c1, 12), "FMA"},
      {halide_target_feature_fma4, avx && BIT(c8_1, 16), "FMA4"},
      {halide_target_feature_avx2, avx && BIT(b7, 5), "AVX2"},
      {halide_target_feature_avx512, avx512, "AVX-512 (F, CD)"},
      {halide_target_feature_avx512_knl, avx512 && BIT(b7, 26) && BIT(b7, 27), "AVX-512 ER/PF"},
      {halide_target_feature_avx512_skylake, skylake, "AVX-512 (BW, DQ, VL)"},
      {halide_target_feature_avx512_cannonlake, cannonlake, "AVX-512 IFMA/VBMI"},
      {halide_target_feature_avx512_sapphirerapids, cannonlake && BIT(c7, 11) && BIT(a7_1, 5),
       "AVX-512 VNNI/BF16"},
  };
#undef BIT
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; ++i)
    if ((f[sets[i].feature / 64] >> (sets[i].feature % 64) & 1) && !sets[i].runs)
      return sets[i].name;
  return NULL;
}

int albert_rt_open(const albert_rt_model *model, const char *path, int num_threads,
                   albert_rt_handle **out) {
  open_error[0] = 0;
  if (!out) return fail(open_error, ALBERT_RT_INVALID_ARGUMENT, "open: out is NULL");
  *out = NULL;
  if (!model) return fail(open_error, ALBERT_RT_INVALID_ARGUMENT, "open: model is NULL");
  const char *missing = model->target_features ? cpu_lacks(model->target_features) : NULL;
  if (missing)
    return fail(open_error, ALBERT_RT_UNSUPPORTED_CPU,
                "open: this CPU lacks %s, which %s's kernels use (compiled for %s): compile the "
                "model with --target x86-64-avx2, or --target host on this machine",
                missing, model->name, model->target_name);
  albert_rt_handle *h = calloc(1, sizeof *h);
  if (!h) return fail(open_error, ALBERT_RT_OUT_OF_MEMORY, "out of memory");
  h->model = model;
  halide_set_error_handler(on_halide_error);
  static pthread_once_t par_once = PTHREAD_ONCE_INIT;
  pthread_once(&par_once, install_do_par_for);
  static pthread_once_t allocator_once = PTHREAD_ONCE_INIT;
  pthread_once(&allocator_once, install_host_allocator);
  if (num_threads > 0) {
    halide_set_num_threads(num_threads);
    atomic_store_explicit(&par_threads_set, clamp_threads(num_threads), memory_order_relaxed);
  }

  int rc;
  if (!path) {
    if (!model->embedded_weights) {
      free(h);
      return fail(open_error, ALBERT_RT_INVALID_ARGUMENT,
                  "open: path is NULL but %s was compiled without --embed-weights", model->name);
    }
    rc = bind_weights(h, model->embedded_weights, model->embedded_size, "embedded weights");
  } else if (!path[0]) {
    free(h);
    return fail(open_error, ALBERT_RT_INVALID_ARGUMENT,
                "open: path is empty (the folder holding %s.weights, the file, or NULL for "
                "embedded weights)", model->name);
  } else {
    char file[4096];
    struct stat st;
    int len;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
      len = snprintf(file, sizeof file, "%s/%s.weights", path, model->name);
    else
      len = snprintf(file, sizeof file, "%s", path);
    if (len < 0 || (size_t)len >= sizeof file) {
      free(h);
      return fail(open_error, ALBERT_RT_IO, "open: path is too long (%zu bytes)", strlen(path));
    }
    /* O_NONBLOCK: opening a FIFO without a writer would block forever; the
     * file must be a regular one anyway (checked next). */
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      free(h);
      return fail(open_error, ALBERT_RT_IO, "%s: cannot open: %s", file, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      free(h);
      return fail(open_error, ALBERT_RT_IO, "%s: not a regular file", file);
    }
    /* The size first: a wrong path to a file of many GB must not be read
     * into memory (bind_weights checks the bytes). */
    if ((uint64_t)st.st_size != model->weights_file_size) {
      close(fd);
      free(h);
      return fail(open_error, ALBERT_RT_BAD_WEIGHTS,
                  "%s: %lld bytes, expected %llu (truncated, or the weights of another model "
                  "than %s)",
                  file, (long long)st.st_size, (unsigned long long)model->weights_file_size,
                  model->name);
    }
    rc = copy_weights(file, fd, &st, &h->copy);
    close(fd);
    if (rc != ALBERT_RT_OK) {
      destroy(h);
      return rc;
    }
    rc = bind_weights(h, h->copy->data, h->copy->bytes, file);
    /* The tokenizer file lives next to the weights file. */
    if (rc == ALBERT_RT_OK && model->tokenizer_open) {
      const char *slash = strrchr(file, '/');
      char tok[4096 + 256];
      if (slash)
        snprintf(tok, sizeof tok, "%.*s/%s", (int)(slash - file), file, model->tokenizer_file);
      else
        snprintf(tok, sizeof tok, "%s", model->tokenizer_file);
      h->tokenizer = model->tokenizer_open(tok, NULL, 0, open_error, sizeof open_error);
      if (!h->tokenizer) rc = ALBERT_RT_IO;
    }
  }
  if (rc == ALBERT_RT_OK && !path && model->tokenizer_open) {
    h->tokenizer = model->tokenizer_open(NULL, model->embedded_tokenizer,
                                         (size_t)model->embedded_tokenizer_size, open_error,
                                         sizeof open_error);
    if (!h->tokenizer) rc = ALBERT_RT_IO;
  }
  if (rc == ALBERT_RT_OK && model->device_interface) rc = open_device(h);
  if (rc != ALBERT_RT_OK) {
    destroy(h);
    return rc;
  }
  h->values = calloc((size_t)model->num_values + 1, sizeof *h->values);
  h->value_dims = calloc((size_t)model->num_values * 2 + 1, sizeof *h->value_dims);
  if (!h->values || !h->value_dims) {
    destroy(h);
    return fail(open_error, ALBERT_RT_OUT_OF_MEMORY, "out of memory");
  }
  uint64_t ticket = register_handle(h);
  if (!ticket) {
    destroy(h);
    return fail(open_error, ALBERT_RT_OUT_OF_MEMORY,
                "open: out of memory, or %u handles already open",
                (unsigned)(MAX_CHUNKS * CHUNK_SLOTS));
  }
  *out = (albert_rt_handle *)(uintptr_t)ticket;
  return ALBERT_RT_OK;
}

static int64_t round_rows(int64_t n) { return (n + ROW_BLOCK - 1) / ROW_BLOCK * ROW_BLOCK; }

/* GPU libraries: the device arena starts with the three inputs (ids, mask,
 * token types), each in a slot of this many bytes for n tokens. */
static size_t input_slot(int64_t n) { return round64((size_t)n * sizeof(int32_t)); }

/* GPU libraries: detaches the inputs and values from the device arena. */
static void detach_device_views(albert_rt_handle *h) {
  albert_rt_exec *x = &h->exec;
  halide_buffer_t *in[3] = {&x->ids, &x->mask, &x->tt};
  for (int k = 0; k < 3; ++k)
    if (in[k]->device) halide_device_detach_native(NULL, in[k]);
  for (int32_t i = 0; h->values && i < h->model->num_values; ++i)
    if (h->values[i].device) halide_device_detach_native(NULL, &h->values[i]);
}

/* GPU libraries: grows the device arena to `bytes`. */
static int reserve_device(albert_rt_handle *h, size_t bytes) {
  if (h->device_arena.device && h->device_bytes >= bytes) return ALBERT_RT_OK;
  const int32_t row = 1 << 20;
  size_t rows = (bytes + (size_t)row - 1) / (size_t)row;
  if (rows > INT32_MAX)
    return fail(h->error, ALBERT_RT_OUT_OF_MEMORY, "run: %zu bytes of GPU activations", bytes);
  detach_device_views(h);
  if (h->device_arena.device) halide_device_free(NULL, &h->device_arena);
  memset(&h->device_arena, 0, sizeof h->device_arena);
  h->device_bytes = 0;
  h->device_arena_dim[0] = (halide_dimension_t){0, row, 1, 0};
  h->device_arena_dim[1] = (halide_dimension_t){0, (int32_t)(rows ? rows : 1), row, 0};
  h->device_arena.type.code = halide_type_uint;
  h->device_arena.type.bits = 8;
  h->device_arena.type.lanes = 1;
  h->device_arena.dimensions = 2;
  h->device_arena.dim = h->device_arena_dim;
  halide_message[0] = 0;
  if (halide_device_malloc(NULL, &h->device_arena, h->device) != 0) {
    memset(&h->device_arena, 0, sizeof h->device_arena);
    return fail(h->error, ALBERT_RT_OUT_OF_MEMORY, "run: cannot allocate %zu bytes on the GPU: %s",
                bytes, halide_message[0] ? halide_message : "no message");
  }
  h->device_bytes = (rows ? rows : 1) * (size_t)row;
  h->device_base = h->device_arena.device;
  return ALBERT_RT_OK;
}

int64_t albert_rt_chunk_sequences(int64_t batch, int64_t seq, int64_t limit, int64_t unit) {
  if (limit <= 0 || seq > limit || batch * seq <= limit) return batch;
  for (int64_t per = limit / seq; per > 0; --per)
    if (per * seq % unit == 0) return per;
  return batch;
}

halide_buffer_t *albert_rt_rows_view(const halide_buffer_t *buffer, int64_t row, int64_t rows,
                                     albert_rt_view *view) {
  view->buffer = *buffer;
  memcpy(view->dims, buffer->dim, (size_t)buffer->dimensions * sizeof *view->dims);
  halide_dimension_t *last = &view->dims[buffer->dimensions - 1];
  view->buffer.host += row * last->stride * (int64_t)((buffer->type.bits + 7) / 8);
  last->extent = (int32_t)rows;
  view->buffer.dim = view->dims;
  return &view->buffer;
}

/* Sizes the activation buffers for batch x seq, growing the arena if needed.
 * With chunk_rows, each value has ROW_BLOCK rows of room past its extent: a
 * chunk's view rounds its rows up to whole row blocks from its first row. */
static int prepare_values(albert_rt_handle *h, int64_t batch, int64_t seq) {
  const albert_rt_model *m = h->model;
  int64_t token_rows = round_rows(batch * seq), seq_rows = round_rows(batch);
  const int64_t room = m->chunk_rows > 0 ? ROW_BLOCK : 0;
  size_t total = 0;
  for (int32_t i = 0; i < m->num_values; ++i) {
    int64_t rows = (m->values[i].per_token ? token_rows : seq_rows) + room;
    size_t bytes = (size_t)rows * (size_t)m->values[i].cols * sizeof(float);
    total += round64(bytes);
  }
  if (total > h->arena_bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, total ? total : 64) != 0)
      return fail(h->error, ALBERT_RT_OUT_OF_MEMORY, "out of memory: %zu bytes of activations",
                  total);
    /* A chunked run leaves rows past the real ones that no kernel writes
     * and the next kernels read as filler: zeros, then what earlier runs
     * left there, finite. */
    if (room) memset(p, 0, total ? total : 64);
    free(h->arena);
    h->arena = p;
    h->arena_bytes = total;
  }
  /* On a GPU the inputs come first in the device arena, then the values at
   * the host arena's offsets. */
  size_t inputs = 3 * input_slot(batch * seq);
  if (h->device) {
    int rc = reserve_device(h, inputs + total);
    if (rc) return rc;
    detach_device_views(h);
    halide_message[0] = 0;
  }
  size_t offset = 0;
  for (int32_t i = 0; i < m->num_values; ++i) {
    int64_t rows = m->values[i].per_token ? token_rows : seq_rows;
    int32_t extent[2] = {m->values[i].cols, (int32_t)rows};
    set_dense_dims(&h->value_dims[2 * i], extent, 2);
    init_buffer(&h->values[i], &h->value_dims[2 * i], (char *)h->arena + offset,
                halide_type_float, 2);
    if (h->device &&
        halide_device_wrap_native(NULL, &h->values[i], h->device_base + inputs + offset,
                                  h->device) != 0)
      return fail(h->error, ALBERT_RT_KERNEL_FAILED, "run: cannot map a GPU buffer: %s",
                  halide_message[0] ? halide_message : "no message");
    size_t bytes = (size_t)(rows + room) * (size_t)m->values[i].cols * sizeof(float);
    offset += round64(bytes);
  }
  return ALBERT_RT_OK;
}

/* Token i of the flat input as the caller indexes it: [example][token], or
 * [example][choice][token] for a multiple-choice model. */
static const char *position(char buf[96], const albert_rt_model *m, int64_t i, int64_t seq,
                            int64_t choices) {
  int64_t row = i / seq, t = i % seq;
  if (m->choices)
    snprintf(buf, 96, "[%lld][%lld][%lld]", (long long)(row / choices),
             (long long)(row % choices), (long long)t);
  else
    snprintf(buf, 96, "[%lld][%lld]", (long long)row, (long long)t);
  return buf;
}

static int run(albert_rt_handle *h, int64_t batch, int64_t seq, const int32_t *ids,
               const int32_t *mask, const int32_t *tt, int64_t choices) {
  const albert_rt_model *m = h->model;
  h->error[0] = 0;
  h->has_run = 0;
  if (!ids) return fail(h->error, ALBERT_RT_INVALID_ARGUMENT, "run: input_ids is NULL");
  if (batch < 1)
    return fail(h->error, ALBERT_RT_INVALID_ARGUMENT, "run: batch must be >= 1, got %lld",
                (long long)batch);
  if (choices < 1 || choices > (int64_t)1 << 24)
    return fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                "run: num_choices must be in [1, 16777216], got %lld", (long long)choices);
  if (m->choices && batch > ((int64_t)1 << 24) / choices)
    return fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                "run: batch x num_choices = %lld x %lld is too large", (long long)batch,
                (long long)choices);
  /* A multiple-choice model runs its encoder on every (example, choice) row. */
  batch *= choices;
  h->choices = choices;
  if (seq < 1 || seq > m->max_positions)
    return fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                "run: seq must be in [1, %lld] (max_position_embeddings), got %lld",
                (long long)m->max_positions, (long long)seq);
  /* The shape as the caller gave it. */
  char shape[96];
  if (m->choices)
    snprintf(shape, sizeof shape, "batch x num_choices x seq = %lld x %lld x %lld",
             (long long)(batch / choices), (long long)choices, (long long)seq);
  else
    snprintf(shape, sizeof shape, "batch x seq = %lld x %lld", (long long)batch, (long long)seq);
  if (batch > ALBERT_RT_MAX_ROWS || batch * seq > ALBERT_RT_MAX_TOKENS)
    return fail(h->error, ALBERT_RT_INVALID_ARGUMENT, "run: %s is too large", shape);
  int64_t n = batch * seq;
  int64_t widest = (n + ROW_BLOCK - 1) / ROW_BLOCK * ROW_BLOCK * m->max_token_cols * 4;
  if (widest > INT32_MAX)
    return fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                "run: %s is too large: a [%lld, %lld] float32 tensor would exceed 2 GiB (the "
                "kernels' buffer limit); run smaller batches",
                shape, (long long)n, (long long)m->max_token_cols);
  char at[96];
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= m->vocab_size)
      return fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                  "run: input_ids%s = %d is outside the vocabulary [0, %lld)",
                  position(at, m, i, seq, choices), ids[i], (long long)m->vocab_size);
    if (mask && mask[i] != 0 && mask[i] != 1)
      return fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                  "run: attention_mask%s = %d (must be 0 or 1)", position(at, m, i, seq, choices),
                  mask[i]);
    if (tt && (tt[i] < 0 || tt[i] >= m->type_vocab_size))
      return fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                  "run: token_type_ids%s = %d is outside [0, %lld)",
                  position(at, m, i, seq, choices), tt[i], (long long)m->type_vocab_size);
  }
  /* Defaults for absent mask / token types live next to a copy of nothing:
   * the kernels read the caller's arrays in place when given. */
  size_t need = (size_t)(2 * n);
  if (need > h->inputs_count) {
    int32_t *p = realloc(h->inputs, need * sizeof *p);
    if (!p) return fail(h->error, ALBERT_RT_OUT_OF_MEMORY, "out of memory");
    h->inputs = p;
    h->inputs_count = need;
  }
  int32_t *ones = h->inputs, *zeros = h->inputs + n;
  if (!mask)
    for (int64_t i = 0; i < n; ++i) ones[i] = 1;
  if (!tt) memset(zeros, 0, (size_t)n * sizeof *zeros);

  int rc = prepare_values(h, batch, seq);
  if (rc) return rc;
  albert_rt_exec *x = &h->exec;
  x->batch = (int32_t)batch;
  x->seq = (int32_t)seq;
  const int32_t *src[3] = {ids, mask ? mask : ones, tt ? tt : zeros};
  halide_buffer_t *dst[3] = {&x->ids, &x->mask, &x->tt};
  for (int k = 0; k < 3; ++k) {
    int32_t extent[2] = {(int32_t)seq, (int32_t)batch};
    set_dense_dims(h->input_dims[k], extent, 2);
    init_buffer(dst[k], h->input_dims[k], (void *)src[k], halide_type_int, 2);
    /* On a GPU: a view of the device arena, copied in by the first kernel
     * that reads it. */
    if (h->device) {
      size_t at = (size_t)k * input_slot(n);
      if (halide_device_wrap_native(NULL, dst[k], h->device_base + at, h->device) != 0)
        return fail(h->error, ALBERT_RT_KERNEL_FAILED, "run: cannot map a GPU buffer: %s",
                    halide_message[0] ? halide_message : "no message");
      dst[k]->flags |= halide_buffer_flag_host_dirty;
    }
  }
  x->weights = h->weights;
  x->values = h->values;
  memset(x->outputs, 0, sizeof x->outputs);
  halide_message[0] = 0;
  int err = m->forward(x);
  /* GPU libraries: every output back into the host arena. */
  for (int32_t i = 0; err == 0 && h->device && i < m->num_outputs; ++i)
    if (x->outputs[i]) err = halide_copy_to_host(NULL, x->outputs[i]);
  /* A kernel's own allocation (a buffer it computes at root) that failed is
   * out of memory, like the arena's. */
  if (err != 0)
    return fail(h->error,
                err == halide_error_code_out_of_memory ||
                        err == halide_error_code_device_malloc_failed
                    ? ALBERT_RT_OUT_OF_MEMORY
                    : ALBERT_RT_KERNEL_FAILED,
                "run: kernel failed (Halide error %d): %s", err,
                halide_message[0] ? halide_message : "no message");
  h->has_run = 1;
  return ALBERT_RT_OK;
}

int albert_rt_run(const albert_rt_model *model, albert_rt_handle *ticket, int64_t batch,
                  int64_t seq, const int32_t *ids, const int32_t *mask, const int32_t *tt) {
  albert_rt_handle *h = acquire(model, ticket, "run", 1);
  if (!h) return ALBERT_RT_INVALID_ARGUMENT;
  int rc = h->model->choices
               ? fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                      "run: this multiple-choice model takes [batch, num_choices, seq] inputs")
               : run(h, batch, seq, ids, mask, tt, 1);
  release(h, 1);
  return rc;
}

int albert_rt_run_choices(const albert_rt_model *model, albert_rt_handle *ticket, int64_t batch,
                          int64_t choices, int64_t seq, const int32_t *ids, const int32_t *mask,
                          const int32_t *tt) {
  albert_rt_handle *h = acquire(model, ticket, "run", 1);
  if (!h) return ALBERT_RT_INVALID_ARGUMENT;
  int rc = h->model->choices
               ? run(h, batch, seq, ids, mask, tt, choices)
               : fail(h->error, ALBERT_RT_INVALID_ARGUMENT,
                      "run: this model takes [batch, seq] inputs, not choices");
  release(h, 1);
  return rc;
}

void *albert_rt_tokenizer_begin(const albert_rt_model *model, const albert_rt_handle *ticket,
                                albert_rt_handle **held) {
  *held = NULL;
  albert_rt_handle *h = acquire(model, ticket, "tokenizer", 0);
  if (!h) return NULL;
  if (!h->tokenizer) {
    fail(tok_error, ALBERT_RT_INVALID_ARGUMENT, "%s was compiled without a tokenizer",
         h->model->name);
    tok_ticket = ticket;
    release(h, 0);
    return NULL;
  }
  *held = h; /* close waits for albert_rt_tokenizer_end */
  return h->tokenizer;
}

int albert_rt_tokenizer_end(albert_rt_handle *h, int rc, const char *message) {
  if (rc) {
    fail(tok_error, rc, "%s", message ? message : "tokenizer failed");
    tok_ticket = (const void *)(uintptr_t)h->ticket;
  }
  release(h, 0);
  return rc;
}

static int check_output(const albert_rt_handle *h, int index) {
  if (index < 0 || index >= h->model->num_outputs)
    return fail((char *)h->error, ALBERT_RT_INVALID_ARGUMENT,
                "output: index %d is outside [0, %d)", index, (int)h->model->num_outputs);
  if (!h->has_run || !h->exec.outputs[index])
    return fail((char *)h->error, ALBERT_RT_INVALID_ARGUMENT,
                "output: no successful run to read outputs from");
  return ALBERT_RT_OK;
}

static int output(const albert_rt_handle *h, int index, const float **data, int64_t shape[3],
                  int *rank) {
  int rc = check_output(h, index);
  if (rc) return rc;
  const albert_rt_output_desc *o = &h->model->outputs[index];
  if (data) *data = (const float *)h->exec.outputs[index]->host;
  int64_t s[3] = {h->exec.batch, o->per_token ? h->exec.seq : o->cols, o->per_token ? o->cols : 0};
  int r = o->per_token ? 3 : 2;
  if (o->view == ALBERT_RT_VIEW_SQUEEZE) { /* [batch, seq, 1] -> [batch, seq] */
    s[2] = 0;
    r = 2;
  } else if (o->view == ALBERT_RT_VIEW_CHOICES) { /* [batch * choices, 1] -> [batch, choices] */
    s[0] = h->exec.batch / h->choices;
    s[1] = h->choices;
  }
  if (shape) memcpy(shape, s, sizeof s);
  if (rank) *rank = r;
  return ALBERT_RT_OK;
}

int albert_rt_output(const albert_rt_model *model, const albert_rt_handle *ticket, int index,
                     const float **data, int64_t shape[3], int *rank) {
  albert_rt_handle *h = acquire(model, ticket, "output", 1);
  if (!h) return ALBERT_RT_INVALID_ARGUMENT;
  int rc = output(h, index, data, shape, rank);
  release(h, 1);
  return rc;
}

static int output_into(const albert_rt_handle *h, int index, float *dst, int64_t capacity) {
  int rc = check_output(h, index);
  if (rc) return rc;
  if (!dst) return fail((char *)h->error, ALBERT_RT_INVALID_ARGUMENT, "output_into: dst is NULL");
  const albert_rt_output_desc *o = &h->model->outputs[index];
  int64_t rows = o->per_token ? (int64_t)h->exec.batch * h->exec.seq : h->exec.batch;
  int64_t count = rows * o->cols;
  if (capacity < count)
    return fail((char *)h->error, ALBERT_RT_INVALID_ARGUMENT,
                "output_into: %s needs %lld floats, capacity is %lld", o->name, (long long)count,
                (long long)capacity);
  memcpy(dst, h->exec.outputs[index]->host, (size_t)count * sizeof(float));
  return ALBERT_RT_OK;
}

int albert_rt_output_into(const albert_rt_model *model, const albert_rt_handle *ticket, int index,
                          float *dst, int64_t capacity) {
  albert_rt_handle *h = acquire(model, ticket, "output_into", 1);
  if (!h) return ALBERT_RT_INVALID_ARGUMENT;
  int rc = output_into(h, index, dst, capacity);
  release(h, 1);
  return rc;
}

const char *albert_rt_error(const albert_rt_model *model, const albert_rt_handle *ticket) {
  if (!ticket) return open_error;
  if (ticket == busy_ticket) return busy_error;
  pthread_mutex_lock(&registry_lock);
  albert_rt_handle *h = lookup_locked(model, ticket, NULL);
  pthread_mutex_unlock(&registry_lock);
  if (h && ticket == tok_ticket) return tok_error;
  if (h) return h->error;
  if (stale_ticket != (const void *)ticket) {
    fail(stale_error, ALBERT_RT_INVALID_ARGUMENT,
         "model handle %p used after close or never opened", (const void *)ticket);
    stale_ticket = ticket;
  }
  return stale_error;
}

/* Closing a handle that is not open (closed twice, never opened) does
 * nothing. A call still in flight on another thread (a misuse: one thread at
 * a time) finishes first; the last one out frees the handle. */
void albert_rt_close(const albert_rt_model *model, albert_rt_handle *ticket) {
  if (!ticket) return;
  pthread_mutex_lock(&registry_lock);
  albert_rt_handle *h = lookup_locked(model, ticket, NULL); /* another library's: not ours */
  int now = 0;
  if (h) {
    uint32_t slot = slot_of((uint64_t)(uintptr_t)ticket);
    registry_slot *s = slot_at(slot);
    s->handle = NULL;
    if (s->generation == MAX_GENERATION) {
      s->generation = 0; /* retired: no ticket has generation 0 */
    } else {
      ++s->generation;
      s->next_free = free_slot;
      free_slot = slot;
    }
    h->closing = 1;
    now = h->users == 0;
    --open_handles;
  }
  pthread_mutex_unlock(&registry_lock);
  if (now) destroy(h);
}

static void destroy(albert_rt_handle *h) {
  if (h->device) {
    detach_device_views(h);
    if (h->device_arena.device) halide_device_free(NULL, &h->device_arena);
    for (int32_t i = 0; h->weights && i < h->model->num_weights; ++i)
      if (h->weights[i].device) halide_device_free(NULL, &h->weights[i]);
    /* With the allocation cache on, those frees only parked the memory:
     * turning it off returns every unused allocation to the driver. */
    halide_reuse_device_allocations(NULL, 0);
    halide_reuse_device_allocations(NULL, 1);
  }
  if (h->tokenizer) h->model->tokenizer_close(h->tokenizer);
  release_copy(h->copy);
  free(h->weights);
  free(h->weight_dims);
  free(h->values);
  free(h->value_dims);
  free(h->arena);
  free(h->inputs);
  free(h);
  /* The last handle gone (none registered): the kernels' cached blocks too. */
  pthread_mutex_lock(&registry_lock);
  int open = open_handles;
  pthread_mutex_unlock(&registry_lock);
  if (!open) empty_host_cache();
}
