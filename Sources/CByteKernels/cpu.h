// The CPU checks the kernels' dispatchers share (not part of the module's interface).
#ifndef MOTCUA_CPU_H
#define MOTCUA_CPU_H

/// Whether this CPU runs the AVX2 kernels (AVX2, BMI1, POPCNT).
static inline int has_avx2(void) {
    // Parse workers call this concurrently: the CPU check is cached with atomic accesses.
    static int known = -1;
    int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (k < 0) {
        __builtin_cpu_init();
        k = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt") ? 1 : 0;
        __atomic_store_n(&known, k, __ATOMIC_RELAXED);
    }
    return k;
}

#endif
