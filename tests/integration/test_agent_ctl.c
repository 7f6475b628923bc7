/* SPDX-License-Identifier: MIT */
/* The control server of a running memqos-agent (fake tree, dry run): idle
 * and slow-reading clients do not hold up answers or actions, the client
 * bound refuses the excess at once and deadlines free the slots, every HTTP
 * method/path/query gets a proper status line on the unix socket and on the
 * TCP metrics listener, and bad listen addresses are refused by name. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "agent_tree.h"
#include "expfmt.h"
#include "fstree.h"
#include "jsonpath.h"
#include "runbin.h"

#define MIB (1024ULL * 1024)

struct fixture {
        struct agent_tree t;
        struct agent_daemon d;
        char cgopt[600], procopt[600], stateopt[600], cfgopt[700], sock[600];
        uint16_t port;
};

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A port nobody listens on now (the kernel's pick for port 0). */
static uint16_t free_port(void) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        close(fd);
        return ntohs(sa.sin_port);
}

/* n_pods BestEffort pods (kubelet-style UUIDs), a node short of memory when
 * short is set (the agent then acts: dry-run lines). */
static void setup(struct fixture *f, int n_pods, bool short_of_memory, const char *extra_cfg) {
        memset(f, 0, sizeof(*f));
        agent_tree_new(&f->t, AGENT_TREE_SYSTEMD);
        agent_tree_node(&f->t, 4194304, short_of_memory ? 150000 : 3000000, 0.0);
        fstree_write(f->t.proc, "vmstat", "nr_free_pages 1000\noom_kill 5\npgfault 77\n");
        for (int i = 0; i < n_pods; i++) {
                char uid[40];
                snprintf(uid, sizeof(uid), "%08x-2222-4333-8444-%012x", 0x1000 + i, 0x5555 + i);
                struct agent_tree_pod p = {
                        uid, "besteffort", 60 * MIB, 50 * MIB, 10 * MIB, 8 * MIB, 0, 0, NULL};
                free(agent_tree_pod(&f->t, AGENT_TREE_SYSTEMD, &p));
        }
        f->port = free_port();
        char cfg[512];
        snprintf(cfg, sizeof(cfg),
                 "{\"metrics_listen\": \"127.0.0.1:%u\", \"ladder\": {\"step_interval_ms\": 200}"
                 "%s}\n",
                 f->port, extra_cfg ? extra_cfg : "");
        fstree_write(f->t.root, "agent.json", cfg);
        snprintf(f->cgopt, sizeof(f->cgopt), "--cgroup-root=%s", f->t.cg);
        snprintf(f->procopt, sizeof(f->procopt), "--proc-root=%s", f->t.proc);
        snprintf(f->stateopt, sizeof(f->stateopt), "--state-dir=%s", f->t.state);
        snprintf(f->cfgopt, sizeof(f->cfgopt), "--config=%s/agent.json", f->t.root);
        snprintf(f->sock, sizeof(f->sock), "%s/agent.sock", f->t.state);
        const char *argv[] = {"memqos-agent", "run",       "--dry-run", f->cgopt,
                              f->procopt,     f->stateopt, f->cfgopt,   NULL};
        agent_daemon_start(&f->t, argv, &f->d);
        if (!agent_wait_text(f->d.err, "running:", 10000))
                fail_msg("the agent did not come up; stderr: %s", agent_slurp(f->d.err));
}

static void teardown(struct fixture *f) {
        assert_int_equal(kill(f->d.pid, SIGTERM), 0);
        int status = agent_daemon_wait(&f->d, 5000);
        assert_true(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        agent_daemon_free(&f->d);
        agent_tree_free(&f->t);
}

static int connect_unix(const struct fixture *f) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        assert_true(strlen(f->sock) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, f->sock, strlen(f->sock) + 1);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

static int connect_tcp(const struct fixture *f) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_port = htons(f->port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

/* Send req, half-close, read the whole reply (malloc'd). */
static char *exchange(int fd, const char *req, size_t len) {
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
        shutdown(fd, SHUT_WR);
        size_t cap = 1 << 16, n = 0;
        char *buf = malloc(cap);
        for (;;) {
                if (n + 1 >= cap)
                        buf = realloc(buf, cap *= 2);
                ssize_t got = recv(fd, buf + n, cap - 1 - n, 0);
                if (got <= 0)
                        break;
                n += (size_t)got;
        }
        buf[n] = '\0';
        close(fd);
        return buf;
}

static char *ask_unix(const struct fixture *f, const char *req) {
        return exchange(connect_unix(f), req, strlen(req));
}

static char *ask_tcp(const struct fixture *f, const char *req) {
        return exchange(connect_tcp(f), req, strlen(req));
}

/* The status line, and the header named (case as sent), or NULL. */
static void assert_status(const char *reply, int code) {
        char want[32];
        snprintf(want, sizeof(want), "HTTP/1.1 %d ", code);
        if (strncmp(reply, want, strlen(want)) != 0)
                fail_msg("expected \"%s...\", got \"%.120s\"", want, reply);
        assert_non_null(strstr(reply, "\r\nConnection: close\r\n"));
        assert_non_null(strstr(reply, "\r\nContent-Length: "));
}

static const char *body_of(const char *reply) {
        const char *b = strstr(reply, "\r\n\r\n");
        assert_non_null(b);
        return b + 4;
}

static size_t content_length(const char *reply) {
        const char *h = strstr(reply, "\r\nContent-Length: ");
        assert_non_null(h);
        return (size_t)strtoull(h + 18, NULL, 10);
}

/* Every method/path/query combination gets a status line, on both sockets. */
static void test_http_matrix(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, 3, false, NULL);
        for (int tcp = 0; tcp <= 1; tcp++) {
                char *(*ask)(const struct fixture *, const char *) = tcp ? ask_tcp : ask_unix;
                char *r = ask(&f, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
                assert_status(r, 200);
                assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4"));
                assert_int_equal(content_length(r), strlen(body_of(r)));
                assert_non_null(strstr(body_of(r), "\nmemqos_pods 3\n"));
                free(r);
                /* Query strings are ignored; HTTP/1.0 is answered too. */
                r = ask(&f, "GET /metrics?x=1&y=2 HTTP/1.0\r\n\r\n");
                assert_status(r, 200);
                free(r);
                /* HEAD: the headers GET would get, no body. */
                r = ask(&f, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
                assert_status(r, 200);
                assert_true(content_length(r) > 1000);
                assert_string_equal(body_of(r), "");
                free(r);
                static const char *const not_allowed[] = {"POST", "PUT", "DELETE", "OPTIONS",
                                                          "PATCH"};
                for (size_t i = 0; i < 5; i++) {
                        char req[128];
                        snprintf(req, sizeof(req), "%s /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                                 not_allowed[i]);
                        r = ask(&f, req);
                        assert_status(r, 405);
                        assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
                        free(r);
                }
                r = ask(&f, "GET /nope HTTP/1.1\r\n\r\n");
                assert_status(r, 404);
                free(r);
                r = ask(&f, "GET /metrics HTTP/2.0\r\n\r\n");
                assert_status(r, 505);
                free(r);
                r = ask(&f, "GET /metrics\r\n\r\n");
                assert_status(r, 400);
                free(r);
                /* Cut short: no blank line before EOF. */
                r = ask(&f, "GET /metrics HTTP/1.1\r\nHost: x\r\n");
                assert_status(r, 400);
                free(r);
                /* Headers beyond 8 KiB. */
                char *big = malloc(12000);
                strcpy(big, "GET /metrics HTTP/1.1\r\nX-Pad: ");
                memset(big + strlen(big), 'a', 10000);
                strcpy(big + 10030, "\r\n\r\n");
                r = ask(&f, big);
                assert_status(r, 431);
                free(r);
                free(big);
                /* A control character in the path is quoted escaped. */
                r = ask(&f, "GET /a\x1b[2Kb HTTP/1.1\r\n\r\n");
                assert_status(r, 404);
                assert_non_null(strstr(r, "/a\\x1b[2Kb"));
                assert_null(strchr(body_of(r), '\x1b'));
                free(r);
        }
        /* status and explain are on the root-only unix socket, never on TCP. */
        char *r = ask_tcp(&f, "GET /status HTTP/1.1\r\n\r\n");
        assert_status(r, 404);
        free(r);
        r = ask_tcp(&f, "status\n");
        assert_status(r, 400);
        free(r);
        r = ask_unix(&f, "GET /status HTTP/1.1\r\n\r\n");
        assert_status(r, 200);
        assert_non_null(strstr(r, "\r\nContent-Type: application/json\r\n"));
        struct json_object *o = json_tokener_parse(body_of(r));
        assert_non_null(o);
        assert_int_equal(json_object_get_int(json_path(o, "pods")), 3);
        char want[64];
        snprintf(want, sizeof(want), "127.0.0.1:%u", f.port);
        assert_string_equal(json_object_get_string(json_path(o, "metrics_listen")), want);
        json_object_put(o);
        free(r);
        r = ask_unix(&f, "GET /explain/00001000-2222-4333-8444-000000005555 HTTP/1.1\r\n\r\n");
        assert_status(r, 200);
        free(r);
        r = ask_unix(&f, "GET /explain/nosuchpod HTTP/1.1\r\n\r\n");
        assert_status(r, 404);
        assert_non_null(strstr(body_of(r), "\"error\""));
        free(r);
        /* The line protocol: bare JSON, as `memqos-agent status` reads it. */
        r = ask_unix(&f, "status\n");
        o = json_tokener_parse(r);
        assert_non_null(o);
        json_object_put(o);
        free(r);
        r = ask_unix(&f, "frobnicate\n");
        assert_non_null(strstr(r, "unknown request"));
        free(r);
        teardown(&f);
}

static uint64_t median(uint64_t *v, int n) {
        for (int i = 1; i < n; i++)
                for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
                        uint64_t t = v[j];
                        v[j] = v[j - 1];
                        v[j - 1] = t;
                }
        return v[n / 2];
}

/* Reads since_wakeup_us of every dry-run action line in the log from byte
 * `from`; returns how many, the largest in *ret_max. */
static int action_latencies(const char *path, size_t from, uint64_t *ret_max) {
        char *log = agent_slurp(path);
        int n = 0;
        *ret_max = 0;
        for (char *p = strlen(log) > from ? log + from : log + strlen(log);
             (p = strstr(p, "\"since_wakeup_us\":")); p++) {
                uint64_t v = strtoull(p + 18, NULL, 10);
                if (v > *ret_max)
                        *ret_max = v;
                n++;
        }
        free(log);
        return n;
}

/* 12 idle clients and 3 that ask for the metrics and never read them (a
 * 2 KiB receive buffer, ~200 pods of metrics): status still answers at
 * once, and the agent keeps acting with its usual wake-to-write time. */
static void test_slow_clients(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, 200, true, NULL);
        assert_true(agent_wait_text(f.d.out, "\"since_wakeup_us\"", 10000));
        int idle[12], slow[3];
        for (int i = 0; i < 12; i++)
                idle[i] = connect_unix(&f);
        for (int i = 0; i < 3; i++) {
                slow[i] = socket(AF_INET, SOCK_STREAM, 0);
                int small = 2048;
                setsockopt(slow[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
                close(slow[i]);
                slow[i] = i % 2 ? connect_unix(&f) : connect_tcp(&f);
                setsockopt(slow[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
                const char *req = "GET /metrics HTTP/1.1\r\n\r\n";
                assert_int_equal(send(slow[i], req, strlen(req), 0), (ssize_t)strlen(req));
        }
        char *log = agent_slurp(f.d.out);
        size_t from = strlen(log);
        free(log);
        uint64_t took[5];
        for (int k = 0; k < 5; k++) {
                uint64_t t0 = now_ms();
                char *r = ask_unix(&f, "status\n");
                took[k] = now_ms() - t0;
                struct json_object *o = json_tokener_parse(r);
                assert_non_null(o);
                json_object_put(o);
                free(r);
        }
        uint64_t med = median(took, 5);
        printf("# status with 15 stalled clients: median %llu ms\n", (unsigned long long)med);
        assert_true(med < 100);
        /* The ladder steps every 200 ms: actions keep coming while the
         * clients stall, each written within the usual time of its wakeup. */
        usleep(1500 * 1000);
        uint64_t worst;
        int n = action_latencies(f.d.out, from, &worst);
        printf("# %d actions while stalled, slowest wake-to-write %llu us\n", n,
               (unsigned long long)worst);
        assert_true(n >= 1);
        assert_true(worst < 100000);
        for (int i = 0; i < 12; i++)
                close(idle[i]);
        for (int i = 0; i < 3; i++)
                close(slow[i]);
        teardown(&f);
}

/* All 16 slots taken: the next client is refused at once with a 503 and
 * `memqos-agent status` says why; the deadline frees the slots. */
static void test_client_bound_and_deadline(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, 2, false, NULL);
        int held[16];
        for (int i = 0; i < 16; i++)
                held[i] = connect_unix(&f);
        usleep(200 * 1000); /* let the agent accept them all */
        uint64_t t0 = now_ms();
        char *r = ask_tcp(&f, "GET /metrics HTTP/1.1\r\n\r\n");
        assert_true(now_ms() - t0 < 1000);
        assert_status(r, 503);
        assert_non_null(strstr(r, "too many clients"));
        free(r);
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "status", f.stateopt, NULL};
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 1);
        assert_non_null(strstr(res.err, "too many clients"));
        run_result_free(&res);
        /* 5 s after connecting, the idle clients are closed. */
        usleep(5500 * 1000);
        char one;
        assert_int_equal(recv(held[0], &one, 1, MSG_DONTWAIT), 0); /* EOF: closed by the agent */
        runbin(argv, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        run_result_free(&res);
        r = ask_unix(&f, "metrics\n");
        assert_non_null(strstr(r, "\nmemqos_control_refused_total 2\n"));
        assert_non_null(strstr(r, "\nmemqos_control_expired_total 16\n"));
        free(r);
        for (int i = 0; i < 16; i++)
                close(held[i]);
        free(bin);
        teardown(&f);
}

/* Bad listen addresses, on the command line and in the config file. */
static void test_listen_errors(void **state) {
        (void)state;
        char *bin = runbin_path("memqos-agent");
        static const struct {
                const char *arg, *want;
        } bad[] = {
                {"9713", "expected ADDR:PORT"},
                {"0.0.0.0:0", "port from 1 to 65535"},
                {"0.0.0.0:65536", "port from 1 to 65535"},
                {"0.0.0.0:http", "port from 1 to 65535"},
                {"localhost:9713", "\"localhost\" is not a numeric IPv4 address"},
                {"::1:9713", "is not a numeric IPv4 address (IPv6 goes in brackets"},
                {"[1.2.3.4]:9713", "is not a numeric IPv6 address"},
                {"1.2.3.4\n:9713", "1.2.3.4\\n"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char opt[128];
                snprintf(opt, sizeof(opt), "--metrics-listen=%s", bad[i].arg);
                char *argv[] = {bin, "run", opt, "--cgroup-root=/nonexistent", NULL};
                struct run_result res;
                runbin(argv, NULL, "", 0, &res);
                assert_int_equal(WEXITSTATUS(res.status), 1);
                if (!strstr(res.err, bad[i].want))
                        fail_msg("%s: expected \"%s\" in: %s", bad[i].arg, bad[i].want, res.err);
                /* One line: an escaped newline cannot start a second. */
                assert_ptr_equal(strchr(res.err, '\n'), res.err + strlen(res.err) - 1);
                run_result_free(&res);
        }
        char *dir = fstree_mkdtemp();
        fstree_write(dir, "c.json", "{\"metrics_listen\": 9713}\n");
        fstree_write(dir, "d.json", "{\"metrics_listen\": \"[::]:99999\"}\n");
        fstree_write(dir, "e.json", "{\"metrics_listen\": \"[::]:9713\"}\n");
        char p[3][600];
        for (int i = 0; i < 3; i++)
                snprintf(p[i], sizeof(p[i]), "%s/%c.json", dir, 'c' + i);
        struct run_result res;
        char *a1[] = {bin, "check-config", p[0], NULL};
        runbin(a1, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 1);
        assert_non_null(strstr(res.err, "\"metrics_listen\" must be a string \"ADDR:PORT\""));
        run_result_free(&res);
        char *a2[] = {bin, "check-config", p[1], NULL};
        runbin(a2, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 1);
        assert_non_null(strstr(res.err, "\"metrics_listen\": listen address \"[::]:99999\""));
        run_result_free(&res);
        char *a3[] = {bin, "check-config", p[2], NULL};
        runbin(a3, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        assert_non_null(strstr(res.out, "\"metrics_listen\":\"[::]:9713\""));
        run_result_free(&res);
        fstree_remove(dir);
        free(dir);
        free(bin);
}

static const char *const UID_A = "00001000-2222-4333-8444-000000005555";
#define CID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *scrape(const struct fixture *f) {
        char *r = ask_tcp(f, "GET /metrics HTTP/1.1\r\nHost: node\r\n\r\n");
        assert_status(r, 200);
        char *body = strdup(body_of(r));
        free(r);
        return body;
}

static void parse_strict(const char *text, struct expfmt_doc *doc) {
        char err[256];
        if (expfmt_parse(text, EXPFMT_STRICT_NAMES, doc, err, sizeof(err)) != 0)
                fail_msg("the metrics do not parse: %s", err);
}

/* promtool (Debian's prometheus package, installed by `make deps`) agrees. */
static void promtool_check(const char *text) {
        char *argv[] = {"/usr/bin/promtool", "check", "metrics", NULL};
        if (access(argv[0], X_OK) != 0)
                fail_msg("promtool is missing: `make deps` installs Debian's prometheus package");
        struct run_result res;
        runbin(argv, NULL, text, strlen(text), &res);
        if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
                fail_msg("promtool check metrics: %s%s", res.out, res.err);
        run_result_free(&res);
}

static double sample_value(const struct expfmt_doc *d, const char *name, const char *const *kv) {
        const struct expfmt_sample *s = expfmt_find_sample(d, name, kv);
        if (!s)
                fail_msg("no sample %s with the labels asked", name);
        return s->value;
}

/* A live agent's metrics, scraped over TCP: strict exposition format and
 * promtool; per-pod series carry the pod's labels (a record's odd name
 * escaped); actions show up with their pod; a pod gone drops out. */
static void test_metrics_scrape(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, 3, true, NULL);
        char *pod_a = NULL;
        assert_true(asprintf(&pod_a,
                             "/kubepods.slice/kubepods-besteffort.slice/"
                             "kubepods-besteffort-pod%.8s_%.4s_%.4s_%.4s_%.12s.slice",
                             UID_A, UID_A + 9, UID_A + 14, UID_A + 19, UID_A + 24) > 0);
        /* A name with a quote, a backslash and a newline (JSON-escaped in the record). */
        agent_tree_record(&f.t, CID_A, pod_a, UID_A, "we\\\"ird\\\\x\\nme", "team-a", "low", NULL);
        assert_true(agent_wait_text(f.d.out, "\"since_wakeup_us\"", 10000));
        usleep(600 * 1000);
        char *text = scrape(&f);
        struct expfmt_doc doc;
        parse_strict(text, &doc);
        promtool_check(text);
        assert_int_equal(sample_value(&doc, "memqos_build_info", NULL), 1);
        assert_non_null(expfmt_find(&doc, "memqos_node_pressure_memory_waiting_seconds_total"));
        assert_non_null(expfmt_find(&doc, "memqos_node_pressure_memory_stalled_seconds_total"));
        assert_true(sample_value(&doc, "memqos_node_memory_available_bytes", NULL) ==
                    150000 * 1024.0);
        assert_non_null(expfmt_find(&doc, "memqos_node_headroom_bytes"));
        const char *a_labels[] = {"uid",        UID_A,      "namespace", "team-a", "qos",
                                  "besteffort", "priority", "low",       NULL};
        assert_true(sample_value(&doc, "memqos_pod_memory_current_bytes", a_labels) == 60.0 * MIB);
        assert_true(sample_value(&doc, "memqos_pod_memory_working_set_bytes", a_labels) ==
                    52.0 * MIB);
        assert_true(isinf(sample_value(&doc, "memqos_pod_memory_max_bytes", a_labels)));
        const struct expfmt_sample *s =
                expfmt_find_sample(&doc, "memqos_pod_memory_current_bytes", a_labels);
        assert_string_equal(expfmt_label(s, "pod"), "we\"ird\\x\nme");
        assert_non_null(strstr(text, "pod=\"we\\\"ird\\\\x\\nme\""));
        /* The dry-run actions, node-wide and on their pods. */
        const struct expfmt_family *fam = expfmt_find(&doc, "memqos_pod_actions_total");
        assert_non_null(fam);
        assert_true(fam->n_samples >= 1);
        assert_string_equal(expfmt_label(&fam->samples[0], "result"), "dry-run");
        assert_non_null(expfmt_label(&fam->samples[0], "uid"));
        assert_true(sample_value(&doc, "memqos_action_latency_seconds_count", NULL) >= 1);
        expfmt_doc_free(&doc);
        free(text);

        /* The pod goes (the kubelet removes its cgroup): its series go too. */
        char *dir = NULL;
        assert_true(asprintf(&dir, "rm -rf '%s%s'", f.t.cg, pod_a) > 0);
        assert_int_equal(system(dir), 0);
        free(dir);
        bool gone = false;
        for (int k = 0; k < 100 && !gone; k++) {
                usleep(100 * 1000);
                text = scrape(&f);
                gone = !strstr(text, UID_A);
                free(text);
        }
        assert_true(gone);
        free(pod_a);
        teardown(&f);
}

static char *pod_path(const char *uid, const char *qos) {
        char *p = NULL;
        assert_true(asprintf(&p,
                             "/kubepods.slice/kubepods-%s.slice/"
                             "kubepods-%s-pod%.8s_%.4s_%.4s_%.4s_%.12s.slice",
                             qos, qos, uid, uid + 9, uid + 14, uid + 19, uid + 24) > 0);
        return p;
}

/* Rewrite the file in place with one write of the same length, as a
 * reader of the kernel's file sees it change: never empty in between (a
 * truncating rewrite would let the agent read an empty file, a counter
 * going back to 0). */
static void rewrite_same_length(const char *path, const char *text) {
        int fd = open(path, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
}

static void set_events(const struct fixture *f, const char *pod, int oom, int oom_kill) {
        char *path = NULL, *text = NULL;
        assert_true(asprintf(&path, "%s%s/memory.events", f->t.cg, pod) > 0);
        assert_true(asprintf(&text, "low 0\nhigh 0\nmax 0\noom %d\noom_kill %d\noom_group_kill 0\n",
                             oom, oom_kill) > 0);
        rewrite_same_length(path, text);
        free(path);
        free(text);
}

/* kubepods and its BestEffort cgroup count what their pods count, as the
 * kernel's hierarchical memory.events do. */
static void set_parent_events(const struct fixture *f, int oom, int oom_kill) {
        static const char *const dirs[] = {"/kubepods.slice",
                                           "/kubepods.slice/kubepods-besteffort.slice"};
        for (int i = 0; i < 2; i++)
                set_events(f, dirs[i], oom, oom_kill);
}

static void set_vmstat(const struct fixture *f, int oom_kill) {
        char *path = NULL, *text = NULL;
        assert_true(asprintf(&path, "%s/vmstat", f->t.proc) > 0);
        assert_true(asprintf(&text, "nr_free_pages 1000\noom_kill %d\npgfault 77\n", oom_kill) > 0);
        rewrite_same_length(path, text);
        free(path);
        free(text);
}

/* The JSON object of the n-th (from 0) kernel-oom-kill line, or NULL. */
static struct json_object *oom_line(const struct fixture *f, int n, int timeout_ms) {
        for (int waited = 0; waited <= timeout_ms; waited += 50) {
                char *log = agent_slurp(f->d.out);
                char *p = log;
                for (int k = 0; (p = strstr(p, "\"event\":\"kernel-oom-kill\"")); p++, k++)
                        if (k == n) {
                                char *start = p;
                                while (start > log && start[-1] != '\n')
                                        start--;
                                char *end = strchr(p, '\n');
                                if (end)
                                        *end = '\0';
                                struct json_object *o = json_tokener_parse(start);
                                free(log);
                                return o;
                        }
                free(log);
                usleep(50 * 1000);
        }
        return NULL;
}

/* Kernel OOM kills explained, on a fake tree (the kernel's own kill is in
 * the VM scenario agent-oom-explain): a pod that hit its own limit, a
 * node-wide kill in a pod, and one outside every pod. */
static void test_oom_explained(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, 2, false, NULL);
        const char *uid_b = "00001001-2222-4333-8444-000000005556";
        char *a = pod_path(UID_A, "besteffort"), *b = pod_path(uid_b, "besteffort");
        agent_tree_record(&f.t, CID_A, a, UID_A, "web", "team-a", "low", NULL);
        usleep(1500 * 1000);
        /* A: its limit was reached (oom and oom_kill rise together). */
        set_events(&f, a, 1, 1);
        set_parent_events(&f, 1, 1);
        set_vmstat(&f, 6);
        struct json_object *o = oom_line(&f, 0, 5000);
        assert_non_null(o);
        assert_string_equal(json_object_get_string(json_path(o, "scope")), "cgroup");
        assert_string_equal(json_object_get_string(json_path(o, "pod_uid")), UID_A);
        assert_string_equal(json_object_get_string(json_path(o, "namespace")), "team-a");
        assert_string_equal(json_object_get_string(json_path(o, "pod")), "web");
        assert_int_equal(json_object_get_int(json_path(o, "kills")), 1);
        assert_int_equal(json_object_get_int64(json_path(o, "before.working_set")), 52 * MIB);
        assert_int_equal(json_object_get_int64(json_path(o, "before.anon")), 50 * MIB);
        assert_string_equal(json_object_get_string(json_path(o, "before.limit")), "max");
        assert_false(json_object_get_boolean(json_path(o, "memqos.acted")));
        assert_int_equal(json_object_get_int64(json_path(o, "memqos.mem_total")), 4194304LL * 1024);
        assert_non_null(json_path(o, "memqos.headroom"));
        assert_non_null(strstr(json_object_get_string(json_path(o, "reason")),
                               "a memory.max in the pod was reached"));
        json_object_put(o);
        /* B: two tasks killed by the node's OOM killer (oom stays 0), and
         * /proc/vmstat counts the same two: nothing outside pods. */
        set_events(&f, b, 0, 2);
        set_parent_events(&f, 1, 3);
        set_vmstat(&f, 8);
        o = oom_line(&f, 1, 5000);
        assert_non_null(o);
        assert_string_equal(json_object_get_string(json_path(o, "scope")), "node");
        assert_string_equal(json_object_get_string(json_path(o, "pod_uid")), uid_b);
        assert_int_equal(json_object_get_int(json_path(o, "kills")), 2);
        json_object_put(o);
        /* One more on the node, in no pod: reported after two checks. */
        set_vmstat(&f, 9);
        o = oom_line(&f, 2, 6000);
        assert_non_null(o);
        assert_string_equal(json_object_get_string(json_path(o, "scope")), "node");
        assert_int_equal(json_object_get_int(json_path(o, "kills")), 1);
        assert_non_null(strstr(json_object_get_string(json_path(o, "reason")), "outside the pods"));
        json_object_put(o);
        assert_null(oom_line(&f, 3, 2500)); /* and nothing more */

        char *text = scrape(&f);
        assert_non_null(strstr(text, "\nmemqos_kernel_oom_kills_total{scope=\"cgroup\"} 1\n"));
        assert_non_null(strstr(text, "\nmemqos_kernel_oom_kills_total{scope=\"node\"} 2\n"));
        assert_non_null(strstr(text, "\nmemqos_kernel_oom_kills_total{scope=\"outside\"} 1\n"));
        assert_non_null(strstr(text, "\nmemqos_node_oom_kills_total 9\n"));
        struct expfmt_doc doc;
        parse_strict(text, &doc);
        const char *kv[] = {"uid", uid_b, NULL};
        assert_int_equal(sample_value(&doc, "memqos_pod_oom_kills_total", kv), 2);
        expfmt_doc_free(&doc);
        free(text);
        /* explain shows the pod's latest; status the latest of all. */
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "explain", (char *)UID_A, "--json", f.stateopt, NULL};
        o = json_run(argv);
        assert_string_equal(json_object_get_string(json_path(o, "kernel_oom_kill.scope")),
                            "cgroup");
        json_object_put(o);
        char *argv2[] = {bin, "status", f.stateopt, NULL};
        struct run_result res;
        runbin(argv2, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        assert_non_null(strstr(res.out, "kernel oom"));
        assert_non_null(strstr(res.out, "outside the pods"));
        run_result_free(&res);
        free(bin);
        free(a);
        free(b);
        teardown(&f);
}

/* A pod name with a newline, ESC, a backslash and bytes that are not UTF-8
 * (a hand-edited or foreign record): the table keeps one line per field
 * with the name escaped, and the JSON reply stays valid (UTF-8) JSON. */
static void test_hostile_names(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, 1, false, NULL);
        char *a = pod_path(UID_A, "besteffort");
        agent_tree_record(&f.t, CID_A, a, UID_A, "we\\nird\\u001b[2K\\\\x\xff\xc3", "team-a", "low",
                          NULL);
        usleep(1500 * 1000);
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "explain", (char *)UID_A, f.stateopt, NULL};
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        const char *line = strstr(res.out, "\nname ");
        assert_non_null(line);
        const char *eol = strchr(line + 1, '\n');
        assert_non_null(eol);
        char *want = NULL;
        /* The bytes that are not UTF-8 came over JSON as U+FFFD. */
        assert_true(asprintf(&want, "team-a/we\\nird\\x1b[2K\\\\x\xef\xbf\xbd\xef\xbf\xbd") > 0);
        if (!strstr(line, want))
                fail_msg("no \"%s\" in: %s", want, res.out);
        assert_true(strstr(line, want) < eol); /* on the name's own line */
        assert_null(strchr(res.out, '\x1b'));
        assert_null(strchr(res.out, '\xff'));
        free(want);
        run_result_free(&res);

        char *argv2[] = {bin, "explain", (char *)UID_A, "--json", f.stateopt, NULL};
        runbin(argv2, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        struct json_tokener *tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        struct json_object *o = json_tokener_parse_ex(tok, res.out, (int)strlen(res.out));
        if (!o)
                fail_msg("not valid JSON: %s", json_tokener_error_desc(json_tokener_get_error(tok)));
        json_tokener_free(tok);
        json_object_put(o);
        run_result_free(&res);

        /* The metrics page stays UTF-8 (a scraper drops the whole page for
         * one bad label): the pod label carries U+FFFD for the bad bytes. */
        char *argv3[] = {bin, "metrics", f.stateopt, NULL};
        runbin(argv3, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        assert_null(strchr(res.out, '\xff'));
        struct expfmt_doc doc;
        parse_strict(res.out, &doc);
        promtool_check(res.out);
        const char *kv[] = {"uid", UID_A, NULL};
        const struct expfmt_sample *s =
                expfmt_find_sample(&doc, "memqos_pod_memory_current_bytes", kv);
        assert_non_null(s);
        const char *pod = expfmt_label(s, "pod");
        assert_non_null(pod);
        if (!strstr(pod, "\\x\xef\xbf\xbd\xef\xbf\xbd"))
                fail_msg("pod label: %s", pod);
        expfmt_doc_free(&doc);
        run_result_free(&res);
        free(bin);
        free(a);
        teardown(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_http_matrix),
                cmocka_unit_test(test_slow_clients),
                cmocka_unit_test(test_client_bound_and_deadline),
                cmocka_unit_test(test_listen_errors),
                cmocka_unit_test(test_metrics_scrape),
                cmocka_unit_test(test_oom_explained),
                cmocka_unit_test(test_hostile_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
