/* LD_PRELOAD'ed by folder_lock.test: flock(2) fails as on a file system
 * without it (ENOLCK, e.g. some network and FUSE file systems). */
#include <errno.h>

int flock(int fd, int operation) {
  (void)fd, (void)operation;
  errno = ENOLCK;
  return -1;
}
