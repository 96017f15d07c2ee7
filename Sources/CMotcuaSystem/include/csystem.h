// Linux calls Swift's Glibc module does not expose (they need _GNU_SOURCE).
#ifndef MOTCUA_CSYSTEM_H
#define MOTCUA_CSYSTEM_H

/// Atomically exchanges two paths on one filesystem (renameat2 RENAME_EXCHANGE).
/// Returns 0, or -1 with errno set (ENOSYS/EINVAL where unsupported).
int motcua_exchange_paths(const char *a, const char *b);

/// The signal that interrupted the run (0 while none): set by the signal handler's queue,
/// polled by the reading threads. A C11 atomic, as Swift's Atomic needs macOS 15.
void motcua_set_interrupt(int signal);
int motcua_interrupt(void);

#endif
