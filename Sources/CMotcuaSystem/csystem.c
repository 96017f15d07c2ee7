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

static atomic_int interrupt_signal;

void motcua_set_interrupt(int signal) { atomic_store_explicit(&interrupt_signal, signal, memory_order_release); }

int motcua_interrupt(void) { return atomic_load_explicit(&interrupt_signal, memory_order_acquire); }
