/*
 * On-target unit test of emml_status_str (lib/emml/src/status.c), run by
 * `pio test -e qemu_m0` (tests/target/test_custom_runner.py).
 *
 * Each check prints one line "<file>:<line>:<name>:PASS" or
 * "<file>:<line>:<name>:FAIL: <message>"; the program exits with the
 * number of failed checks.
 */
#include "board.h"
#include "console.h"
#include "emml/emml.h"

static const emml_status_t codes[] = {
    EMML_OK, EMML_ERR_NULL, EMML_ERR_ARGUMENT, EMML_ERR_SHAPE,
    EMML_ERR_BUFFER_TOO_SMALL, EMML_ERR_UNSUPPORTED, EMML_ERR_FORMAT,
    EMML_ERR_VERSION, EMML_ERR_CHECKSUM, EMML_ERR_NUMERIC,
};
#define N_CODES (sizeof codes / sizeof codes[0])

static int failures;

static void check(int ok, int line, const char *name, int code, const char *message)
{
    console_puts("test_main.c:");
    console_put_int((int32_t)line);
    console_puts(":");
    console_puts(name);
    console_puts("_");
    console_put_int((int32_t)(code < 0 ? -code : code));
    console_puts(ok ? ":PASS\n" : ":FAIL: ");
    if (!ok) {
        console_puts(message);
        console_puts("\n");
        failures++;
    }
}

static int same(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int main(void)
{
    size_t i, j;
    board_init();
    for (i = 0; i < N_CODES; i++) {
        const char *s = emml_status_str(codes[i]);
        int code = (int)codes[i];
        check(s != NULL, __LINE__, "status_str_not_null", code, "returned NULL");
        if (s == NULL) {
            continue;
        }
#if EMML_STATUS_STRINGS
        check(s[0] != '\0', __LINE__, "status_str_not_empty", code, "empty string");
        check(!same(s, "unknown status"), __LINE__, "status_str_known", code, s);
        for (j = 0; j < i; j++) {
            const char *t = emml_status_str(codes[j]);
            if (t != NULL && same(s, t)) {
                break;
            }
        }
        check(j == i, __LINE__, "status_str_unique", code, "same text as another code");
#else
        (void)j;
        check(s[0] == '\0', __LINE__, "status_str_disabled", code, "non-empty with strings off");
#endif
    }
#if EMML_STATUS_STRINGS
    check(same(emml_status_str((emml_status_t)-100), "unknown status"), __LINE__,
          "status_str_unknown", 100, "unexpected text for an unknown code");
#endif
    check(codes[0] == 0, __LINE__, "status_ok_is_zero", 0, "EMML_OK is not 0");
    for (i = 1; i < N_CODES; i++) {
        check((int)codes[i] < 0, __LINE__, "status_error_negative", (int)codes[i], "not negative");
    }
    console_puts("emml status tests: ");
    console_put_int((int32_t)failures);
    console_puts(" failures\n");
    return failures;
}
