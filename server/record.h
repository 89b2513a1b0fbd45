/*
 * record.h: the stored form of people, caveats and replies (record.proto).
 * record.c is the only place that turns model structs into the bytes kept
 * in LMDB and back. It trusts neither side fully: encode refuses a struct
 * that decode would refuse, and decode checks every length, count and enum
 * of what it reads, because a stored record may be damaged or written by
 * another version.
 */
#ifndef VETD_RECORD_H
#define VETD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct stored_reply;		/* store.h */

/* record_*_decode refuses inputs larger than this as damaged. */
#define RECORD_DECODE_MAX	(1024 * 1024)

/*
 * The encoders return STATUS_OK with *buf malloc'd (owned by the caller,
 * never NULL) holding *len bytes; STATUS_INVALID_ARGUMENT when a string is
 * not NUL-terminated within its field, a required string (id, name) is
 * empty, a count is above its model.h maximum or an enum is out of range;
 * STATUS_RESOURCE_EXHAUSTED when out of memory. *buf and *len are written
 * only on STATUS_OK.
 *
 * The decoders return STATUS_OK and fill every byte of *out (unused
 * entries zeroed, so two decodes of one record compare equal with memcmp);
 * STATUS_DATA_LOSS when the bytes do not parse, a string does not fit its
 * field, a count is above its maximum or an enum is out of range;
 * STATUS_RESOURCE_EXHAUSTED when out of memory. *out is written only on
 * STATUS_OK.
 */
int	record_person_encode(const struct person *p, uint8_t **buf,
	    size_t *len);
int	record_person_decode(const uint8_t *buf, size_t len,
	    struct person *out);
/* record_person_decode_used is record_person_decode for the check path:
 * entries past n_clearances and n_briefings are left as they were (so
 * two decodes no longer compare equal with memcmp). */
int	record_person_decode_used(const uint8_t *buf, size_t len,
	    struct person *out);

/*
 * What a schema-2 person record holds besides the state (store_people.c):
 * the time the state was materialised at, and the first scheduled event
 * after it (0: none). The plain encoder writes both as 0 and the plain
 * decoders ignore them; *m is written only on STATUS_OK. whole: as
 * record_person_decode (1) or record_person_decode_used (0).
 */
struct person_meta {
	vtime	materialised_at;
	vtime	next_event_at;
};
int	record_person_encode_meta(const struct person *p,
	    const struct person_meta *m, uint8_t **buf, size_t *len);
int	record_person_decode_meta(const uint8_t *buf, size_t len, int whole,
	    struct person *out, struct person_meta *m);

/*
 * A person's history (record_history.c), filed apart from the person.
 * record_history_encode refuses (STATUS_INVALID_ARGUMENT) an event with an
 * unterminated string or a kind out of range, or more than
 * HISTORY_STORED_MAX events. record_history_decode replaces the events of
 * out (initialised by the caller) on STATUS_OK only, and refuses bytes
 * that do not parse, name another id, hold an event that would not
 * encode, or are out of time order: STATUS_DATA_LOSS.
 */
struct history;
#define RECORD_HISTORY_DECODE_MAX	(4 * 1024 * 1024)
int	record_history_encode(const char *id, const struct history *h,
	    uint8_t **buf, size_t *len);
int	record_history_decode(const uint8_t *buf, size_t len, const char *id,
	    struct history *out);

/* A decoded caveat always has builtin = 0: built-ins are never stored. */
int	record_caveat_encode(const struct caveat *c, uint8_t **buf,
	    size_t *len);
int	record_caveat_decode(const uint8_t *buf, size_t len,
	    struct caveat *out);

/*
 * A stored reply's payload_digest must be 32 bytes. On STATUS_OK,
 * out->reply is malloc'd (never NULL, even for reply_len 0) and owned by
 * the caller.
 */
int	record_reply_encode(const struct stored_reply *r, uint8_t **buf,
	    size_t *len);
int	record_reply_decode(const uint8_t *buf, size_t len,
	    struct stored_reply *out);

#endif /* VETD_RECORD_H */
