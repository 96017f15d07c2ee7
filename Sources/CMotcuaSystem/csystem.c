#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include "csystem.h"

int motcua_exchange_paths(const char *a, const char *b) {
#ifdef RENAME_EXCHANGE
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int motcua_write_behind(int fd, long long offset, long long length) {
#ifdef SYNC_FILE_RANGE_WRITE
    if (sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE) != 0) return -1;
    if (offset == 0) return 0;
    return sync_file_range(fd, 0, offset, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
#else
    (void)fd; (void)offset; (void)length;
    return 0;
#endif
}

static atomic_int interrupt_signal;

void motcua_set_interrupt(int signal) { atomic_store_explicit(&interrupt_signal, signal, memory_order_release); }

int motcua_interrupt(void) { return atomic_load_explicit(&interrupt_signal, memory_order_acquire); }
