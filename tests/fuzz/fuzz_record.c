/* SPDX-License-Identifier: MIT */
/* Container records (policy/record_parse.c) as the agent reads them from
 * the state directory, with one property: a record that parses, written
 * again (record_to_json, the writer's text) and parsed back, gives the same
 * text a second time. */
#include "fuzz.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        struct mq_record rec = {0}, again = {0};
        struct mq_error err = {{0}};

        if (record_parse_buf(s, &rec, &err) >= 0) {
                char *json = NULL, *json2 = NULL;
                FUZZ_ASSERT(record_to_json(&rec, &json) >= 0, "cannot write a parsed record");
                int r = record_parse_buf(json, &again, &err);
                FUZZ_ASSERT(r >= 0, "written record does not parse: %s\n%s", err.msg, json);
                FUZZ_ASSERT(record_to_json(&again, &json2) >= 0, "cannot write it again");
                FUZZ_ASSERT(strcmp(json, json2) == 0, "round trip differs:\n%s\n%s", json, json2);
                free(json);
                free(json2);
                record_done(&again);
                record_done(&rec);
        }
        free(s);
        return 0;
}
