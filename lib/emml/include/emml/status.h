/*
 * emml/status.h - the status code every fallible emml function returns.
 *
 * 0 means success; every error is negative, so `if (st < 0)` catches them all.
 * init functions validate their arguments once and return one of these; the
 * per-sample functions that follow them only compute.
 */
#ifndef EMML_STATUS_H
#define EMML_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EMML_OK = 0,
    EMML_ERR_NULL = -1,             /* a required pointer was NULL */
    EMML_ERR_ARGUMENT = -2,         /* an argument is out of its valid range */
    EMML_ERR_SHAPE = -3,            /* sizes or dimensions do not match */
    EMML_ERR_BUFFER_TOO_SMALL = -4, /* a caller-owned buffer is too small */
    EMML_ERR_UNSUPPORTED = -5,      /* feature not built in or not supported */
    EMML_ERR_FORMAT = -6,           /* malformed model data or blob */
    EMML_ERR_VERSION = -7,          /* data written for another runtime version */
    EMML_ERR_CHECKSUM = -8,         /* checksum mismatch: corrupted data */
    EMML_ERR_NUMERIC = -9           /* NaN/Inf where a finite value is required */
} emml_status_t;

/* Short English description of a status code; never NULL. */
const char *emml_status_str(emml_status_t status);

#ifdef __cplusplus
}
#endif

#endif /* EMML_STATUS_H */
