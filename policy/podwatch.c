/* SPDX-License-Identifier: MIT */
#include "podwatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int cmp_entry_uid(const void *a, const void *b) {
        return strcmp(((const struct mq_podwatch_entry *)a)->uid,
                      ((const struct mq_podwatch_entry *)b)->uid);
}

static int cmp_key_uid(const void *key, const void *elem) {
        return strcmp(key, ((const struct mq_podwatch_entry *)elem)->uid);
}

static struct mq_podwatch_entry *find_uid(const struct mq_podwatch *w, const char *uid) {
        if (!w->n)
                return NULL;
        return bsearch(uid, w->by_uid, w->n, sizeof(*w->by_uid), cmp_key_uid);
}

/* qsort() has no context argument: sort indexes by wd with a local insertion
 * sort. inotify hands out increasing descriptors, so the input is nearly in
 * order already and this is close to linear. */
static void sort_by_wd(const struct mq_podwatch_entry *v, size_t *idx, size_t n) {
        for (size_t i = 1; i < n; i++) {
                size_t x = idx[i], j = i;
                for (; j > 0 && v[idx[j - 1]].wd > v[x].wd; j--)
                        idx[j] = idx[j - 1];
                idx[j] = x;
        }
}

int mq_podwatch_set(struct mq_podwatch *w, const int *wds, const char (*uids)[MQ_POD_UID_MAX],
                    size_t n) {
        struct mq_podwatch_entry *v = calloc(n ? n : 1, sizeof(*v));
        size_t *idx = calloc(n ? n : 1, sizeof(*idx));
        if (!v || !idx) {
                free(v);
                free(idx);
                return -ENOMEM;
        }
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
                if (wds[i] < 0)
                        continue;
                const struct mq_podwatch_entry *old = find_uid(w, uids[i]);
                v[m].wd = wds[i];
                v[m].changed = !old || old->wd != wds[i] || old->changed;
                memcpy(v[m].uid, uids[i], sizeof(v[m].uid));
                v[m].uid[sizeof(v[m].uid) - 1] = '\0';
                m++;
        }
        qsort(v, m, sizeof(*v), cmp_entry_uid);
        for (size_t i = 0; i < m; i++)
                idx[i] = i;
        sort_by_wd(v, idx, m);
        free(w->by_uid);
        free(w->by_wd);
        w->by_uid = v;
        w->by_wd = idx;
        w->n = m;
        return 0;
}

int mq_podwatch_add(struct mq_podwatch *w, int wd, const char *uid) {
        size_t n = w->n + 1;
        int *wds = calloc(n, sizeof(*wds));
        char(*uids)[MQ_POD_UID_MAX] = calloc(n, sizeof(*uids));
        int r = -ENOMEM;
        if (wds && uids) {
                size_t m = 0;
                for (size_t i = 0; i < w->n; i++) {
                        if (strcmp(w->by_uid[i].uid, uid) == 0)
                                continue;
                        wds[m] = w->by_uid[i].wd;
                        memcpy(uids[m++], w->by_uid[i].uid, MQ_POD_UID_MAX);
                }
                wds[m] = wd;
                (void)snprintf(uids[m++], MQ_POD_UID_MAX, "%s", uid);
                r = mq_podwatch_set(w, wds, (const char(*)[MQ_POD_UID_MAX])uids, m);
        }
        free(wds);
        free(uids);
        return r;
}

void mq_podwatch_remove(struct mq_podwatch *w, const char *uid) {
        struct mq_podwatch_entry *e = find_uid(w, uid);
        if (!e)
                return;
        size_t at = (size_t)(e - w->by_uid);
        memmove(e, e + 1, (w->n - at - 1) * sizeof(*e));
        /* Drop its index and renumber the entries that moved down. */
        size_t m = 0;
        for (size_t k = 0; k < w->n; k++) {
                size_t x = w->by_wd[k];
                if (x == at)
                        continue;
                w->by_wd[m++] = x > at ? x - 1 : x;
        }
        w->n--;
}

bool mq_podwatch_mark(struct mq_podwatch *w, int wd) {
        size_t lo = 0, hi = w->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int at = w->by_uid[w->by_wd[mid]].wd;
                if (at == wd) {
                        w->by_uid[w->by_wd[mid]].changed = true;
                        return true;
                }
                if (at < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

bool mq_podwatch_changed(const struct mq_podwatch *w, const char *uid) {
        const struct mq_podwatch_entry *e = find_uid(w, uid);
        return w->all_changed || !e || e->changed;
}

void mq_podwatch_clear(struct mq_podwatch *w, const char *uid) {
        struct mq_podwatch_entry *e = find_uid(w, uid);
        if (e)
                e->changed = false;
}

void mq_podwatch_clear_all(struct mq_podwatch *w) {
        for (size_t i = 0; i < w->n; i++)
                w->by_uid[i].changed = false;
        w->all_changed = false;
}

void mq_podwatch_done(struct mq_podwatch *w) {
        free(w->by_uid);
        free(w->by_wd);
        *w = (struct mq_podwatch){0};
}
