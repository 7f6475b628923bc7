/* SPDX-License-Identifier: MIT */
#include "persist.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cgfs.h"
#include "core/log.h"

#define STATE_VERSION  1
#define STATE_FILE_MAX (4 << 20)

void persist_boot_id(struct agent *a) {
        a->boot_id[0] = '\0';
        _cleanup_close_ int fd =
                openat(a->proc_fd, "sys/kernel/random", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || cgroup_read_file(fd, "boot_id", a->boot_id, sizeof(a->boot_id)) < 0)
                a->boot_id[0] = '\0';
}

#define PUT_U64(o, s, f)  json_object_object_add(o, #f, json_object_new_uint64((s)->f))
#define PUT_BOOL(o, s, f) json_object_object_add(o, #f, json_object_new_boolean((s)->f))

static struct json_object *pod_to_json(const struct mq_pod_state *p) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "uid", json_object_new_string(p->uid));
        json_object_object_add(o, "step", json_object_new_int(p->step));
        PUT_U64(o, p, step_at_ms);
        PUT_U64(o, p, original_high);
        PUT_U64(o, p, throttled_high);
        PUT_U64(o, p, stuck_since_ms);
        PUT_U64(o, p, last_events_high);
        PUT_BOOL(o, p, throttled);
        PUT_U64(o, p, high_at_ms);
        PUT_U64(o, p, relax_step);
        PUT_U64(o, p, livelock_sample_ms);
        PUT_U64(o, p, last_rise_ms);
        return o;
}

/* Only pods the agent is doing something to, or watching as held at
 * memory.high: a pod left out is restored as a new one, whose first sample
 * is a fresh baseline, exactly as for an idle pod. With 1,000 pods, writing
 * every one made the save (now ahead of each action) cost ~5 ms. */
static bool pod_worth_saving(const struct mq_pod_state *p) {
        return p->step != MQ_STEP_NONE || p->throttled || p->stuck_since_ms || p->held_at_high ||
               p->relax_step;
}

static struct json_object *state_to_json(const struct agent *a) {
        const struct mq_agent_state *s = &a->st;
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "version", json_object_new_int(STATE_VERSION));
        json_object_object_add(o, "boot_id", json_object_new_string(a->boot_id));
        PUT_BOOL(o, s, in_episode);
        PUT_U64(o, s, episode_start_ms);
        PUT_U64(o, s, last_action_ms);
        PUT_U64(o, s, last_kill_ms);
        PUT_BOOL(o, s, have_last);
        PUT_U64(o, s, last_snapshot_ms);
        PUT_U64(o, s, last_node_some_total_us);
        PUT_U64(o, s, last_pressure_ms);
        json_object_object_add(o, "last_kill_uid", json_object_new_string(s->last_kill_uid));
        PUT_U64(o, s, last_kill_anon);
        PUT_U64(o, s, last_decision_ms);
        struct json_object *pods = json_object_new_array();
        for (size_t i = 0; i < s->n_pods; i++)
                if (pod_worth_saving(&s->pods[i]))
                        json_object_array_add(pods, pod_to_json(&s->pods[i]));
        json_object_object_add(o, "pods", pods);
        return o;
}

int persist_save(const struct agent *a) {
        if (agent_dry_run(a) || a->state_fd < 0)
                return 0;
        struct json_object *o = state_to_json(a);
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        char tmp[64];
        (void)snprintf(tmp, sizeof(tmp), ".%s.%ld", AGENT_STATE_FILE, (long)getpid());
        int r = 0;
        int fd = openat(a->state_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                        0600);
        if (fd < 0)
                r = negative_errno();
        else {
                /* No fsync: the state only has to survive the agent's own
                 * death (the page cache does), never a reboot, since it is
                 * tied to the boot id; the rename alone makes it atomic.
                 * It is written before every action, on the wake-to-action
                 * path, where an fsync cost ~5 ms on a disk-backed dir. */
                size_t len = strlen(text);
                ssize_t n = write(fd, text, len);
                if (n < 0 || (size_t)n != len)
                        r = n < 0 ? negative_errno() : -EIO;
                if (close(fd) < 0 && r == 0)
                        r = negative_errno();
                if (r == 0 && renameat(a->state_fd, tmp, a->state_fd, AGENT_STATE_FILE) < 0)
                        r = negative_errno();
                if (r < 0)
                        (void)unlinkat(a->state_fd, tmp, 0);
        }
        json_object_put(o);
        return r;
}

static uint64_t get_u64(struct json_object *o, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        return json_object_get_uint64(v);
}

static bool get_bool(struct json_object *o, const char *key) {
        struct json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static const char *get_str(struct json_object *o, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return "";
        return json_object_get_string(v);
}

static void pod_from_json(struct json_object *o, struct mq_pod_state *p) {
        *p = (struct mq_pod_state){0};
        (void)snprintf(p->uid, sizeof(p->uid), "%s", get_str(o, "uid"));
        struct json_object *v;
        int step = json_object_object_get_ex(o, "step", &v) ? json_object_get_int(v) : 0;
        p->step = step >= MQ_STEP_NONE && step <= MQ_STEP_KILL ? (enum mq_step)step : MQ_STEP_NONE;
        p->step_at_ms = get_u64(o, "step_at_ms");
        p->original_high = get_u64(o, "original_high");
        p->throttled_high = get_u64(o, "throttled_high");
        p->stuck_since_ms = get_u64(o, "stuck_since_ms");
        p->last_events_high = get_u64(o, "last_events_high");
        p->throttled = get_bool(o, "throttled");
        p->high_at_ms = get_u64(o, "high_at_ms");
        p->relax_step = get_u64(o, "relax_step");
        p->livelock_sample_ms = get_u64(o, "livelock_sample_ms");
        p->last_rise_ms = get_u64(o, "last_rise_ms");
}

static int cmp_uid(const void *x, const void *y) {
        return strcmp(((const struct mq_pod_state *)x)->uid, ((const struct mq_pod_state *)y)->uid);
}

static int state_from_json(struct json_object *o, struct mq_agent_state *ret) {
        struct mq_agent_state s = {0};
        s.in_episode = get_bool(o, "in_episode");
        s.episode_start_ms = get_u64(o, "episode_start_ms");
        s.last_action_ms = get_u64(o, "last_action_ms");
        s.last_kill_ms = get_u64(o, "last_kill_ms");
        s.have_last = get_bool(o, "have_last");
        s.last_snapshot_ms = get_u64(o, "last_snapshot_ms");
        s.last_node_some_total_us = get_u64(o, "last_node_some_total_us");
        s.last_pressure_ms = get_u64(o, "last_pressure_ms");
        (void)snprintf(s.last_kill_uid, sizeof(s.last_kill_uid), "%s", get_str(o, "last_kill_uid"));
        s.last_kill_anon = get_u64(o, "last_kill_anon");
        s.last_decision_ms = get_u64(o, "last_decision_ms");
        struct json_object *pods;
        if (json_object_object_get_ex(o, "pods", &pods) &&
            json_object_is_type(pods, json_type_array)) {
                size_t n = json_object_array_length(pods);
                s.pods = n ? calloc(n, sizeof(*s.pods)) : NULL;
                if (n && !s.pods)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        pod_from_json(json_object_array_get_idx(pods, i), &s.pods[i]);
                s.n_pods = s.cap_pods = n;
                if (n)
                        qsort(s.pods, n, sizeof(*s.pods), cmp_uid);
        }
        *ret = s;
        return 0;
}

int persist_load(struct agent *a) {
        if (a->state_fd < 0)
                return 0;
        char *buf = malloc(STATE_FILE_MAX);
        if (!buf)
                return -ENOMEM;
        int r = cgroup_read_file(a->state_fd, AGENT_STATE_FILE, buf, STATE_FILE_MAX);
        struct json_object *o = r >= 0 ? json_tokener_parse(buf) : NULL;
        free(buf);
        if (r == -ENOENT)
                return 0;
        if (!o || !json_object_is_type(o, json_type_object)) {
                log_warn("%s/%s is unreadable or not JSON; starting with a fresh state",
                         a->opts.state_dir, AGENT_STATE_FILE);
                json_object_put(o);
                return 0;
        }
        struct json_object *v;
        int version = json_object_object_get_ex(o, "version", &v) ? json_object_get_int(v) : 0;
        if (version != STATE_VERSION || !streq(get_str(o, "boot_id"), a->boot_id)) {
                log_info("%s/%s is from another boot or version; starting with a fresh state",
                         a->opts.state_dir, AGENT_STATE_FILE);
                json_object_put(o);
                return 0;
        }
        struct mq_agent_state s;
        r = state_from_json(o, &s);
        json_object_put(o);
        if (r < 0)
                return r;
        mq_agent_state_done(&a->st);
        a->st = s;
        return 1;
}
