/* SPDX-License-Identifier: MIT */
/* quantity_parse against Kubernetes resource.Quantity semantics: every suffix,
 * fractions rounded up to a whole byte, the 2^63-1 limit, and the exact error
 * text for malformed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "quantity.h"

#define EXPECTED_FORM                                                                              \
        "expected a non-negative number with an optional suffix (Ki Mi Gi Ti Pi Ei, k M G T P E, " \
        "or an exponent such as e6)"

struct ok_case {
        const char *in;
        uint64_t bytes;
};

static const struct ok_case ok_cases[] = {
        /* plain integers */
        {"0", 0},
        {"1", 1},
        {"134217728", 134217728},
        {"000123", 123},
        {"0000000000000000000000000000000000001", 1}, /* leading zeros are not significant */
        /* decimal exponent */
        {"129e6", 129000000},
        {"129E6", 129000000},
        {"1E3", 1000},
        {"1e3", 1000},
        {"1e+3", 1000},
        {"1e0", 1},
        {"1e-3", 1}, /* 0.001 byte rounds up */
        {"1E-3", 1},
        {"1.e3", 1000},
        {"1.5e3", 1500},
        {"9.2e18", 9200000000000000000ULL},
        /* any exponent: under one byte rounds up, zero stays zero */
        {"1e-1001", 1},
        {"1e-99999999999999999999", 1},
        {"0e1001", 0},
        {"0.000e99999999999999999999", 0},
        {"0e-1001", 0},
        {"100000000000000000000e-20", 1},
        {"123e-1", 13},
        /* decimal SI */
        {"1k", 1000},
        {"1M", 1000000},
        {"500M", 500000000},
        {"1G", 1000000000},
        {"1T", 1000000000000ULL},
        {"1P", 1000000000000000ULL},
        {"1E", 1000000000000000000ULL}, /* E alone is exa, not an exponent */
        {"9E", 9000000000000000000ULL},
        /* milli: fractions of a byte round up */
        {"500m", 1},
        {"1u", 1},
        {"1n", 1},
        {"3000000000n", 3},
        {"2500000u", 3},
        {"1000m", 1},
        {"1001m", 2},
        {"0m", 0},
        {"0.1m", 1},
        /* binary SI */
        {"1Ki", 1024},
        {"1Mi", 1048576},
        {"128Mi", 134217728},
        {"1Gi", 1073741824},
        {"1Ti", 1099511627776ULL},
        {"1Pi", 1125899906842624ULL},
        {"1Ei", 1152921504606846976ULL},
        {"7Ei", 8070450532247928832ULL},
        /* fractions */
        {"1.5Gi", 1610612736},
        {"0.5Ki", 512},
        {".5Ki", 512},
        {"5.", 5},
        {"0.0", 0},
        {"1.5", 2},
        {"2.5k", 2500},
        {"0.1Ki", 103},        /* 102.4 rounds up */
        {"1.0000001Ki", 1025}, /* 1024.0001024 rounds up */
        {"7.99999999999999999Ei", 9223372036854775797ULL},
        /* leading '+' */
        {"+1Gi", 1073741824},
        {"+0", 0},
        /* the 2^63-1 boundary */
        {"9223372036854775807", 9223372036854775807ULL},
};

static void test_valid(void **state) {
        (void)state;
        for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
                uint64_t b = 0xdeadbeef;
                struct mq_error err = {{0}};
                int r = quantity_parse(ok_cases[i].in, &b, &err);
                if (r != 0 || b != ok_cases[i].bytes)
                        fail_msg("quantity_parse(\"%s\"): r=%d bytes=%llu, expected %llu (%s)",
                                 ok_cases[i].in, r, (unsigned long long)b,
                                 (unsigned long long)ok_cases[i].bytes, err.msg);
        }
}

/* Each invalid value: the errno and the whole message. */
struct bad_case {
        const char *in;
        int r;
        const char *msg;
};

#define INVALID(s)                                                                                 \
        { s, -EINVAL, "invalid quantity \"" s "\": " EXPECTED_FORM }

static const struct bad_case bad_cases[] = {
        INVALID("900Mb"),
        INVALID("0x10"),
        INVALID("12.5.6M"),
        INVALID(" 1Gi"),
        INVALID("1Gi "),
        INVALID("1 Gi"),
        INVALID("Gi"),
        INVALID("."),
        INVALID(".e3"),
        INVALID("1e"),
        INVALID("1e+"),
        INVALID("1e-"),
        INVALID("1ee3"),
        INVALID("1e3Ki"),
        INVALID("1Kib"),
        INVALID("1.5."),
        INVALID("1K"),  /* kilo is lower-case k */
        INVALID("1ki"), /* Ki is capitalised */
        INVALID("1m5"),
        INVALID("++1"),
        INVALID("+-1"),
        INVALID("+"),
        INVALID("max"),
        INVALID("1,5Gi"),
        INVALID("1Gi\n"),
        {"", -EINVAL, "empty quantity: " EXPECTED_FORM},
        {"-1Gi", -EINVAL, "invalid quantity \"-1Gi\": must not be negative"},
        {"-0", -EINVAL, "invalid quantity \"-0\": must not be negative"},
        {"9223372036854775808", -ERANGE,
         "quantity \"9223372036854775808\" is too large: the limit is 2^63-1 bytes"},
        {"8Ei", -ERANGE, "quantity \"8Ei\" is too large: the limit is 2^63-1 bytes"},
        {"1e19", -ERANGE, "quantity \"1e19\" is too large: the limit is 2^63-1 bytes"},
        {"1e1001", -ERANGE, "quantity \"1e1001\" is too large: the limit is 2^63-1 bytes"},
        {"0.001e99999999999999999999", -ERANGE,
         "quantity \"0.001e99999999999999999999\" is too large: the limit is 2^63-1 bytes"},
        {"10E", -ERANGE, "quantity \"10E\" is too large: the limit is 2^63-1 bytes"},
        {"9223372036854775807.5", -ERANGE,
         "quantity \"9223372036854775807.5\" is too large: the limit is 2^63-1 bytes"},
        {"111111111111111111111111111111", -ERANGE,
         "quantity \"111111111111111111111111111111\" is too large: the limit is 2^63-1 bytes"},
};

static void test_invalid_exact_message(void **state) {
        (void)state;
        for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
                uint64_t b = 77;
                struct mq_error err = {{0}};
                int r = quantity_parse(bad_cases[i].in, &b, &err);
                if (r != bad_cases[i].r || strcmp(err.msg, bad_cases[i].msg) != 0)
                        fail_msg("quantity_parse(\"%s\"): r=%d msg=\"%s\", expected r=%d "
                                 "msg=\"%s\"",
                                 bad_cases[i].in, r, err.msg, bad_cases[i].r, bad_cases[i].msg);
                assert_int_equal(b, 77); /* untouched on error */
        }
}

/* Long inputs: up to 512 characters are parsed exactly; a longer one is
 * refused with a message naming its start. */
static void test_very_long_digits(void **state) {
        (void)state;
        static char s[8192];
        uint64_t b = 77;
        struct mq_error err = {{0}};

        /* 512 characters of leading zeros and a 1 */
        memset(s, '0', 511);
        s[511] = '1';
        s[512] = '\0';
        assert_int_equal(quantity_parse(s, &b, &err), 0);
        assert_int_equal(b, 1);

        /* 513 characters */
        memset(s, '0', 512);
        s[512] = '1';
        s[513] = '\0';
        b = 77;
        assert_int_equal(quantity_parse(s, &b, &err), -EINVAL);
        assert_string_equal(err.msg, "quantity \"00000000000000000000000000000000...\" is "
                                     "longer than 512 characters");
        assert_int_equal(b, 77);

        memset(s, '9', sizeof(s) - 1);
        assert_int_equal(quantity_parse(s, &b, &err), -EINVAL);
        assert_string_equal(err.msg, "quantity \"99999999999999999999999999999999...\" is "
                                     "longer than 512 characters");
        assert_int_equal(b, 77);

        /* a long run of digits followed by an invalid suffix is still an error */
        memset(s, '1', 4000);
        strcpy(s + 4000, "Mb");
        assert_true(quantity_parse(s, &b, &err) < 0);
        assert_int_equal(b, 77);
}

static void test_null_error_pointer(void **state) {
        (void)state;
        uint64_t b = 0;
        assert_int_equal(quantity_parse("1Gi", &b, NULL), 0);
        assert_int_equal(b, 1073741824);
        assert_int_equal(quantity_parse("900Mb", &b, NULL), -EINVAL);
        assert_int_equal(quantity_parse("8Ei", &b, NULL), -ERANGE);
}

/* Kubernetes accepts any number of fraction digits (resource.ParseQuantity
 * falls back to arbitrary precision) and Value() rounds up, so
 * 1.000000000000000000000000000001 is 2 bytes, and a long exact fraction
 * of a binary suffix is exact. */
static void test_many_fraction_digits(void **state) {
        (void)state;
        uint64_t b = 0;
        struct mq_error err = {{0}};
        int r = quantity_parse("1.000000000000000000000000000001", &b, &err);
        if (r != 0)
                fail_msg("quantity_parse(\"1.000000000000000000000000000001\") = %d (%s), "
                         "expected 2 bytes",
                         r, err.msg);
        assert_int_equal(b, 2);
        /* 2^-30 Gi is exactly one byte; 2^-31 Gi is half a byte, rounded up */
        assert_int_equal(quantity_parse("0.000000000931322574615478515625Gi", &b, &err), 0);
        assert_int_equal(b, 1);
        assert_int_equal(quantity_parse("1.0000000004656612873077392578125Gi", &b, &err), 0);
        assert_int_equal(b, 1073741825);
        /* 9223372036854775807 as a fraction of an exa: exactly the limit */
        assert_int_equal(quantity_parse("9.223372036854775807E", &b, &err), 0);
        assert_int_equal(b, 9223372036854775807ULL);
        assert_int_equal(quantity_parse("9.2233720368547758071E", &b, &err), -ERANGE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_invalid_exact_message),
                cmocka_unit_test(test_very_long_digits),
                cmocka_unit_test(test_null_error_pointer),
                cmocka_unit_test(test_many_fraction_digits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
