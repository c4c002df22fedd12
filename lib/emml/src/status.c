#include "emml/status.h"

#include "emml/config.h"

const char *emml_status_str(emml_status_t status)
{
#if EMML_STATUS_STRINGS
    switch (status) {
    case EMML_OK: return "ok";
    case EMML_ERR_NULL: return "a required pointer was NULL";
    case EMML_ERR_ARGUMENT: return "argument out of range";
    case EMML_ERR_SHAPE: return "sizes or dimensions do not match";
    case EMML_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case EMML_ERR_UNSUPPORTED: return "not supported by this build";
    case EMML_ERR_FORMAT: return "malformed model data";
    case EMML_ERR_VERSION: return "model data is for another emml version";
    case EMML_ERR_CHECKSUM: return "checksum mismatch";
    case EMML_ERR_NUMERIC: return "NaN or Inf where a finite value is required";
    }
    return "unknown status";
#else
    (void)status;
    return "";
#endif
}
