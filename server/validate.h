/*
 * validate.h: checks on untrusted input, shared by every handler. Each
 * returns 0, or -1 with one sentence in err naming the field and the value
 * where that is safe to echo.
 */
#ifndef VETD_VALIDATE_H
#define VETD_VALIDATE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Ids: 1..ID_MAX bytes of A-Z a-z 0-9 . _ @ : - (the documented safe set). */
int validate_id(const char *field, const char *id, char *err, size_t errsz);

/* Text: valid UTF-8, no control characters, at most max bytes; required
 * means it may not be empty. */
int validate_text(const char *field, const char *s, size_t max, int required,
    char *err, size_t errsz);

/* validate_utf8: 1 when s[0..len) is well-formed UTF-8. */
int validate_utf8(const uint8_t *s, size_t len);

/* Nationality: "" or two ASCII letters; written upper case into out[3]. */
int validate_nationality(const char *s, char out[3], char *err, size_t errsz);

/* Times: within 1970..2200 (vettime.h); required means non-zero. */
int validate_time(const char *field, int64_t t, int required, char *err,
    size_t errsz);

/* Names of schemes, levels, caveats, markings: 1..max bytes, printable
 * ASCII (space allowed inside). */
int validate_name(const char *field, const char *s, size_t max, char *err,
    size_t errsz);

/*
 * validate_wire_strings walks a serialized message of type desc before it
 * is unpacked and refuses string fields that hold a NUL byte or invalid
 * UTF-8 (protobuf-c accepts both, and a NUL silently cuts a string short),
 * and nesting deeper than 8.
 */
int validate_wire_strings(const ProtobufCMessageDescriptor *desc,
    const uint8_t *buf, size_t len, char *err, size_t errsz);

#endif /* VETD_VALIDATE_H */
