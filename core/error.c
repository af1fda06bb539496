/* error.c: descriptions of the project's error codes, for logs and command-line output. */
#include "core/error.h"

const char *core_strerror(int code)
{
    switch (code) {
    case CORE_OK:
        return "success";
    case CORE_EBADREQ:
        return "malformed request";
    case CORE_EUNAUTH:
        return "not authenticated";
    case CORE_EFORBIDDEN:
        return "not allowed";
    case CORE_ENOTFOUND:
        return "not found";
    case CORE_ECONFLICT:
        return "conflict";
    case CORE_EINVALID:
        return "validation failed";
    case CORE_ELIMIT:
        return "rate limited";
    case CORE_EIO:
        return "storage input/output error";
    case CORE_EINTERNAL:
        return "internal error";
    case CORE_ENOMEM:
        return "out of memory";
    case CORE_ETOOLARGE:
        return "too large";
    case CORE_EUNAVAILABLE:
        return "unavailable";
    default:
        return "unknown error";
    }
}
