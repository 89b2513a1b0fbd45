/*
 * validate.c: checks on untrusted input. Nothing here allocates or trusts
 * a length it has not bounded.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "validate.h"
#include "vettime.h"

#define WIRE_MAX_DEPTH 8

int
validate_id(const char *field, const char *id, char *err, size_t errsz)
{
	size_t len = strlen(id);

	if (len == 0) {
		snprintf(err, errsz, "%s is required", field);
		return -1;
	}
	if (len > ID_MAX) {
		snprintf(err, errsz, "%s is longer than %d characters", field,
		    ID_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)id[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '@' || ch == ':' || ch == '-')
			continue;
		snprintf(err, errsz, "%s may hold only letters, digits and "
		    ". _ @ : - (found byte 0x%02x at position %zu)", field, ch,
		    i + 1);
		return -1;
	}
	return 0;
}

int
validate_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* No overlong forms, surrogates, or values past U+10FFFF. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

int
validate_text(const char *field, const char *s, size_t max, int required,
    char *err, size_t errsz)
{
	size_t len = strlen(s);

	if (required && len == 0) {
		snprintf(err, errsz, "%s is required", field);
		return -1;
	}
	if (len > max) {
		snprintf(err, errsz, "%s is longer than %zu bytes", field, max);
		return -1;
	}
	if (!validate_utf8((const uint8_t *)s, len)) {
		snprintf(err, errsz, "%s is not valid UTF-8", field);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f) {
			snprintf(err, errsz, "%s may not hold control "
			    "characters", field);
			return -1;
		}
	}
	return 0;
}

int
validate_nationality(const char *s, char out[3], char *err, size_t errsz)
{
	size_t len = strlen(s);

	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	if (len != 2 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') ||
	    !((s[1] | 0x20) >= 'a' && (s[1] | 0x20) <= 'z')) {
		snprintf(err, errsz, "nationality must be an ISO 3166 alpha-2 "
		    "code such as GB (or empty when unknown)");
		return -1;
	}
	out[0] = (char)(s[0] & ~0x20);
	out[1] = (char)(s[1] & ~0x20);
	out[2] = '\0';
	return 0;
}

int
validate_time(const char *field, int64_t t, int required, char *err,
    size_t errsz)
{
	if (t == 0 && !required)
		return 0;
	if (!vettime_valid(t)) {
		if (t == 0)
			snprintf(err, errsz, "%s is required", field);
		else
			snprintf(err, errsz, "%s must be a date between 1970 "
			    "and 2200", field);
		return -1;
	}
	return 0;
}

int
validate_name(const char *field, const char *s, size_t max, char *err,
    size_t errsz)
{
	size_t len = strlen(s);

	if (len == 0) {
		snprintf(err, errsz, "%s is required", field);
		return -1;
	}
	if (len > max) {
		snprintf(err, errsz, "%s is longer than %zu characters", field,
		    max);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch > 0x7e) {
			snprintf(err, errsz, "%s may hold only printable ASCII",
			    field);
			return -1;
		}
	}
	if (s[0] == ' ' || s[len - 1] == ' ') {
		snprintf(err, errsz, "%s may not start or end with a space",
		    field);
		return -1;
	}
	return 0;
}

/* wire_varint reads a base-128 varint; returns bytes used or 0. */
static size_t
wire_varint(const uint8_t *buf, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 10; i++) {
		v |= (uint64_t)(buf[i] & 0x7f) << (7 * i);
		if ((buf[i] & 0x80) == 0) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

static int
wire_walk(const ProtobufCMessageDescriptor *desc, const uint8_t *buf,
    size_t len, int depth, char *err, size_t errsz)
{
	size_t pos = 0;

	if (depth > WIRE_MAX_DEPTH) {
		snprintf(err, errsz, "message nested too deeply");
		return -1;
	}
	while (pos < len) {
		uint64_t key, n;
		size_t used = wire_varint(buf + pos, len - pos, &key);
		if (used == 0)
			goto malformed;
		pos += used;
		switch (key & 7) {
		case 0:
			if ((used = wire_varint(buf + pos, len - pos, &n)) == 0)
				goto malformed;
			pos += used;
			continue;
		case 1:
			n = 8;
			break;
		case 5:
			n = 4;
			break;
		case 2:
			if ((used = wire_varint(buf + pos, len - pos, &n)) == 0)
				goto malformed;
			pos += used;
			break;
		default:
			goto malformed;
		}
		if (n > len - pos)
			goto malformed;
		if (key >> 3 <= UINT32_MAX) {
			const ProtobufCFieldDescriptor *f =
			    protobuf_c_message_descriptor_get_field(desc,
			    (unsigned)(key >> 3));
			/* protobuf-c 1.4.1 takes a bool in any wire type
			 * (tests/test_hostile.c); only a packed repeated
			 * bool may come length-delimited. */
			if (f != NULL && f->type == PROTOBUF_C_TYPE_BOOL &&
			    !((key & 7) == 2 &&
			    f->label == PROTOBUF_C_LABEL_REPEATED))
				goto malformed;
			if ((key & 7) != 2 || f == NULL)
				f = NULL;	/* nothing to look into */
			if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING) {
				if (memchr(buf + pos, '\0', n) != NULL) {
					snprintf(err, errsz, "field %s holds a "
					    "NUL byte", f->name);
					return -1;
				}
				if (!validate_utf8(buf + pos, n)) {
					snprintf(err, errsz, "field %s is not "
					    "valid UTF-8", f->name);
					return -1;
				}
			} else if (f != NULL &&
			    f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (wire_walk(f->descriptor, buf + pos, n,
				    depth + 1, err, errsz) != 0)
					return -1;
			}
		}
		pos += n;
	}
	return 0;
malformed:
	snprintf(err, errsz, "payload is not a valid %s", desc->name);
	return -1;
}

int
validate_wire_strings(const ProtobufCMessageDescriptor *desc,
    const uint8_t *buf, size_t len, char *err, size_t errsz)
{
	return wire_walk(desc, buf, len, 0, err, errsz);
}
