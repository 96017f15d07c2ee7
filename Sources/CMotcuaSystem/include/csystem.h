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

/// Write-behind for a file written in order: starts the writeback of [offset, offset + length)
/// and waits for the writeback of everything before it, so that the dirty pages stay within
/// two pieces and the final fsync — which no signal can cut short — has little left to do.
/// Returns 0, or -1 with errno set; a caller may ignore failures (fsync stays the authority).
int motcua_write_behind(int fd, long long offset, long long length);

#endif
