/* both_headers.c: a library's header and the helper header albert_tasks.h
 * included together, whatever the library's name: neither may hide the other
 * behind a shared include guard. */
#include "Albert_Tasks.h"
#include "albert_tasks.h"

int main(void) {
  float logits[2] = {0.0f, 1.0f}, probs[2];
  albert_softmax(logits, 2, probs);
  return Albert_Tasks_open == 0 || !(probs[1] > probs[0]);
}
