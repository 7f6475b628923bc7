/* SPDX-License-Identifier: MIT */
/* The agent configuration (policy/config.c), over the defaults as the agent
 * reads it. A config that parses, printed (mq_config_to_json) and parsed
 * again, prints the same text: `memqos-agent config` output is a valid
 * config file meaning the same thing. */
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        struct mq_config cfg, again;
        struct mq_error err = {{0}};

        mq_config_defaults(&cfg);
        if (mq_config_parse_buf(s, &cfg, &err) >= 0) {
                char *json = NULL, *json2 = NULL;
                FUZZ_ASSERT(mq_config_to_json(&cfg, &json) >= 0, "cannot print a parsed config");
                mq_config_defaults(&again);
                int r = mq_config_parse_buf(json, &again, &err);
                FUZZ_ASSERT(r >= 0, "printed config does not parse: %s\n%s", err.msg, json);
                FUZZ_ASSERT(mq_config_to_json(&again, &json2) >= 0, "cannot print it again");
                FUZZ_ASSERT(strcmp(json, json2) == 0, "round trip differs:\n%s\n%s", json, json2);
                free(json);
                free(json2);
        } else
                FUZZ_ASSERT(err.msg[0] != '\0', "config refused without a message");
        free(s);
        return 0;
}
