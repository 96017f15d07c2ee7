/* "zlib alone": inflate a gzip file with zlib and discard the output; the floor that SPEC §8
 * compares motcua against. Multi-member aware (a member's end restarts inflate on the bytes
 * that follow), 256 KiB buffers, prints the compressed and uncompressed byte counts.
 *
 *     cc -O2 -o zlib_inflate scripts/bench/zlib_inflate.c -lz
 *     ./zlib_inflate FILE.gz...
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (256 * 1024)

static unsigned char in[CHUNK], out[CHUNK];

static int inflate_file(const char *path, unsigned long long *cbytes, unsigned long long *ubytes) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 1; }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK) { fprintf(stderr, "inflateInit2 failed\n"); fclose(f); return 1; }
    int ret = Z_OK, rc = 0, in_member = 0;
    for (;;) {
        if (zs.avail_in == 0) {
            size_t n = fread(in, 1, CHUNK, f);
            if (ferror(f)) { perror(path); rc = 1; break; }
            if (n == 0) break;
            *cbytes += n;
            zs.next_in = in;
            zs.avail_in = (uInt)n;
        }
        in_member = 1;
        zs.next_out = out;
        zs.avail_out = CHUNK;
        ret = inflate(&zs, Z_NO_FLUSH);
        *ubytes += CHUNK - zs.avail_out;
        if (ret == Z_STREAM_END) {          /* next member, if any bytes follow */
            in_member = 0;
            if (inflateReset(&zs) != Z_OK) { rc = 1; break; }
            continue;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR) {
            fprintf(stderr, "%s: inflate error %d (%s)\n", path, ret, zs.msg ? zs.msg : "");
            rc = 1;
            break;
        }
    }
    if (rc == 0 && in_member) { fprintf(stderr, "%s: truncated gzip\n", path); rc = 1; }
    inflateEnd(&zs);
    fclose(f);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE.gz...\n", argv[0]); return 64; }
    unsigned long long c = 0, u = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) rc |= inflate_file(argv[i], &c, &u);
    printf("%llu compressed bytes, %llu bytes\n", c, u);
    return rc;
}
