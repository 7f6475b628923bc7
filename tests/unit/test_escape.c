/* SPDX-License-Identifier: MIT */
/* The one escaping rule for quoted input: control characters, backslash and
 * bytes that are not well-formed UTF-8 escaped; well-formed UTF-8 kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"
#include "util.h"

struct escape_case {
        const char *in, *out;
};

static const struct escape_case cases[] = {
        {"", ""},
        {"1Gi", "1Gi"},
        /* a forged second line, a terminal rewrite */
        {"1Gi\nmemqos-hook: c1: applied memory.high=1Gi",
         "1Gi\\nmemqos-hook: c1: applied memory.high=1Gi"},
        {"\r\x1b[2K", "\\r\\x1b[2K"},
        {"a\tb", "a\\tb"},
        {"\x01\x1f\x7f", "\\x01\\x1f\\x7f"},
        /* a backslash is doubled, so "\\n" in the input stays told apart */
        {"a\\nb", "a\\\\nb"},
        {"\"quoted\"", "\"quoted\""},
        /* well-formed UTF-8 passes */
        {"\xc3\xbc", "\xc3\xbc"},                 /* ü */
        {"\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"}, /* 日本 */
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, /* U+1F600 */
        {"\xef\xbf\xbf", "\xef\xbf\xbf"},         /* U+FFFF */
        {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
        {"\xc2\xa0", "\xc2\xa0"},                 /* U+00A0, first after C1 */
        /* C1 controls (U+009B is CSI) */
        {"\xc2\x9b" "2K", "\\xc2\\x9b2K"},
        {"\xc2\x80", "\\xc2\\x80"},
        /* not well-formed: each byte escaped */
        {"\xc0\x80", "\\xc0\\x80"},               /* overlong NUL */
        {"\xc1\xbf", "\\xc1\\xbf"},               /* overlong */
        {"\xe0\x80\xaf", "\\xe0\\x80\\xaf"},      /* overlong '/' */
        {"\xed\xa0\x80", "\\xed\\xa0\\x80"},      /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* past U+10FFFF */
        {"\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80"},
        {"\xe6\x97", "\\xe6\\x97"},               /* cut off */
        {"\xe6\x97" "x", "\\xe6\\x97x"},
        {"\x80", "\\x80"},                        /* lone continuation */
        {"\xff\xfe", "\\xff\\xfe"},
        {"ok\xc3", "ok\\xc3"},
};

static void test_table(void **state) {
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[256];
                const char *got = mq_escape(cases[i].in, buf, sizeof(buf));
                if (strcmp(got, cases[i].out) != 0)
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, cases[i].out);
                /* the escaped form is itself well-formed UTF-8 without a
                 * control character: safe in a log line and in JSON */
                assert_true(mq_utf8_valid(got, strlen(got)));
                for (const char *p = got; *p; p++)
                        assert_false((unsigned char)*p < 0x20 || *p == 0x7f);
        }
}

static void test_null_and_truncation(void **state) {
        (void)state;
        char buf[8];
        assert_string_equal(mq_escape(NULL, buf, sizeof(buf)), "");
        /* never half an escape */
        assert_string_equal(mq_escape("abc\n", buf, 5), "abc");
        assert_string_equal(mq_escape("abcd\n", buf, 7), "abcd\\n");
        /* never half a character */
        assert_string_equal(mq_escape("ab\xe6\x97\xa5", buf, 5), "ab");
        assert_string_equal(mq_escape("ab\xe6\x97\xa5", buf, 6), "ab\xe6\x97\xa5");
        assert_string_equal(mq_escape("x", buf, 1), "");
}

static void test_utf8_valid(void **state) {
        (void)state;
        assert_true(mq_utf8_valid("", 0));
        assert_true(mq_utf8_valid("plain", 5));
        assert_true(mq_utf8_valid("\xe6\x97\xa5", 3));
        assert_false(mq_utf8_valid("\xe6\x97\xa5", 2)); /* the length bounds it */
        assert_false(mq_utf8_valid("\xed\xbf\xbf", 3));
        assert_false(mq_utf8_valid("a\xc0\xaf", 3));
}

static void test_utf8_replace(void **state) {
        (void)state;
        char buf[64];
        assert_string_equal(mq_utf8_replace("plain \n", buf, sizeof(buf)), "plain \n");
        assert_string_equal(mq_utf8_replace("\xe6\x97\xa5", buf, sizeof(buf)), "\xe6\x97\xa5");
        assert_string_equal(mq_utf8_replace("a\xff" "b", buf, sizeof(buf)), "a\xef\xbf\xbd" "b");
        assert_string_equal(mq_utf8_replace("\xc0\x80", buf, sizeof(buf)),
                            "\xef\xbf\xbd\xef\xbf\xbd");
        assert_string_equal(mq_utf8_replace("\xe6\x97", buf, sizeof(buf)),
                            "\xef\xbf\xbd\xef\xbf\xbd");
        assert_true(mq_utf8_valid(mq_utf8_replace("\xed\xa0\x80z", buf, sizeof(buf)),
                                  strlen(buf)));
        assert_string_equal(mq_utf8_replace("ab\xff", buf, 5), "ab"); /* never half of one */
        assert_string_equal(mq_utf8_replace(NULL, buf, sizeof(buf)), "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_null_and_truncation),
                cmocka_unit_test(test_utf8_valid),
                cmocka_unit_test(test_utf8_replace),
        };
        return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
