// Stage 1 of the JSON scanner alone, two builds of json_index.c in one process (issue 16): the
// base ("a_") and the work tree's ("b_") line entry point over every line of a file, in
// alternating rounds, timed in thread CPU time (what one core spent, whatever else the machine
// runs). A kernel that leaves UTF-8 to the caller (-1) is charged the separate validation
// pass, as the NDJSON decoder does. Every line's verdicts and positions must agree.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long a_line_with(int k, const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf);
long b_line_with(int k, const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf);
int motcua_utf8_validate(const uint8_t *p, size_t n);

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/// One pass over the file; the sum of counts and verdicts, a check that both builds agree.
static long pass(int b, int kernel, const uint8_t *buf, size_t n, uint32_t *out) {
    long sum = 0;
    for (size_t i = 0; i < n;) {
        int escapes, utf8;
        size_t lf, avail = n - i < 65536 ? n - i : 65536;
        long c = b ? b_line_with(kernel, buf + i, avail, out, &escapes, &utf8, &lf)
                   : a_line_with(kernel, buf + i, avail, out, &escapes, &utf8, &lf);
        if (utf8 < 0) utf8 = motcua_utf8_validate(buf + i, lf);
        sum += c * 3 + utf8 + escapes;
        i += lf + 1;
    }
    return sum;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: stage1_ab FILE.ndjson [KERNEL 1=sse2 2=avx2 3=avx512] [ROUNDS]\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END);
    size_t n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n + 64);
    if (fread(buf, 1, n, f) != n) { perror("read"); return 2; }
    fclose(f);
    int kernel = argc > 2 ? atoi(argv[2]) : 2, rounds = argc > 3 ? atoi(argv[3]) : 9;
    uint32_t *out = malloc(sizeof(uint32_t) * (65536 + 72));
    uint32_t *check = malloc(sizeof(uint32_t) * (65536 + 72));
    // Positions line by line, both builds.
    for (size_t i = 0; i < n;) {
        int ea, eb, ua, ub;
        size_t la, lb, avail = n - i < 65536 ? n - i : 65536;
        long ca = a_line_with(kernel, buf + i, avail, out, &ea, &ua, &la);
        long cb = b_line_with(kernel, buf + i, avail, check, &eb, &ub, &lb);
        if (ca == -2 || cb == -2) { fprintf(stderr, "kernel %d: not on this CPU\n", kernel); return 2; }
        if (ua < 0) ua = motcua_utf8_validate(buf + i, la);
        if (ub < 0) ub = motcua_utf8_validate(buf + i, lb);
        if (ca != cb || la != lb || ua != ub || (ca > 0 && memcmp(out, check, sizeof(uint32_t) * (size_t)(ca + 1)) != 0)) {
            fprintf(stderr, "builds differ on the line at byte %zu\n", i);
            return 1;
        }
        i += la + 1;
    }
    printf("%zu bytes, kernel %d, MB/s of thread CPU time (a = base, b = work tree)\n", n, kernel);
    double ratios[64];
    for (int r = 0; r < rounds && r < 64; r++) {
        double t0 = cpu_seconds();
        long sa = pass(0, kernel, buf, n, out);
        double t1 = cpu_seconds();
        long sb = pass(1, kernel, buf, n, out);
        double t2 = cpu_seconds();
        if (sa != sb) { fprintf(stderr, "sums differ\n"); return 1; }
        ratios[r] = (t1 - t0) / (t2 - t1);
        printf("round %2d: a %6.0f  b %6.0f  b/a speed %.3f\n", r + 1, n / (t1 - t0) / 1e6, n / (t2 - t1) / 1e6, ratios[r]);
    }
    for (int i = 1; i < rounds; i++)
        for (int j = i; j > 0 && ratios[j] < ratios[j - 1]; j--) { double t = ratios[j]; ratios[j] = ratios[j - 1]; ratios[j - 1] = t; }
    printf("median b/a speed: %.3f\n", ratios[rounds / 2]);
    return 0;
}
