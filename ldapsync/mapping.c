/*
 * mapping.c: one directory entry to one vetd person, by the [map] keys.
 * Attribute values are untrusted bytes: the id must be a valid vetd id
 * (or a 16-byte UUID/GUID, formatted), text must be UTF-8 and is cut to
 * vetd's limits at a character boundary with control characters made
 * spaces, a nationality that is not two letters is left unknown. The
 * disabled rule is "attribute present", "attribute equals a value"
 * (without regard to case), or "integer attribute has a bit of a mask"
 * (Active Directory's userAccountControl, 2 = ACCOUNTDISABLE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vettime.h"
#include "vetsync.h"

static const char hexdigits[] = "0123456789abcdef";

void
mapping_uuid_format(const uint8_t u[SYNC_UUID_LEN], char out[SYNC_UUID_STR])
{
	size_t j = 0;

	for (size_t i = 0; i < SYNC_UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hexdigits[u[i] >> 4];
		out[j++] = hexdigits[u[i] & 0xf];
	}
	out[j] = '\0';
}

void
mapping_guid_format(const uint8_t g[SYNC_UUID_LEN], char out[SYNC_UUID_STR])
{
	/* The first three fields are little-endian on the wire. */
	static const uint8_t order[SYNC_UUID_LEN] = { 3, 2, 1, 0, 5, 4, 7, 6,
	    8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t u[SYNC_UUID_LEN];

	for (size_t i = 0; i < SYNC_UUID_LEN; i++)
		u[i] = g[order[i]];
	mapping_uuid_format(u, out);
}

int
mapping_valid_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > SYNC_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)id[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '@' || ch == ':' || ch == '-')
			continue;
		return 0;
	}
	return 1;
}

int
mapping_id_is_uuid(const struct sync_config *c)
{
	return strcasecmp(c->attr_id, "entryUUID") == 0;
}

void
mapping_attrs(const struct sync_config *c, char *attrs[8])
{
	const char *want[] = { c->attr_id, c->attr_name, c->attr_mail,
	    c->attr_org_unit, c->attr_nationality, c->disabled_attr };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (want[i] != NULL && want[i][0] != '\0')
			attrs[n++] = (char *)want[i];
	attrs[n] = NULL;
}

/* utf8_char_len returns the length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_char_len(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * text_copy makes a vetd-safe copy of a value: NULL when it is not UTF-8,
 * cut to max bytes at a character boundary, controls made spaces, and
 * surrounding spaces trimmed.
 */
static char *
text_copy(const struct berval *v, size_t max)
{
	const uint8_t *s = (const uint8_t *)v->bv_val;
	size_t n = v->bv_len, i = 0, out_len = 0, cl;
	char *out;

	if ((out = malloc((n < max ? n : max) + 1)) == NULL)
		return NULL;
	while (i < n) {
		if ((cl = utf8_char_len(s + i, n - i)) == 0) {
			free(out);
			return NULL;
		}
		if (out_len + cl > max)
			break;
		if (cl == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			out[out_len++] = ' ';
		else {
			memcpy(out + out_len, s + i, cl);
			out_len += cl;
		}
		i += cl;
	}
	while (out_len > 0 && out[out_len - 1] == ' ')
		out_len--;
	out[out_len] = '\0';
	size_t lead = strspn(out, " ");
	if (lead > 0)
		memmove(out, out + lead, out_len - lead + 1);
	return out;
}

/* optional_text: the first value of attr, or "" (never NULL on success). */
static int
optional_text(const char *attr, mapping_get_fn get, void *arg, size_t max,
    char **out)
{
	struct berval **vals = attr[0] != '\0' ? get(arg, attr) : NULL;
	char *s = NULL;

	if (vals != NULL && vals[0] != NULL)
		s = text_copy(vals[0], max);
	if (s == NULL && (s = strdup("")) == NULL)
		return -1;
	*out = s;
	return 0;
}

static int
mapping_id(const struct sync_config *c, mapping_get_fn get, void *arg,
    const uint8_t *uuid, char **out, char *why, size_t whysz)
{
	struct berval **vals = get(arg, c->attr_id);
	char buf[SYNC_ID_MAX + 1];
	size_t n = 0;

	while (vals != NULL && vals[n] != NULL)
		n++;
	if (n == 0 && uuid != NULL && mapping_id_is_uuid(c)) {
		mapping_uuid_format(uuid, buf);
	} else if (n != 1) {
		snprintf(why, whysz, "%s has %zu values, not one", c->attr_id,
		    n);
		return -1;
	} else if (strcasecmp(c->attr_id, "objectGUID") == 0 &&
	    vals[0]->bv_len == SYNC_UUID_LEN) {
		mapping_guid_format((const uint8_t *)vals[0]->bv_val, buf);
	} else {
		if (vals[0]->bv_len == 0 || vals[0]->bv_len > SYNC_ID_MAX ||
		    memchr(vals[0]->bv_val, '\0', vals[0]->bv_len) != NULL) {
			snprintf(why, whysz, "%s is empty or longer than %d "
			    "bytes", c->attr_id, SYNC_ID_MAX);
			return -1;
		}
		memcpy(buf, vals[0]->bv_val, vals[0]->bv_len);
		buf[vals[0]->bv_len] = '\0';
		if (mapping_id_is_uuid(c))
			for (char *p = buf; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'F')
					*p = (char)(*p - 'A' + 'a');
		if (!mapping_valid_id(buf)) {
			snprintf(why, whysz, "%s is not a valid vetd id (1-128 "
			    "of A-Z a-z 0-9 . _ @ : -)", c->attr_id);
			return -1;
		}
	}
	if ((*out = strdup(buf)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	return 0;
}

/* mapping_disabled: 1 disabled, 0 not, -1 the value cannot be read. */
static int
mapping_disabled(const struct sync_config *c, mapping_get_fn get, void *arg)
{
	struct berval **vals;
	char buf[24];
	uint64_t v;

	if (c->disabled_attr[0] == '\0')
		return 0;
	if ((vals = get(arg, c->disabled_attr)) == NULL || vals[0] == NULL)
		return 0;
	if (c->disabled_mask != 0) {
		const struct berval *b = vals[0];
		size_t off = b->bv_len > 0 && b->bv_val[0] == '-' ? 1 : 0;
		if (b->bv_len - off == 0 || b->bv_len >= sizeof(buf))
			return -1;
		memcpy(buf, b->bv_val + off, b->bv_len - off);
		buf[b->bv_len - off] = '\0';
		if (parse_u64(buf, 0, off ? (uint64_t)INT32_MAX + 1 :
		    UINT32_MAX, &v) != 0)
			return -1;
		if (off)	/* a negative 32-bit value, as AD may send */
			v = (uint64_t)(uint32_t)(-(int64_t)v);
		return (v & c->disabled_mask) != 0;
	}
	if (c->disabled_value[0] == '\0')
		return 1;
	for (size_t i = 0; vals[i] != NULL; i++) {
		size_t len = strlen(c->disabled_value);
		if (vals[i]->bv_len == len &&
		    strncasecmp(vals[i]->bv_val, c->disabled_value, len) == 0)
			return 1;
	}
	return 0;
}

int
mapping_entry(const struct sync_config *c, mapping_get_fn get, void *arg,
    const uint8_t *uuid, struct sync_entry *out, char *why, size_t whysz)
{
	struct sync_entry e = { 0 };
	struct berval **vals;
	int disabled;

	memset(out, 0, sizeof(*out));
	if (mapping_id(c, get, arg, uuid, &e.id, why, whysz) != 0)
		return -1;
	if ((disabled = mapping_disabled(c, get, arg)) < 0) {
		snprintf(why, whysz, "%s is not a number", c->disabled_attr);
		goto skip;
	}
	e.disabled = disabled;
	vals = get(arg, c->attr_name);
	if (vals == NULL || vals[0] == NULL ||
	    (e.name = text_copy(vals[0], SYNC_NAME_MAX)) == NULL ||
	    e.name[0] == '\0') {
		snprintf(why, whysz, "no usable %s (a name is required)",
		    c->attr_name);
		goto skip;
	}
	if (optional_text(c->attr_mail, get, arg, SYNC_NAME_MAX,
	    &e.mail) != 0 ||
	    optional_text(c->attr_org_unit, get, arg, SYNC_ORG_UNIT_MAX,
	    &e.org_unit) != 0) {
		snprintf(why, whysz, "out of memory");
		goto skip;
	}
	if (c->attr_nationality[0] != '\0' &&
	    (vals = get(arg, c->attr_nationality)) != NULL &&
	    vals[0] != NULL && vals[0]->bv_len == 2) {
		char a = (char)(vals[0]->bv_val[0] & ~0x20);
		char b = (char)(vals[0]->bv_val[1] & ~0x20);
		if (a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z') {
			e.nationality[0] = a;
			e.nationality[1] = b;
		}
	}
	*out = e;
	return 0;
skip:
	/* The id is known: the caller still counts the entry as seen. */
	free(e.name);
	free(e.mail);
	free(e.org_unit);
	out->id = e.id;
	return -1;
}

void
sync_entry_clear(struct sync_entry *e)
{
	if (e == NULL)
		return;
	free(e->id);
	free(e->name);
	free(e->mail);
	free(e->org_unit);
	memset(e, 0, sizeof(*e));
}
