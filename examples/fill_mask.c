/* fill_mask.c - the most likely tokens for each [MASK] of a sentence.
 *
 *   albertc compile albert-base-v2 -o fm --name fillmask     (a folder with spiece.model)
 *   cc examples/fill_mask.c -Ifm -Lfm -lfillmask -Wl,-rpath,$PWD/fm -lm -o fill_mask
 *   ./fill_mask fm "The capital of France is [MASK]."
 *
 * Text in, tokens out, with the library's tokenizer and albert_tasks.h (both
 * next to the library); no Python anywhere.
 */
#include <stdio.h>
#include <stdlib.h>

#include "albert_tasks.h"
#include "fillmask.h"

#define TOP_K 5

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LIBRARY_DIR \"text with [MASK]\"\n", argv[0]);
    return 2;
  }
  fillmask_model *model = NULL;
  if (fillmask_open(argv[1], NULL, &model) != ALBERT_OK) {
    fprintf(stderr, "open: %s\n", fillmask_error(NULL));
    return 1;
  }
  int64_t vocab, types, max_seq, n = 0;
  fillmask_limits(&vocab, &types, &max_seq);
  int32_t *ids = malloc((size_t)max_seq * sizeof *ids);
  float *probs = malloc((size_t)vocab * sizeof *probs);
  size_t sentence_size = 64 * (size_t)max_seq; /* bytes: ample for max_seq tokens */
  char *sentence = malloc(sentence_size);
  const float *logits;
  int64_t shape[3];
  int rank, status = 1;
  if (!ids || !probs || !sentence) goto done;
  /* [CLS] text [SEP], truncated to what the model takes. */
  if (fillmask_tokenize(model, argv[2], NULL, (int32_t)max_seq, ids, NULL, NULL, NULL, max_seq,
                        &n) != ALBERT_OK ||
      fillmask_run(model, 1, n, ids, NULL, NULL) != ALBERT_OK ||
      fillmask_output(model, FILLMASK_OUTPUT_LOGITS, &logits, shape, &rank) != ALBERT_OK) {
    fprintf(stderr, "%s\n", fillmask_error(model));
    goto done;
  }
  int32_t mask = fillmask_special_token(model, FILLMASK_TOKEN_MASK);
  int found = 0;
  for (int64_t t = 0; t < n; ++t) {
    if (ids[t] != mask) continue;
    ++found;
    albert_softmax(logits + t * vocab, vocab, probs);
    int64_t top[TOP_K];
    int64_t k = albert_top_k(probs, vocab, TOP_K, top);
    printf("[MASK] at token %lld:\n", (long long)t);
    for (int64_t i = 0; i < k; ++i) {
      /* The token, and the sentence with it in place of [MASK]. */
      int32_t id = (int32_t)top[i];
      char token[256];
      int64_t len;
      ids[t] = id;
      if (fillmask_decode(model, &id, 1, 0, token, sizeof token, &len) != ALBERT_OK ||
          fillmask_decode(model, ids, n, 1, sentence, (int64_t)sentence_size, &len) != ALBERT_OK) {
        fprintf(stderr, "%s\n", fillmask_error(model));
        goto done;
      }
      ids[t] = mask;
      printf("  %.4f  %-16s %s\n", probs[id], token, sentence);
    }
  }
  if (!found) fprintf(stderr, "no [MASK] in the text\n");
  status = found ? 0 : 1;
done:
  free(ids);
  free(probs);
  free(sentence);
  fillmask_close(model);
  return status;
}
