/*
 * emml_test.h - a header-only check helper for the host C tests.
 *
 *     #include "emml_test.h"
 *     int main(void) {
 *         CHECK(x == 1);
 *         CHECK_EQ_INT(emml_foo(), 3);
 *         CHECK_EQ_STR(emml_status_str(EMML_OK), "ok");
 *         return EMML_TEST_SUMMARY();
 *     }
 *
 * A failed check prints "file:line: check failed: ..." and the test goes on;
 * EMML_TEST_SUMMARY() prints "N passed, M failed" and returns the exit
 * status (0 only when nothing failed). One test program per .c file, so the
 * counters are plain statics.
 */
#ifndef EMML_TEST_H
#define EMML_TEST_H

#include <stdio.h>
#include <string.h>

static unsigned emml_test_passed;
static unsigned emml_test_failed;

static void emml_test_report(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        emml_test_passed++;
    } else {
        emml_test_failed++;
        printf("%s:%d: check failed: %s\n", file, line, what);
    }
}

#define CHECK(cond) emml_test_report((cond) ? 1 : 0, __FILE__, __LINE__, #cond)

#define CHECK_EQ_INT(actual, expected)                                              \
    do {                                                                            \
        long long emml_a_ = (long long)(actual);                                    \
        long long emml_e_ = (long long)(expected);                                  \
        emml_test_report(emml_a_ == emml_e_, __FILE__, __LINE__, #actual " == " #expected); \
        if (emml_a_ != emml_e_) {                                                   \
            printf("    actual %lld, expected %lld\n", emml_a_, emml_e_);           \
        }                                                                           \
    } while (0)

#define CHECK_EQ_STR(actual, expected)                                              \
    do {                                                                            \
        const char *emml_a_ = (actual);                                             \
        const char *emml_e_ = (expected);                                           \
        int emml_ok_ = emml_a_ != NULL && strcmp(emml_a_, emml_e_) == 0;            \
        emml_test_report(emml_ok_, __FILE__, __LINE__, #actual " == " #expected);   \
        if (!emml_ok_) {                                                            \
            printf("    actual \"%s\", expected \"%s\"\n",                          \
                   emml_a_ ? emml_a_ : "(null)", emml_e_);                          \
        }                                                                           \
    } while (0)

#define EMML_TEST_SUMMARY()                                                         \
    (printf("%u passed, %u failed\n", emml_test_passed, emml_test_failed),          \
     emml_test_failed == 0 ? 0 : 1)

#endif /* EMML_TEST_H */
