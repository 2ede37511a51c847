/* tokenizer_threads.c: two threads make failing tokenizer calls on one
 * handle, each a different failure; each must read its own message from
 * tok_error (tokenizer errors are per thread).
 *   tokenizer_threads DIR   (a library named `tok` with a tokenizer) */
#include "tok.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static tok_model *m;
static int wrong[2];

static void *work(void *arg) {
  int which = (int)(long)arg;
  int32_t ids[4];
  int64_t len;
  for (int i = 0; i < 5000; ++i) {
    int rc = which ? tok_tokenize(m, "hello world", NULL, 1, ids, NULL, NULL, NULL, 4, &len)
                   : tok_tokenize(m, "\xff", NULL, 0, ids, NULL, NULL, NULL, 4, &len);
    const char *e = tok_error(m);
    if (rc == 0 || !strstr(e, which ? "max_length" : "UTF-8")) ++wrong[which];
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2 || tok_open(argv[1], NULL, &m)) return 2;
  pthread_t t[2];
  for (long i = 0; i < 2; ++i) pthread_create(&t[i], NULL, work, (void *)i);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  printf("calls that read another thread's message: %d %d\n", wrong[0], wrong[1]);
  tok_close(m);
  return 0;
}
