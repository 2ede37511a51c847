/*===- albert_runtime.h - the runtime under every generated library -------===*
 *
 * This header is the contract between the C code albertc generates for a
 * model (<name>_model.c: tables and the forward() call sequence) and the
 * runtime (runtime/src/runtime.c). Applications never include it: they include the
 * generated <name>.h, whose functions forward to the albert_rt_* ones here.
 *
 * Ownership:
 *   - weights: read from <name>.weights at open into memory the runtime
 *     owns (read-only, on huge pages where the kernel offers them) and
 *     checked there (size, fingerprint, checksum, and the checksum the
 *     library was compiled with); the file is closed before
 *     open returns, so changing, truncating or deleting it afterwards does
 *     not affect the open handles. Handles that open the same unchanged file
 *     (same inode, size and modification time) share one copy, freed by the
 *     last close; its checksum is computed by the first of them (a shared
 *     copy opens in ~0 ms instead of ~24 ms for ALBERT-base). GPU
 *     libraries free their copy once the weights are on the GPU. With
 *     --embed-weights they are read from the library itself, in place.
 *   - activations and outputs: one arena per handle, grown to the largest
 *     batch x seq seen, freed at close. Output pointers returned by
 *     albert_rt_output() point into it: valid until the next run or close.
 *   - inputs: read during albert_rt_run() only; the caller keeps them.
 *   - the tokenizer (libraries compiled with one): opened with the weights,
 *     owned by the handle, freed at close.
 *   - GPU libraries: open checks the GPU (driver, compute capability) and
 *     copies every weight to the device, where it stays until close; one
 *     device arena per handle (grown like the host one) holds the inputs and
 *     activations; run copies the inputs in and every output back into the
 *     host arena before it returns. Device memory is the handle's, returned
 *     to the driver at close. All handles share Halide's CUDA context and
 *     stream: their kernels run one after another.
 *
 * Handles: what open returns is an opaque ticket checked by every entry
 * point against a registry of the handles this library has open, so a handle
 * used after close (or never opened) gets ALBERT_RT_INVALID_ARGUMENT and
 * "... used after close or never opened" instead of undefined behaviour, even
 * after a later open; closing a handle that is not open does nothing.
 *
 * Threads: a handle is used by one thread at a time; separate handles may
 * run concurrently. A run or output call made while another thread is in a
 * run or output call on the same handle is refused (ALBERT_RT_INVALID_ARGUMENT,
 * "... in use by another thread"); the tokenizer may be used from any number
 * of threads at once. The kernels' thread pool is Halide's: one per shared
 * library (each carries its own Halide runtime; static libraries linked into
 * one program share one), used by all its handles; its size is set by the
 * last open that asked for one (Halide caps it at 256). Its idle
 * workers spin about 80 us before they sleep (runtime.c,
 * halide_thread_yield): awake between the parallel loops of a run, asleep
 * soon after it returns. The first open replaces the pool's loop scheduler
 * (halide_set_custom_do_par_for; runtime.c, albert_do_par_for), unless the
 * program installed one of its own: each thread takes a contiguous range of
 * a loop's tasks, then helps with the others'.
 *===----------------------------------------------------------------------===*/
#ifndef ALBERT_RUNTIME_H
#define ALBERT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "HalideRuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  ALBERT_RT_OK = 0,
  ALBERT_RT_INVALID_ARGUMENT = 1, /* bad pointer, shape, id, mask value */
  ALBERT_RT_IO = 2,               /* weights file missing or unreadable */
  ALBERT_RT_BAD_WEIGHTS = 3,      /* truncated, corrupted or another model's */
  ALBERT_RT_OUT_OF_MEMORY = 4,
  ALBERT_RT_KERNEL_FAILED = 5,    /* a Halide pipeline returned an error */
  ALBERT_RT_NO_DEVICE = 6,        /* a GPU library found no usable GPU or driver */
  ALBERT_RT_UNSUPPORTED_CPU = 7   /* this CPU lacks an instruction set the kernels use */
};

#define ALBERT_RT_MAX_OUTPUTS 8
#define ALBERT_RT_MAX_RANK 4
/* The most rows (batch x num_choices) and tokens (x seq) one run takes; a
 * model whose widest per-token tensor is wide (the MLM logits) is limited
 * further, to tensors under 2 GiB. */
#define ALBERT_RT_MAX_ROWS ((int64_t)1 << 24)
#define ALBERT_RT_MAX_TOKENS ((int64_t)1 << 28)

/* The weights file: this header, then each tensor at a 64-byte aligned
 * offset (from the start of the file), float32, in the layout its kernel
 * reads. checksum: the albert_rt_checksum state over everything after the
 * header (init, one or more updates, final). */
typedef struct albert_rt_weights_header {
  char magic[8]; /* "ALBERTW3" (format 2: the same with a one-lane checksum) */
  uint64_t fingerprint;
  uint64_t file_size;
  uint64_t checksum;
  uint64_t reserved[4];
} albert_rt_weights_header;

/* One step of the weights checksum (the round of xxHash64): multiply, then
 * rotate, so that a change anywhere in a word reaches every bit of the lane.
 * Not FNV-1a over words: its multiplications carry a change only upwards, so
 * flipping the top bit of two words cancels out (fuzz_weights_open found a
 * file with two damaged float exponents that such a checksum accepts; seed
 * fuzz/corpus/fuzz_weights_open/exponent_pair). */
#define ALBERT_RT_CHECKSUM_SEED 0x27d4eb2f165667c5ull
static inline uint64_t albert_rt_checksum_word(uint64_t h, uint64_t w) {
  h += w * 0xc2b2ae3d27d4eb4full;
  h = (h << 31) | (h >> 33);
  return h * 0x9e3779b185ebca87ull;
}

/* The checksum runs 4 lanes, word i of the stream going to lane i % 4, as
 * xxHash64 does: one lane is a chain of dependent multiplications, 4 are
 * independent chains that the core overlaps. Over ALBERT-base's 47 MB on the
 * dev machine: 13 ms in one lane, 9 ms in 4 (8 lanes: the same; a plain sum
 * of the words: 7 ms), and albert_open 30-33 -> 25-29 ms. */
typedef struct albert_rt_checksum_state {
  uint64_t lane[4];
} albert_rt_checksum_state;

static inline void albert_rt_checksum_init(albert_rt_checksum_state *s) {
  for (int i = 0; i < 4; ++i)
    s->lane[i] = ALBERT_RT_CHECKSUM_SEED + (uint64_t)i * 0x9e3779b97f4a7c15ull;
}

/* `s` advanced over the whole 8-byte words of p[0, n). n must be a multiple
 * of 32 (4 words) in every update but the last, so that word i of the stream
 * stays in lane i % 4 (the writer updates per tensor, whose sizes are
 * multiples of 64 bytes; the runtime updates once over the file). */
static inline void albert_rt_checksum_update(albert_rt_checksum_state *s, const unsigned char *p,
                                             uint64_t n) {
  uint64_t l0 = s->lane[0], l1 = s->lane[1], l2 = s->lane[2], l3 = s->lane[3], w[4];
  uint64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    memcpy(w, p + i, 32);
    l0 = albert_rt_checksum_word(l0, w[0]);
    l1 = albert_rt_checksum_word(l1, w[1]);
    l2 = albert_rt_checksum_word(l2, w[2]);
    l3 = albert_rt_checksum_word(l3, w[3]);
  }
  s->lane[0] = l0, s->lane[1] = l1, s->lane[2] = l2, s->lane[3] = l3;
  for (int k = 0; i + 8 <= n; i += 8, ++k) {
    memcpy(w, p + i, 8);
    s->lane[k] = albert_rt_checksum_word(s->lane[k], w[0]);
  }
}

/* The lanes merged into one value (xxHash64's merge). */
static inline uint64_t albert_rt_checksum_final(const albert_rt_checksum_state *s) {
  uint64_t h = 0;
  for (int i = 0; i < 4; ++i) {
    uint64_t r = 1 + 6 * (uint64_t)i; /* rotations 1, 7, 13, 19 */
    h += (s->lane[i] << r) | (s->lane[i] >> (64 - r));
  }
  for (int i = 0; i < 4; ++i) {
    h ^= albert_rt_checksum_word(0, s->lane[i]);
    h = h * 0x9e3779b185ebca87ull + 0x85ebca77c2b2ae63ull;
  }
  return h;
}

/* One weight tensor of the file; extents in Halide order (innermost first),
 * dense. */
typedef struct albert_rt_weight {
  uint64_t offset;
  int32_t rank;
  int32_t extent[ALBERT_RT_MAX_RANK];
} albert_rt_weight;

/* One activation buffer: per_token rows (batch*seq, rounded up to a
 * multiple of 8) or per-sequence rows (batch, rounded up), of `cols`. */
typedef struct albert_rt_value {
  int32_t per_token;
  int32_t cols;
} albert_rt_value;

/* How an output's buffer is shown to the caller (no data moves). */
enum {
  ALBERT_RT_VIEW_NONE = 0,
  ALBERT_RT_VIEW_SQUEEZE = 1, /* per-token, 1 col: [batch, seq] */
  ALBERT_RT_VIEW_CHOICES = 2  /* per-row, 1 col, of a multiple-choice model: [batch, choices] */
};

typedef struct albert_rt_output_desc {
  const char *name;
  int32_t per_token; /* 1: [batch, seq, cols]; 0: [batch, cols] */
  int32_t cols;
  int32_t view;      /* ALBERT_RT_VIEW_* */
} albert_rt_output_desc;

/* What forward() sees. Buffers are ready: ids/mask/tt are (seq, batch)
 * int32; values[] are sized for this batch and seq. forward() sets
 * outputs[i] to the buffer that holds output i. */
typedef struct albert_rt_exec {
  int32_t batch, seq;
  halide_buffer_t ids, mask, tt;
  halide_buffer_t *weights;
  halide_buffer_t *values;
  halide_buffer_t *outputs[ALBERT_RT_MAX_OUTPUTS];
} albert_rt_exec;

/* Everything the generated code tells the runtime about the model. */
typedef struct albert_rt_model {
  const char *name;
  uint64_t fingerprint;
  uint64_t weights_file_size;
  /* The checksum of the weights written with this library: a weights file of
   * another checkpoint with the same shapes has the same fingerprint and a
   * valid checksum of its own, and is refused by this one. */
  uint64_t weights_checksum;
  int64_t vocab_size, type_vocab_size, max_positions;
  int32_t num_weights;
  const albert_rt_weight *weights;
  int32_t num_values;
  const albert_rt_value *values;
  int32_t num_outputs;
  const albert_rt_output_desc *outputs;
  int (*forward)(albert_rt_exec *exec);
  /* With --embed-weights: the weights file's bytes inside the library. */
  const unsigned char *embedded_weights;
  uint64_t embedded_size;
  /* The widest per-token tensor any kernel makes (e.g. the vocabulary for
   * MLM logits, 3H for QKV): Halide buffers must stay under 2^31 bytes, so
   * batch * seq * this * 4 must too. */
  int64_t max_token_cols;
  /* 1: a multiple-choice model, whose inputs are [batch, choices, seq] and
   * whose encoder runs on batch * choices rows (albert_rt_run_choices). */
  int32_t choices;
  /* The tokenizer, when albertc found spiece.model: albert_rt_open opens it
   * from <weights folder>/<tokenizer_file> (path NULL: from the embedded
   * bytes) with tokenizer_open, which returns NULL and writes a message on
   * failure; albert_rt_close calls tokenizer_close. NULL: none. */
  const char *tokenizer_file;
  const unsigned char *embedded_tokenizer;
  uint64_t embedded_tokenizer_size;
  void *(*tokenizer_open)(const char *path, const void *data, size_t size, char *error,
                          size_t error_size);
  void (*tokenizer_close)(void *tokenizer);
  /* GPU libraries (--target cuda): the kernels' device API, e.g.
   * halide_cuda_device_interface; NULL for CPU libraries. device_capability:
   * the oldest CUDA compute capability the kernels run on (86 = 8.6). */
  const struct halide_device_interface_t *(*device_interface)(void);
  int32_t device_capability;
  /* The Halide target features the kernels were compiled with (a
   * halide_target_feature_t bit set of (halide_target_feature_end + 63) / 64
   * words) and the target's name: albert_rt_open refuses a CPU without the
   * x86 instruction sets among them (CPUID), where the first kernel would
   * otherwise die of SIGILL. */
  const uint64_t *target_features;
  const char *target_name;
  /* CPU libraries: forward runs the shared layers' loop in chunks of at most
   * chunk_rows token rows (albert_rt_chunk_sequences), on views of the
   * values; the runtime leaves room for the last chunk's rounded-up rows.
   * 0: no chunks. */
  int64_t chunk_rows;
} albert_rt_model;

typedef struct albert_rt_handle albert_rt_handle;

/* For the generated forward(): how many of `batch` sequences of `seq` tokens
 * one chunk holds, when a loop runs in chunks of at most `limit` token rows
 * whose first rows are multiples of `unit` (so that every view starts on a
 * 64-byte line); `batch` (one chunk) when seq > limit, batch x seq <= limit
 * or no count fits. */
int64_t albert_rt_chunk_sequences(int64_t batch, int64_t seq, int64_t limit, int64_t unit);

/* A view of some rows of a buffer: its own halide_buffer_t and dimensions. */
typedef struct albert_rt_view {
  halide_buffer_t buffer;
  halide_dimension_t dims[4];
} albert_rt_view;

/* `buffer` from row `row` of its last dimension, `rows` rows long, as `view`
 * (which the caller owns; it points into `buffer`'s memory and dimensions'
 * strides). Returns &view->buffer. */
halide_buffer_t *albert_rt_rows_view(const halide_buffer_t *buffer, int64_t row, int64_t rows,
                                     albert_rt_view *view);

/* Opens a model: `path` is the folder holding <name>.weights, the weights
 * file itself, or NULL for embedded weights. num_threads > 0 sets the size of
 * the library's kernel thread pool (shared by its handles); <= 0 keeps the current one
 * (initially HL_NUM_THREADS or the core count). On failure *out is NULL and
 * albert_rt_error(NULL) says why (per thread). */
int albert_rt_open(const albert_rt_model *model, const char *path, int num_threads,
                   albert_rt_handle **out);
/* Every call below takes the calling library's `model` with the handle: a
 * handle opened by another library (another model) is refused like one that
 * is not open, also where two static libraries share one copy of this
 * runtime (and so one registry of handles). */
/* Runs on [batch, seq] int32 inputs (row-major). mask and token_type_ids may
 * be NULL (all ones / all zeros). */
int albert_rt_run(const albert_rt_model *model, albert_rt_handle *h, int64_t batch, int64_t seq,
                  const int32_t *input_ids, const int32_t *attention_mask,
                  const int32_t *token_type_ids);
/* The same for a multiple-choice model: [batch, choices, seq] inputs. */
int albert_rt_run_choices(const albert_rt_model *model, albert_rt_handle *h, int64_t batch,
                          int64_t choices, int64_t seq, const int32_t *input_ids,
                          const int32_t *attention_mask, const int32_t *token_type_ids);
/* Output `index` of the last run: library-owned data, its rank (2 or 3) and
 * shape. */
int albert_rt_output(const albert_rt_model *model, const albert_rt_handle *h, int index,
                     const float **data, int64_t shape[3], int *rank);
/* Copies output `index` of the last run into caller-owned `dst` of
 * `capacity` floats. */
int albert_rt_output_into(const albert_rt_model *model, const albert_rt_handle *h, int index,
                          float *dst, int64_t capacity);
/* A tokenizer call on `h` (libraries compiled with a tokenizer): begin returns
 * the tokenizer (owned by the handle) and holds the handle, so that a close
 * from another thread waits, until end; end makes `message` this thread's
 * last error for the handle when rc != 0 and returns rc. begin returns NULL,
 * with nothing to end, when `h` is not open or the library has no tokenizer
 * (albert_rt_error says which). Any number of threads may be inside
 * begin/end at once; each sees its own tokenizer errors. */
void *albert_rt_tokenizer_begin(const albert_rt_model *model, const albert_rt_handle *h,
                                albert_rt_handle **held);
int albert_rt_tokenizer_end(albert_rt_handle *held, int rc, const char *message);
/* The last error of `h`: a tokenizer call's failure on this thread if that
 * was this thread's last call with h, else the handle's last run or output
 * failure; h NULL: this thread's last failed open (or call given a NULL
 * handle); a handle that is not open (or another library's): why this
 * thread's last call with it failed. Never NULL. */
const char *albert_rt_error(const albert_rt_model *model, const albert_rt_handle *h);
/* Frees everything of `h`; NULL, a handle that is not open, or another
 * library's: no-op. */
void albert_rt_close(const albert_rt_model *model, albert_rt_handle *h);

#ifdef __cplusplus
}
#endif

#endif /* ALBERT_RUNTIME_H */
