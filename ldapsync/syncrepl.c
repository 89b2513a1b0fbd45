/*
 * syncrepl.c: the RFC 4533 values vetsync sends and reads, as bytes in
 * and structs out (ldap_sync.h is missing in Debian; ldap.h has the
 * constants: NOTES.md section 6). The parsers take untrusted bytes from
 * the directory: every tag is checked before it is read, a syncUUID must
 * be exactly 16 bytes, a cookie at most SYNC_COOKIE_MAX, and nothing they
 * return points into the BER buffer. No LDAP handle is needed, so a fuzz
 * target can call them directly.
 *
 *   syncRequestValue ::= SEQUENCE { mode ENUMERATED, cookie OCTET STRING
 *       OPTIONAL, reloadHint BOOLEAN DEFAULT FALSE }
 *   syncStateValue ::= SEQUENCE { state ENUMERATED, entryUUID OCTET
 *       STRING (SIZE(16)), cookie OCTET STRING OPTIONAL }
 *   syncInfoValue ::= CHOICE { newcookie [0] syncCookie,
 *       refreshDelete [1] SEQUENCE { cookie OPTIONAL, refreshDone
 *           BOOLEAN DEFAULT TRUE },
 *       refreshPresent [2] SEQUENCE { ... the same ... },
 *       syncIdSet [3] SEQUENCE { cookie OPTIONAL, refreshDeletes BOOLEAN
 *           DEFAULT FALSE, syncUUIDs SET OF syncUUID } }
 *   syncDoneValue ::= SEQUENCE { cookie OPTIONAL, refreshDeletes BOOLEAN
 *       DEFAULT FALSE }
 */
#include <stdlib.h>
#include <string.h>

#include "vetsync.h"

#define SYNC_ID_SET_MAX	(1u << 22)	/* UUIDs in one syncIdSet */

int
syncrepl_request(int mode, const struct berval *cookie, struct berval *out)
{
	BerElement *ber;
	int rv = -1;

	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL)
		return -1;
	if (ber_printf(ber, "{e", (ber_int_t)mode) == -1)
		goto done;
	if (cookie != NULL && cookie->bv_len > 0 &&
	    ber_printf(ber, "O", cookie) == -1)
		goto done;
	if (ber_printf(ber, "N}") == -1)
		goto done;
	if (ber_flatten2(ber, out, 1) == -1)
		goto done;
	rv = 0;
done:
	ber_free(ber, 1);
	return rv;
}

/* cookie_copy copies a cookie out of the BER buffer, within bounds. */
static int
cookie_copy(const struct berval *in, struct berval *out)
{
	if (in->bv_len > SYNC_COOKIE_MAX)
		return -1;
	if ((out->bv_val = malloc(in->bv_len + 1)) == NULL)
		return -1;
	memcpy(out->bv_val, in->bv_val, in->bv_len);
	out->bv_val[in->bv_len] = '\0';
	out->bv_len = in->bv_len;
	return 0;
}

/* ber_open makes a reader over value; NULL when there is nothing. */
static BerElement *
ber_open(const struct berval *value)
{
	if (value == NULL || value->bv_val == NULL || value->bv_len == 0)
		return NULL;
	return ber_init((struct berval *)value);
}

/* read_cookie reads an optional cookie at the current position. */
static int
read_cookie(BerElement *ber, int *has, struct berval *out)
{
	struct berval bv;
	ber_len_t len;

	if (ber_peek_tag(ber, &len) != LDAP_TAG_SYNC_COOKIE)
		return 0;
	if (ber_scanf(ber, "m", &bv) == LBER_ERROR || cookie_copy(&bv, out))
		return -1;
	*has = 1;
	return 0;
}

/* read_bool reads an optional BOOLEAN; *out keeps its default if absent. */
static int
read_bool(BerElement *ber, int *out)
{
	ber_int_t b;
	ber_len_t len;

	if (ber_peek_tag(ber, &len) != LBER_BOOLEAN)
		return 0;
	if (ber_scanf(ber, "b", &b) == LBER_ERROR)
		return -1;
	*out = b != 0;		/* TRUE arrives as -1 */
	return 0;
}

int
syncrepl_parse_state(const struct berval *value, struct sync_state *out)
{
	struct sync_state s = { 0 };
	BerElement *ber = NULL;
	struct berval uuid;
	ber_int_t state;
	ber_len_t len;

	if ((ber = ber_open(value)) == NULL)
		goto fail;
	if (ber_scanf(ber, "{em", &state, &uuid) == LBER_ERROR)
		goto fail;
	if (state < SYNC_STATE_PRESENT || state > SYNC_STATE_DELETE ||
	    uuid.bv_len != SYNC_UUID_LEN)
		goto fail;
	s.state = (enum sync_state_kind)state;
	memcpy(s.uuid, uuid.bv_val, SYNC_UUID_LEN);
	if (read_cookie(ber, &s.has_cookie, &s.cookie) != 0)
		goto fail;
	if (ber_peek_tag(ber, &len) != LBER_DEFAULT)	/* trailing data */
		goto fail;
	ber_free(ber, 1);
	*out = s;
	return 0;
fail:
	sync_state_clear(&s);
	if (ber != NULL)
		ber_free(ber, 1);
	return -1;
}

/* parse_id_set reads the SET OF syncUUID of a syncIdSet. */
static int
parse_id_set(BerElement *ber, struct sync_info *i)
{
	ber_len_t len;
	ber_tag_t tag;
	char *last;
	struct berval uuid;
	size_t cap = 0;

	if (ber_peek_tag(ber, &len) != LBER_SET)
		return -1;
	for (tag = ber_first_element(ber, &len, &last); tag != LBER_DEFAULT;
	    tag = ber_next_element(ber, &len, last)) {
		if (tag != LBER_OCTETSTRING ||
		    ber_scanf(ber, "m", &uuid) == LBER_ERROR ||
		    uuid.bv_len != SYNC_UUID_LEN)
			return -1;
		if (i->n_uuids == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p;
			if (ncap > SYNC_ID_SET_MAX ||
			    (p = realloc(i->uuids, ncap * SYNC_UUID_LEN)) ==
			    NULL)
				return -1;
			i->uuids = p;
			cap = ncap;
		}
		memcpy(i->uuids[i->n_uuids++], uuid.bv_val, SYNC_UUID_LEN);
	}
	return 0;
}

int
syncrepl_parse_info(const struct berval *value, struct sync_info *out)
{
	struct sync_info i = { 0 };
	BerElement *ber = NULL;
	struct berval bv;
	ber_len_t len;
	ber_tag_t tag;

	if ((ber = ber_open(value)) == NULL)
		goto fail;
	tag = ber_peek_tag(ber, &len);
	switch (tag) {
	case LDAP_TAG_SYNC_NEW_COOKIE:
		i.kind = SYNC_INFO_NEW_COOKIE;
		if (ber_scanf(ber, "m", &bv) == LBER_ERROR ||
		    cookie_copy(&bv, &i.cookie) != 0)
			goto fail;
		i.has_cookie = 1;
		break;
	case LDAP_TAG_SYNC_REFRESH_DELETE:
	case LDAP_TAG_SYNC_REFRESH_PRESENT:
		i.kind = tag == LDAP_TAG_SYNC_REFRESH_DELETE ?
		    SYNC_INFO_REFRESH_DELETE : SYNC_INFO_REFRESH_PRESENT;
		i.refresh_done = 1;	/* DEFAULT TRUE */
		if (ber_scanf(ber, "{") == LBER_ERROR ||
		    read_cookie(ber, &i.has_cookie, &i.cookie) != 0 ||
		    read_bool(ber, &i.refresh_done) != 0 ||
		    ber_scanf(ber, "}") == LBER_ERROR)
			goto fail;
		break;
	case LDAP_TAG_SYNC_ID_SET:
		i.kind = SYNC_INFO_ID_SET;
		if (ber_scanf(ber, "{") == LBER_ERROR ||
		    read_cookie(ber, &i.has_cookie, &i.cookie) != 0 ||
		    read_bool(ber, &i.refresh_deletes) != 0 ||
		    parse_id_set(ber, &i) != 0 ||
		    ber_scanf(ber, "}") == LBER_ERROR)
			goto fail;
		break;
	default:
		goto fail;
	}
	if (ber_peek_tag(ber, &len) != LBER_DEFAULT)
		goto fail;
	ber_free(ber, 1);
	*out = i;
	return 0;
fail:
	sync_info_clear(&i);
	if (ber != NULL)
		ber_free(ber, 1);
	return -1;
}

int
syncrepl_parse_done(const struct berval *value, struct sync_done *out)
{
	struct sync_done d = { 0 };
	BerElement *ber = NULL;
	ber_len_t len;

	if ((ber = ber_open(value)) == NULL)
		goto fail;
	if (ber_scanf(ber, "{") == LBER_ERROR ||
	    read_cookie(ber, &d.has_cookie, &d.cookie) != 0 ||
	    read_bool(ber, &d.refresh_deletes) != 0 ||
	    ber_scanf(ber, "}") == LBER_ERROR ||
	    ber_peek_tag(ber, &len) != LBER_DEFAULT)
		goto fail;
	ber_free(ber, 1);
	*out = d;
	return 0;
fail:
	sync_done_clear(&d);
	if (ber != NULL)
		ber_free(ber, 1);
	return -1;
}

void
sync_state_clear(struct sync_state *s)
{
	free(s->cookie.bv_val);
	memset(s, 0, sizeof(*s));
}

void
sync_info_clear(struct sync_info *i)
{
	free(i->cookie.bv_val);
	free(i->uuids);
	memset(i, 0, sizeof(*i));
}

void
sync_done_clear(struct sync_done *d)
{
	free(d->cookie.bv_val);
	memset(d, 0, sizeof(*d));
}
