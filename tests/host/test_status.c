/* emml_status_str: a distinct, non-empty string for every status code. */
#include <string.h>

#include "emml/emml.h"
#include "emml_test.h"

int main(void)
{
    static const emml_status_t codes[] = {
        EMML_OK, EMML_ERR_NULL, EMML_ERR_ARGUMENT, EMML_ERR_SHAPE,
        EMML_ERR_BUFFER_TOO_SMALL, EMML_ERR_UNSUPPORTED, EMML_ERR_FORMAT,
        EMML_ERR_VERSION, EMML_ERR_CHECKSUM, EMML_ERR_NUMERIC,
    };
    const size_t n = sizeof codes / sizeof codes[0];
    size_t i, j;

    CHECK_EQ_STR(emml_status_str(EMML_OK), "ok");
    CHECK_EQ_STR(emml_status_str(EMML_ERR_NULL), "a required pointer was NULL");
    CHECK_EQ_STR(emml_status_str(EMML_ERR_BUFFER_TOO_SMALL), "buffer too small");
    CHECK_EQ_STR(emml_status_str(EMML_ERR_NUMERIC), "NaN or Inf where a finite value is required");

    /* Codes are 0 and consecutive negatives, so `st < 0` catches every error. */
    for (i = 0; i < n; i++) {
        CHECK_EQ_INT(codes[i], -(int)i);
    }
    for (i = 0; i < n; i++) {
        const char *s = emml_status_str(codes[i]);
        CHECK(s != NULL && s[0] != '\0');
        CHECK(strcmp(s, "unknown status") != 0);
        for (j = i + 1; j < n; j++) {
            CHECK(strcmp(s, emml_status_str(codes[j])) != 0);
        }
    }

    /* Codes the runtime does not define. */
    CHECK_EQ_STR(emml_status_str((emml_status_t)-10), "unknown status");
    CHECK_EQ_STR(emml_status_str((emml_status_t)1), "unknown status");
    CHECK_EQ_STR(emml_status_str((emml_status_t)-1000), "unknown status");

    /* The port hooks are linked in and usable. */
    CHECK(emml_port_cycles_hz() > 0u);
    (void)emml_port_cycles();

    return EMML_TEST_SUMMARY();
}
