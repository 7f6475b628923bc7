/* SPDX-License-Identifier: MIT */
/* The hook's state parse, streaming (what memqos-hook does) against building
 * a yajl tree and looking the fields up (the obvious alternative), on the
 * states CRI-O sends: every pod annotation, including kubectl's
 * last-applied-configuration. Runs interleave A and B so a noisy machine
 * affects both alike; the ratio is what to read.
 *   make bench            (or: build/bench/bench_hook_parse [iterations]) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "../hook/state.h"

static char *make_state(size_t filler_len) {
        char *filler = malloc(filler_len + 1);
        for (size_t i = 0; i < filler_len; i++)
                filler[i] = (char)('a' + i % 26);
        filler[filler_len] = '\0';
        char *s;
        if (asprintf(&s,
                     "{\"ociVersion\":\"1.0.2\",\"id\":\"abc123\",\"status\":\"creating\","
                     "\"pid\":4242,\"bundle\":\"/run/b\",\"annotations\":{"
                     "\"kubectl.kubernetes.io/last-applied-configuration\":\"%s\","
                     "\"io.kubernetes.container.name\":\"app\","
                     "\"io.kubernetes.pod.uid\":\"0f7e3a52-9c1d-4b7e-8a55-2d4c1b9e6f01\","
                     "\"memqos.io/memory-high\":\"90%%\",\"memqos.io/memory-min\":\"64Mi\"}}",
                     filler) < 0)
                abort();
        free(filler);
        return s;
}

static double now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Heap bytes the parse result holds (what stays live while the hook works). */
static size_t held_stream, held_tree;

static size_t heap_in_use(void) {
        return mallinfo2().uordblks;
}

static int stream_once(const char *text, size_t len) {
        struct oci_state st;
        struct mq_error err;
        size_t before = heap_in_use();
        if (oci_state_parse_buf(text, len, &st, &err) < 0)
                return -1;
        held_stream = heap_in_use() - before;
        int ok = st.has_pid && oci_state_annotation(&st, "memqos.io/memory-high") != NULL;
        oci_state_done(&st);
        return ok ? 0 : -1;
}

static int tree_once(const char *text) {
        char errbuf[256];
        size_t before = heap_in_use();
        yajl_val root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
        held_tree = heap_in_use() - before;
        const char *pid_path[] = {"pid", NULL};
        const char *high_path[] = {"annotations", "memqos.io/memory-high", NULL};
        if (!root)
                return -1;
        int ok = yajl_tree_get(root, pid_path, yajl_t_number) &&
                 yajl_tree_get(root, high_path, yajl_t_string);
        yajl_tree_free(root);
        return ok ? 0 : -1;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static void run(size_t filler, int iterations) {
        char *text = make_state(filler);
        size_t len = strlen(text);
        double *a = calloc((size_t)iterations, sizeof(double));
        double *b = calloc((size_t)iterations, sizeof(double));
        for (int i = 0; i < iterations; i++) {
                double t0 = now_ns();
                if (stream_once(text, len) < 0)
                        abort();
                double t1 = now_ns();
                if (tree_once(text) < 0)
                        abort();
                double t2 = now_ns();
                a[i] = t1 - t0;
                b[i] = t2 - t1;
        }
        qsort(a, (size_t)iterations, sizeof(double), cmp_double);
        qsort(b, (size_t)iterations, sizeof(double), cmp_double);
        double ma = a[iterations / 2], mb = b[iterations / 2];
        printf("state %7zu bytes: time median streaming %7.1f us, tree %7.1f us (tree/streaming "
               "%.2fx); heap held streaming %6zu B, tree %7zu B (%.0fx)\n",
               len, ma / 1e3, mb / 1e3, mb / ma, held_stream, held_tree,
               (double)held_tree / (double)(held_stream ? held_stream : 1));
        free(a);
        free(b);
        free(text);
}

int main(int argc, char **argv) {
        int iterations = argc > 1 ? atoi(argv[1]) : 200;
        if (iterations < 1) {
                fprintf(stderr, "usage: %s [iterations >= 1]\n", argv[0]);
                return 2;
        }
        printf("memqos-hook state parse, %d interleaved runs each:\n", iterations);
        run(1024, iterations);
        run(64 * 1024, iterations);
        run(512 * 1024, iterations);
        return 0;
}
