/* ner.c - the named entities of a text, with a token classifier (BIO labels).
 *
 *   albertc compile my-albert-ner -o nerlib --name ner
 *   cc examples/ner.c -Inerlib -Lnerlib -lner -Wl,-rpath,$PWD/nerlib -lm -o ner
 *   ./ner nerlib "Ada Lovelace was born in London."
 *
 * Word level: a word is a run of tokens with no space between them and takes
 * the label of its first token; albert_group_entities joins B-X I-X ... words.
 */
#include <stdio.h>
#include <stdlib.h>

#include "albert_tasks.h"
#include "ner.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LIBRARY_DIR TEXT\n", argv[0]);
    return 2;
  }
  const char *text = argv[2];
  ner_model *model = NULL;
  if (ner_open(argv[1], NULL, &model) != ALBERT_OK) {
    fprintf(stderr, "open: %s\n", ner_error(NULL));
    return 1;
  }
  int64_t max_seq, n = 0;
  ner_limits(NULL, NULL, &max_seq);
  size_t cap = (size_t)max_seq;
  int32_t *ids = malloc(cap * sizeof *ids), *offsets = malloc(2 * cap * sizeof *offsets);
  int32_t *source = malloc(cap * sizeof *source), *label = malloc(cap * sizeof *label);
  int32_t *begin = malloc(cap * sizeof *begin), *end = malloc(cap * sizeof *end);
  int32_t *first = malloc(cap * sizeof *first);
  float *score = malloc(cap * sizeof *score), *p = malloc(NER_NUM_LABELS * sizeof *p);
  albert_entity *entities = malloc(cap * sizeof *entities);
  const char *names[NER_NUM_LABELS];
  const float *logits;
  int64_t shape[3];
  int rank, status = 1;
  if (!ids || !offsets || !source || !label || !begin || !end || !first || !score || !p ||
      !entities)
    goto done;
  if (ner_tokenize(model, text, NULL, (int32_t)max_seq, ids, NULL, offsets, source, max_seq,
                   &n) != ALBERT_OK ||
      ner_run(model, 1, n, ids, NULL, NULL) != ALBERT_OK ||
      ner_output(model, NER_OUTPUT_LOGITS, &logits, shape, &rank) != ALBERT_OK) {
    fprintf(stderr, "%s\n", ner_error(model));
    goto done;
  }
  for (int i = 0; i < NER_NUM_LABELS; ++i) names[i] = ner_label(i);
  /* Words: runs of tokens with no space between them (albert_words); each
   * takes the label of its first token. */
  int64_t words = albert_words(text, offsets, source, n, first, begin, end);
  for (int64_t w = 0; w < words; ++w) {
    albert_softmax(logits + (int64_t)first[w] * NER_NUM_LABELS, NER_NUM_LABELS, p);
    label[w] = (int32_t)albert_argmax(p, NER_NUM_LABELS);
    score[w] = p[label[w]];
  }
  int64_t count = albert_group_entities(label, score, begin, end, words, names, NER_NUM_LABELS,
                                        entities, (int64_t)cap);
  for (int64_t i = 0; i < count && i < (int64_t)cap; ++i)
    printf("%-8s %.4f  \"%.*s\"  [%d, %d)\n", entities[i].type, entities[i].score,
           (int)(entities[i].end - entities[i].begin), text + entities[i].begin,
           entities[i].begin, entities[i].end);
  if (!count) printf("no entities\n");
  status = 0;
done:
  free(ids), free(offsets), free(source), free(label), free(begin), free(end), free(first);
  free(score), free(p), free(entities);
  ner_close(model);
  return status;
}
