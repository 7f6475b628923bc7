/* SPDX-License-Identifier: MIT */
/* PSI triggers (Documentation/accounting/psi.rst): the node's
 * /proc/pressure/memory and each kubepods root's memory.pressure, polled
 * for EPOLLPRI by the loop. */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/statfs.h>

#include "core/log.h"
#include "loop-int.h"
#include "psi.h"
#include "sense/scan.h"
#include "trigger.h"

void trigger_close(struct loop *l, struct psi_watch *w) {
        if (w->fd >= 0) {
                (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
                (void)close(w->fd);
        }
        w->fd = -1;
}

/* psi_write() turns the last byte written into a NUL: send it. */
static int write_trigger(int fd, uint64_t stall_us, uint64_t window_us) {
        char trig[64];
        int r = psi_trigger_format(stall_us, window_us, trig, sizeof(trig));
        if (r < 0)
                return r;
        if (write(fd, trig, strlen(trig) + 1) < 0)
                return negative_errno();
        return 0;
}

/* Without CAP_SYS_RESOURCE (a container's root, say) kernels since 6.5
 * accept only triggers whose window is a multiple of 2 s: they ride on the
 * 2 s averaging instead of a real-time poller (psi.rst, "unprivileged
 * users"). Older kernels say EPERM or EINVAL alike. Retry once with the
 * window rounded up and the stall scaled to the same share. */
static int psi_write_trigger(int fd, uint64_t stall_us, uint64_t window_us, const char *what) {
        int r = write_trigger(fd, stall_us, window_us);
        if ((r != -EINVAL && r != -EPERM) || window_us % 2000000 == 0)
                return r;
        uint64_t w2 = (window_us + 1999999) / 2000000 * 2000000;
        uint64_t s2 = stall_us * w2 / window_us;
        if (w2 > 10000000 || write_trigger(fd, s2, w2) < 0)
                return r;
        log_warn("%s: no CAP_SYS_RESOURCE for a %" PRIu64 " us window; armed the unprivileged "
                 "trigger \"some %" PRIu64 " %" PRIu64 "\" (same share, 2 s granularity)",
                 what, window_us, s2, w2);
        return 0;
}

/* Open a PSI file O_RDWR|O_NONBLOCK and write a trigger (psi.rst). Only a
 * real procfs or cgroup2 file can carry one: on a plain file (a test's fake
 * tree) the write would just change the file, so check the file system
 * first and fall back to the timer. */
static int psi_arm(struct loop *l, struct psi_watch *w, int dirfd, const char *name, long magic,
                   uint64_t stall_us, uint64_t window_us, uint64_t tag, const char *what) {
        char trig[64];
        int r = psi_trigger_format(stall_us, window_us, trig, sizeof(trig));
        if (r < 0) {
                log_warn("%s: PSI trigger \"some %" PRIu64 " %" PRIu64 "\" is out of range (window "
                         "500000..10000000 us, stall <= window); using the timer",
                         what, stall_us, window_us);
                w->unsupported = true;
                return r;
        }
        _cleanup_close_ int fd =
                openat(dirfd, name, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return negative_errno(); /* the cgroup may come later */
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0 || sfs.f_type != magic) {
                log_info("%s is not a kernel PSI file (fake tree?): no trigger, waking by timer "
                         "every %d ms",
                         what, PSI_FALLBACK_MS);
                w->unsupported = true;
                return -EOPNOTSUPP;
        }
        r = psi_write_trigger(fd, stall_us, window_us, what);
        if (r < 0) {
                log_warn("%s: the kernel refused the PSI trigger \"%s\": %s; waking by timer "
                         "every %d ms instead",
                         what, trig, strerror(-r), PSI_FALLBACK_MS);
                w->unsupported = true;
                return r;
        }
        struct epoll_event ev = {.events = EPOLLPRI, .data.u64 = tag};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return negative_errno();
        w->fd = TAKE_FD(fd);
        return 0;
}

void trigger_arm_node(struct loop *l) {
        struct agent *a = l->a;
        if (l->node.fd >= 0 || l->node.unsupported)
                return;
        _cleanup_close_ int pfd =
                openat(a->proc_fd, "pressure", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pfd >= 0)
                (void)psi_arm(l, &l->node, pfd, "memory", PROC_SUPER_MAGIC, a->cfg.psi_node_some_us,
                              a->cfg.psi_node_window_us, TAG_PSI_NODE, "pressure/memory");
        a->psi_node_mode = l->node.fd >= 0 ? "trigger" : "timer";
}

void trigger_arm_kubepods(struct loop *l) {
        struct agent *a = l->a;
        bool any = false, armed = false;
        for (size_t i = 0; i < ELEMENTSOF(l->kube); i++) {
                _cleanup_close_ int dfd = openat(a->cg_fd, scan_kubepods_roots[i],
                                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0)
                        continue;
                any = true;
                if (l->kube[i].fd < 0 && !l->kube[i].unsupported) {
                        char what[64];
                        (void)snprintf(what, sizeof(what), "%s/memory.pressure",
                                       scan_kubepods_roots[i]);
                        (void)psi_arm(l, &l->kube[i], dfd, "memory.pressure", CGROUP2_SUPER_MAGIC,
                                      a->cfg.psi_kubepods_some_us, a->cfg.psi_kubepods_window_us,
                                      TAG_PSI_KUBE + i, what);
                }
                armed |= l->kube[i].fd >= 0;
        }
        a->psi_kubepods_mode = armed ? "trigger" : any ? "timer" : "none";
}

void trigger_rearm_all(struct loop *l) {
        trigger_close(l, &l->node);
        l->node.unsupported = false;
        for (size_t i = 0; i < ELEMENTSOF(l->kube); i++) {
                trigger_close(l, &l->kube[i]);
                l->kube[i].unsupported = false;
        }
        trigger_arm_node(l);
        trigger_arm_kubepods(l);
}
