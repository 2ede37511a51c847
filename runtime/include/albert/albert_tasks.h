/*===- albert_tasks.h - from a model's outputs to answers -----------------===*
 *
 * Small helpers that turn the outputs of a library made by `albertc compile`
 * into what an application shows: probabilities, the top-k tokens of a
 * fill-mask, the answer span of extractive question answering, the words and
 * entities of token classification. Header-only C99 (also valid C++), no allocation,
 * no dependencies: albertc copies it next to every generated library, and
 * `albertc run --text` uses the same code.
 *
 * Ownership: every function writes only into caller-owned arrays whose sizes
 * the caller passes; nothing is kept between calls. All functions are
 * reentrant.
 *===----------------------------------------------------------------------===*/
#ifndef ALBERT_TASKS_H
#define ALBERT_TASKS_H

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* probs[i] = exp(logits[i]) / sum_j exp(logits[j]), computed stably (the max is
 * subtracted first). probs may be logits; n <= 0 writes nothing. As
 * torch.softmax: a NaN or +Inf logit makes every probability NaN. */
static inline void albert_softmax(const float *logits, int64_t n, float *probs) {
  if (n <= 0) return;
  float mx = logits[0];
  for (int64_t i = 1; i < n; ++i)
    if (logits[i] > mx) mx = logits[i];
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += exp((double)logits[i] - (double)mx);
  for (int64_t i = 0; i < n; ++i) probs[i] = (float)(exp((double)logits[i] - (double)mx) / sum);
}

/* The probabilities of a classifier's n >= 1 logits, as HuggingFace's
 * text-classification pipeline gives them: softmax over the labels, or, for
 * one label (a regression or yes/no head), its sigmoid. */
static inline void albert_class_probabilities(const float *logits, int64_t n, float *probs) {
  if (n == 1)
    probs[0] = (float)(1.0 / (1.0 + exp(-(double)logits[0])));
  else
    albert_softmax(logits, n, probs);
}

/* Whether a ranks above b: the larger, with NaN above every number (as
 * torch.argmax and torch.topk order them). */
static inline int albert_ranks_above(float a, float b) {
  return a > b || (isnan(a) && !isnan(b));
}

/* The index of the largest value (the first one on ties; a NaN counts as the
 * largest, as in torch.argmax). n >= 1; n <= 0 returns 0. */
static inline int64_t albert_argmax(const float *values, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (albert_ranks_above(values[i], values[best])) best = i;
  return best;
}

/* Writes the indices of the min(k, n) largest values into indices[], largest
 * first (lower index first on ties; NaNs first, as in torch.topk); returns
 * how many. O(n k): meant for small k, such as the top 5 of a vocabulary. */
static inline int64_t albert_top_k(const float *values, int64_t n, int64_t k, int64_t *indices) {
  if (k > n) k = n;
  if (k < 0) k = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    /* Insert i into the sorted prefix if it beats the smallest kept value. */
    if (count == k && (k == 0 || !albert_ranks_above(values[i], values[indices[k - 1]])))
      continue;
    int64_t pos = count < k ? count++ : k - 1;
    while (pos > 0 && albert_ranks_above(values[i], values[indices[pos - 1]])) {
      indices[pos] = indices[pos - 1];
      --pos;
    }
    indices[pos] = i;
  }
  return count;
}

/* An answer span of extractive question answering: tokens start..end
 * (inclusive), and its probability p_start(start) * p_end(end), each a
 * softmax over the candidate tokens. */
typedef struct albert_span {
  int64_t start, end;
  float score;
} albert_span;

/* The best span of start/end logits over the candidate tokens
 * (candidate[i] != 0: token i may be part of an answer, e.g. the context's
 * tokens), with start <= end, end - start + 1 <= max_tokens, and every token
 * from start to end a candidate. "Best" maximises start_logits[start] +
 * end_logits[end], as HuggingFace's question-answering pipeline does; a
 * span whose sum is NaN (a NaN logit) is never chosen. Returns 1 and sets
 * *out, or 0 when no span qualifies (no candidate token, max_tokens < 1, or
 * only NaN sums). The score is the span's probability, p_start * p_end, each
 * a softmax over the candidates: NaN when a candidate logit is +inf or all
 * are -inf (as torch.softmax). */
static inline int albert_best_span(const float *start_logits, const float *end_logits,
                                   const uint8_t *candidate, int64_t n, int64_t max_tokens,
                                   albert_span *out) {
  int found = 0;
  double best = -HUGE_VAL, max_start = -HUGE_VAL, max_end = -HUGE_VAL; /* -inf */
  for (int64_t i = 0; i < n; ++i)
    if (candidate[i]) {
      if ((double)start_logits[i] > max_start) max_start = (double)start_logits[i];
      if ((double)end_logits[i] > max_end) max_end = (double)end_logits[i];
    }
  for (int64_t s = 0; s < n; ++s) {
    if (!candidate[s]) continue;
    for (int64_t e = s; e < n && e - s < max_tokens && candidate[e]; ++e) {
      double v = (double)start_logits[s] + (double)end_logits[e];
      if (isnan(v)) continue;
      if (!found || v > best) {
        best = v;
        out->start = s;
        out->end = e;
        found = 1;
      }
    }
  }
  if (!found) return 0;
  /* The probabilities of the chosen start and end among the candidates. */
  double zs = 0, ze = 0;
  for (int64_t i = 0; i < n; ++i)
    if (candidate[i]) {
      zs += exp((double)start_logits[i] - max_start);
      ze += exp((double)end_logits[i] - max_end);
    }
  out->score = (float)(exp((double)start_logits[out->start] - max_start) / zs *
                       exp((double)end_logits[out->end] - max_end) / ze);
  return 1;
}

/* Splits the tokens of `text` into words, for word-level token
 * classification: token t covers bytes [offsets[2t], offsets[2t+1]) of the
 * text when source[t] == 0 (the tokenizer's offsets and sources; special
 * tokens and a second text are skipped). A token continues the word before it
 * when no space separates them, when its bytes overlap that word's (the
 * pieces of one character that normalizes to several, e.g. "ﬁ" -> "fi", share
 * its bytes), or when that word so far is a lone "▁" piece (an empty span
 * where its word starts); the space a piece covers before its word ("▁Smith")
 * is not part of the word. Writes, per word, its first token
 * (whose label the word takes: HuggingFace's aggregation "first") and its
 * bytes [word_begin, word_end); each array holds n entries. Returns the number
 * of words. */
static inline int64_t albert_words(const char *text, const int32_t *offsets,
                                   const int32_t *source, int64_t n, int32_t *word_token,
                                   int32_t *word_begin, int32_t *word_end) {
  int64_t words = 0;
  for (int64_t t = 0; t < n; ++t) {
    if (source[t] != 0) continue;
    int32_t b = offsets[2 * t], e = offsets[2 * t + 1];
    while (b < e && isspace((unsigned char)text[b])) ++b;
    if (words > 0) {
      int32_t last = word_end[words - 1];
      int empty = word_begin[words - 1] == last;
      if (empty ? b == last
                : b < last || (b == last && b > 0 && !isspace((unsigned char)text[b - 1]))) {
        if (e > last) word_end[words - 1] = e;
        continue;
      }
    }
    word_token[words] = (int32_t)t;
    word_begin[words] = b;
    word_end[words] = e;
    ++words;
  }
  return words;
}

/* One entity of token classification: words first_word..last_word, bytes
 * [begin, end) of the text, its type (the label without "B-"/"I-"), and the
 * mean probability of the words' labels. */
typedef struct albert_entity {
  int32_t first_word, last_word;
  int32_t begin, end;
  char type[64];
  float score;
} albert_entity;

/* The type of label `name`: "B-PER" and "I-PER" -> "PER"; a label without a
 * B-/I- prefix is its own type; "O" is no entity (returns 0). */
static inline int albert_entity_type(const char *name, char type[64], int *begins) {
  *begins = 0;
  if (!name || !strcmp(name, "O")) return 0;
  if ((name[0] == 'B' || name[0] == 'I') && name[1] == '-') {
    *begins = name[0] == 'B';
    name += 2;
  }
  /* Longer names are cut at 63 bytes, on a UTF-8 character boundary (two
   * types that agree in those bytes are one type). */
  size_t len = strlen(name);
  if (len > 63) {
    len = 63;
    while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80) --len;
  }
  memcpy(type, name, len);
  type[len] = 0;
  return 1;
}

/* Groups words into entities (BIO tags). Word w has the label of its first
 * token (HuggingFace's aggregation_strategy="first"): word_label[w], with
 * probability word_score[w], covering bytes [word_begin[w], word_end[w]).
 * An entity starts at a "B-X" word, or at an "I-X" / "X" word that does not
 * continue an entity of type X; "O" ends it. label_names holds num_labels
 * names; a label outside [0, num_labels), or a NULL name, counts as "O".
 * Writes at most `capacity` entities; returns how many there are (which may
 * be more). */
static inline int64_t albert_group_entities(const int32_t *word_label, const float *word_score,
                                            const int32_t *word_begin, const int32_t *word_end,
                                            int64_t num_words, const char *const *label_names,
                                            int64_t num_labels, albert_entity *entities,
                                            int64_t capacity) {
  int64_t count = 0;
  int open = 0;         /* the last entity can still grow */
  char current[64] = ""; /* its type */
  int32_t first = 0;    /* its first word */
  double sum = 0;       /* its words' scores */
  for (int64_t w = 0; w < num_words; ++w) {
    char type[64];
    int begins;
    int32_t l = word_label[w];
    if (l < 0 || l >= num_labels || !label_names[l] ||
        !albert_entity_type(label_names[l], type, &begins)) {
      open = 0;
      continue;
    }
    if (open && !begins && !strcmp(current, type)) {
      sum += (double)word_score[w];
    } else {
      ++count;
      open = 1;
      memcpy(current, type, sizeof type);
      first = (int32_t)w;
      sum = (double)word_score[w];
    }
    if (count <= capacity) {
      albert_entity *e = &entities[count - 1];
      e->first_word = first;
      e->last_word = (int32_t)w;
      e->begin = word_begin[first];
      e->end = word_end[w];
      memcpy(e->type, current, sizeof current);
      e->score = (float)(sum / (double)(w - first + 1));
    }
  }
  return count;
}

#ifdef __cplusplus
}
#endif

#endif /* ALBERT_TASKS_H */
