/* ZTEST suite for lib/emml: runs under twister on the QEMU platforms
 * named in testcase.yaml. */
#include <zephyr/ztest.h>

#include "emml/emml.h"
#include "emml/fixed.h"

ZTEST(emml_status, test_ok_is_zero_and_errors_negative)
{
    zassert_equal(EMML_OK, 0);
    zassert_true(EMML_ERR_NULL < 0);
    zassert_true(EMML_ERR_NUMERIC < 0);
}

ZTEST(emml_status, test_every_code_has_a_string)
{
    int code;
    for (code = EMML_ERR_NUMERIC; code <= EMML_OK; code++) {
        const char *text = emml_status_str((emml_status_t)code);
        zassert_not_null(text);
#if EMML_STATUS_STRINGS
        zassert_true(text[0] != '\0', "code %d has no text", code);
#endif
    }
}

ZTEST(emml_fixed, test_integer_sqrt_is_exact)
{
    uint32_t v;
    for (v = 0; v < 5000u; v += 7u) {
        uint32_t r = emml_isqrt_u32(v);
        zassert_true(r * r <= v && (r + 1u) * (r + 1u) > v, "isqrt(%u) = %u", v, r);
    }
}

ZTEST_SUITE(emml_status, NULL, NULL, NULL, NULL, NULL);
ZTEST_SUITE(emml_fixed, NULL, NULL, NULL, NULL, NULL);
