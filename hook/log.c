/* SPDX-License-Identifier: MIT */
/* The hook's one way to speak: stderr (what the runtime shows the kubelet)
 * and syslog. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "error.h"
#include "escape.h"

/* Messages quote annotation values and state fields a pod or a runtime
 * chose; one message must stay one line (runc folds it into the kubelet's
 * event, syslog splits on newlines), so control characters are escaped. */
void hook_log(int priority, const char *id, const char *fmt, ...) {
        char raw[MQ_ERROR_MAX + 256], msg[MQ_ERROR_MAX + 256];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        (void)mq_escape(raw, msg, sizeof(msg));
        /* stderr is what runc/crun fold into the error the kubelet reports,
         * so the user sees it in `kubectl describe pod`. */
        if (priority <= LOG_WARNING)
                fprintf(stderr, "memqos-hook: %s: %s%s\n", id ? id : "(unknown)",
                        priority == LOG_WARNING ? "warning: " : "", msg);
        syslog(priority, "%s: %s", id ? id : "(unknown)", msg);
}
