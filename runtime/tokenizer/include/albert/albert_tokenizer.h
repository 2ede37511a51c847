/*===- albert_tokenizer.h - HuggingFace's AlbertTokenizer, in C -----------===*
 *
 * Text to ALBERT input ids and back, equal to HuggingFace transformers' slow
 * AlbertTokenizer (tokenization_albert.py, transformers 4.34+) on a
 * SentencePiece model (spiece.model): lower-casing and accent stripping,
 * the special tokens [CLS] [SEP] <pad> <unk> [MASK] written in the text,
 * the digit-comma rule, [CLS] A [SEP] B [SEP] with token types, and
 * longest_first truncation to max_length. scripts/albert_tokenize.py is the
 * Python reference it is tested against (tests/unit/tokenizer_test.cpp).
 * Beyond HuggingFace's slow tokenizer it also gives every token's byte span
 * in the original text (for NER spans and QA answers).
 *
 * Errors: every function returning int returns ALBERT_TOK_OK (0) or an
 * error code, with a message from albert_tok_error(). No C++ exception
 * leaves this API.
 *
 * Ownership:
 *   - albert_tok_open reads the model file during the call; open_memory
 *     copies the bytes it is given. The handle owns everything it holds and
 *     albert_tok_close frees it (close(NULL) does nothing).
 *   - Every input (text, ids) is read during the call only; every output
 *     array and string buffer is the caller's, written during the call only.
 *   - Strings returned (albert_tok_piece, albert_tok_error) belong to the
 *     library: a piece is valid until the handle is closed, a message until
 *     the same thread's next failing call.
 *
 * Threads: a handle is immutable after open. encode, decode, special_id,
 * vocab_size and piece may be called concurrently on one handle from any
 * number of threads (SentencePiece's Encode/Decode are const); close must
 * not race with them. Error messages are kept per thread.
 *
 * Linking: libalbert_tok.a is C++ (built with hidden visibility: nothing of
 * it is exported from a shared library that embeds it). Such a library, or a
 * program, links it with  -lsentencepiece -licuuc -lstdc++  (CMake:
 * ALBERT_TOK_LINK_FLAGS, or the albert_tok target's INTERFACE_LINK_LIBRARIES).
 *===----------------------------------------------------------------------===*/
#ifndef ALBERT_TOKENIZER_H
#define ALBERT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes; the same values as the runtime's ALBERT_RT_* codes. */
enum {
  ALBERT_TOK_OK = 0,
  ALBERT_TOK_INVALID_ARGUMENT = 1, /* NULL pointer, invalid UTF-8, max_length too
                                      small, id out of range, buffer too small */
  ALBERT_TOK_IO = 2,               /* model file unreadable or not a SentencePiece
                                      model, or without a special token */
  ALBERT_TOK_OUT_OF_MEMORY = 4,
  ALBERT_TOK_INTERNAL = 5          /* SentencePiece or ICU failed unexpectedly */
};

/* Special tokens, for albert_tok_special_id. */
enum {
  ALBERT_TOK_CLS = 0, /* "[CLS]" */
  ALBERT_TOK_SEP = 1, /* "[SEP]" */
  ALBERT_TOK_MASK = 2, /* "[MASK]" */
  ALBERT_TOK_PAD = 3, /* "<pad>" */
  ALBERT_TOK_UNK = 4  /* "<unk>" */
};

typedef struct albert_tok albert_tok;

/* AlbertTokenizer's options (tokenizer_config.json). Zero-initialize and set
 * the fields, or start from albert_tok_default_options(). */
typedef struct albert_tok_options {
  int do_lower_case; /* default 1: lowercase (Python str.lower) */
  int remove_space;  /* default 1: strip, and collapse whitespace runs to one space */
  int keep_accents;  /* default 0: NFKD, then drop combining marks */
  int clean_up_tokenization_spaces; /* default 0 (transformers >= 4.45; older
                                       versions defaulted to 1): decode removes the
                                       space before . ? ! , 's n't 'm 've 're and
                                       around ' */
} albert_tok_options;

/* {1, 1, 0, 0}: AlbertTokenizer's defaults. */
albert_tok_options albert_tok_default_options(void);

/* Opens the SentencePiece model at `spiece_model_path` (opts NULL: the
 * defaults). On failure *out is NULL and albert_tok_error(NULL) says why. */
int albert_tok_open(const char *spiece_model_path, const albert_tok_options *opts,
                    albert_tok **out);
/* The same from the model's bytes (copied; the caller keeps `data`). */
int albert_tok_open_memory(const void *data, size_t size, const albert_tok_options *opts,
                           albert_tok **out);

/* Encodes `text` (and `pair`, when not NULL; "" is an empty second sequence)
 * as  [CLS] text [SEP]  or  [CLS] text [SEP] pair [SEP], truncated to
 * max_length tokens when max_length > 0 (longest_first: a token at a time
 * from the end of the longer sequence, from `pair` on a tie). Both strings
 * are NUL-terminated UTF-8.
 *
 * Per token i < *length:
 *   ids[i]              the token id
 *   token_type_ids[i]   0 up to and including the first [SEP], 1 after
 *   offsets[2i, 2i+1]   [begin, end) byte offsets of the token in its input
 *                       string (the space before a word is not included);
 *                       [0, 0) for the [CLS]/[SEP] added here
 *   source[i]           0: from text, 1: from pair, -1: [CLS]/[SEP] added here
 *                       (a special token written in the text is 0 or 1)
 * token_type_ids, offsets and source may be NULL. The arrays hold `capacity`
 * tokens (offsets 2 * capacity). *length is always set: the encoding's token
 * count, also when capacity is too small (ALBERT_TOK_INVALID_ARGUMENT with
 * *length > capacity: call again with capacity >= *length; ids may be NULL
 * when capacity is 0), and 0 on any other error.
 * Errors: invalid UTF-8; max_length below the 2 (3 with a pair) special
 * tokens; a single text whose tokens cannot be truncated to max_length - 2
 * without removing all of them (HuggingFace logs an error and returns it
 * untruncated). */
int albert_tok_encode(const albert_tok *t, const char *text, const char *pair,
                      int32_t max_length, int32_t *ids, int32_t *token_type_ids,
                      int32_t *offsets, int32_t *source, int64_t capacity, int64_t *length);

/* Decodes n ids to UTF-8 text, as AlbertTokenizer.decode(ids,
 * skip_special_tokens=skip_special != 0): runs of ordinary pieces through
 * SentencePiece, special tokens as their text ("[CLS] a b[SEP]"), or left
 * out when skip_special (<unk> included, as in HuggingFace). Writes the text
 * and a terminating NUL into dst[capacity]; *length is always set to the
 * text's byte length without the NUL (capacity must be at least *length + 1,
 * else ALBERT_TOK_INVALID_ARGUMENT and nothing is written; dst may be NULL
 * when capacity is 0). Ids out of [0, vocab_size) are an error. */
int albert_tok_decode(const albert_tok *t, const int32_t *ids, int64_t n, int skip_special,
                      char *dst, int64_t capacity, int64_t *length);

/* The id of a special token (ALBERT_TOK_CLS ...); -1 if t is NULL or
 * `which` is not one. */
int32_t albert_tok_special_id(const albert_tok *t, int which);

/* The number of pieces in the vocabulary; 0 if t is NULL. */
int32_t albert_tok_vocab_size(const albert_tok *t);

/* The piece of `id` (e.g. "\xe2\x96\x81the" for "_the"), NUL-terminated
 * UTF-8 owned by the handle; NULL if id is out of range. */
const char *albert_tok_piece(const albert_tok *t, int32_t id);

/* Why this thread's last failing call with handle t failed; with t NULL, why
 * its last failing open (or call given a NULL handle) failed. "" when there
 * was none. */
const char *albert_tok_error(const albert_tok *t);

void albert_tok_close(albert_tok *t);

#ifdef __cplusplus
}
#endif

#endif /* ALBERT_TOKENIZER_H */
