/* SPDX-License-Identifier: MIT */
#include "jsonval.h"

#include "escape.h"

#define ADD(o, k, v) json_object_object_add((o), (k), (v))
#define STR(s)       jsonval_text(s)

/* JSON text must be UTF-8 (RFC 8259, section 8.1) and json-c copies bytes as
 * they are: a cgroup or record name that is not well-formed UTF-8 goes out
 * with U+FFFD for its bad bytes, so every document stays valid JSON (text
 * output escapes at print, escape.h). */
struct json_object *jsonval_text(const char *s) {
        if (!s || mq_utf8_valid(s, strlen(s)))
                return json_object_new_string(s ? s : "");
        char fixed[2048];
        return json_object_new_string(mq_utf8_replace(s, fixed, sizeof(fixed)));
}

struct json_object *jsonval_u64(uint64_t v) {
        if (v == MQ_UNLIMITED)
                return STR("max");
        return json_object_new_uint64(v);
}

struct json_object *jsonval_psi(const struct mq_psi *psi) {
        struct json_object *o = json_object_new_object();
        ADD(o, "some_avg10", json_object_new_double(psi->some_avg10));
        ADD(o, "some_avg60", json_object_new_double(psi->some_avg60));
        ADD(o, "some_avg300", json_object_new_double(psi->some_avg300));
        ADD(o, "some_total_us", json_object_new_uint64(psi->some_total_us));
        ADD(o, "full_avg10", json_object_new_double(psi->full_avg10));
        ADD(o, "full_avg60", json_object_new_double(psi->full_avg60));
        ADD(o, "full_avg300", json_object_new_double(psi->full_avg300));
        ADD(o, "full_total_us", json_object_new_uint64(psi->full_total_us));
        return o;
}

static struct json_object *pct2(double pct) {
        return json_object_new_double((double)(int64_t)(pct * 100) / 100);
}

void jsonval_headroom_fields(struct json_object *o, const struct mq_headroom *h) {
        ADD(o, "mem_total", jsonval_u64(h->mem_total));
        ADD(o, "mem_available", jsonval_u64(h->mem_available));
        ADD(o, "mem_available_pct",
            pct2(h->mem_total ? 100.0 * (double)h->mem_available / (double)h->mem_total : 0.0));
        ADD(o, "protected_cache_min", json_object_new_uint64(h->prot.min));
        ADD(o, "protected_cache_low", json_object_new_uint64(h->prot.low));
        ADD(o, "headroom", json_object_new_uint64(h->headroom));
        ADD(o, "headroom_pct", pct2(mq_headroom_pct(h)));
        ADD(o, "fill_rate", json_object_new_uint64(h->fill_rate));
        ADD(o, "headroom_level", STR(mq_headroom_level_name(h->level)));
}

struct json_object *jsonval_node(const struct mq_config *cfg, const struct mq_snapshot *snap) {
        struct json_object *o = json_object_new_object();
        ADD(o, "psi", jsonval_psi(&snap->node_psi));
        struct mq_headroom hr;
        mq_headroom_of_snapshot(cfg, snap, &hr);
        jsonval_headroom_fields(o, &hr);
        return o;
}
