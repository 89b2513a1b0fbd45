/*
 * test_audit_redact.c: erasing an audit entry's text (a retention purge)
 * on a real LMDB store. The chain still verifies when a purge entry
 * accounts for every erasure; an erasure nobody accounts for is named at
 * its seq; entries written before sealing (legacy) still verify and
 * refuse to be erased; a sealed entry's hash does not move when its text
 * is erased.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "status.h"
#include "store.h"

static char dir[64];
static struct store *store;

static void
store_setup(void)
{
	struct store_options so = { 0 };
	char err[256];

	snprintf(dir, sizeof(dir), "/tmp/vetd-redact-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	so.dir = dir;
	cr_assert_eq(store_open(&so, &store, err, sizeof(err)), STATUS_OK,
	    "%s", err);
}

static void
store_teardown(void)
{
	char cmd[128];

	store_close(&store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(redact, .init = store_setup, .fini = store_teardown,
    .timeout = 60);

static int
append_fn(struct store_txn *t, void *arg)
{
	struct audit_entry e;
	int i = *(int *)arg;

	memset(&e, 0, sizeof(e));
	e.time = 1700000000 + i;
	snprintf(e.method, sizeof(e.method), "PutPerson");
	snprintf(e.person_id, sizeof(e.person_id), "p%d", i);
	snprintf(e.change, sizeof(e.change), "display_name: \"Person %d\"", i);
	snprintf(e.reason, sizeof(e.reason), "joined as number %d", i);
	return audit_append_entry(t, &e);
}

static void
append_n(int n)
{
	for (int i = 1; i <= n; i++)
		cr_assert_eq(store_write(store, append_fn, &i, NULL),
		    STATUS_OK);
}

static int
feed(uint64_t seq, const uint8_t *buf, size_t len, void *arg)
{
	return audit_verify_entry(arg, seq, buf, len);
}

static void
verify(struct audit_verify *v)
{
	struct store_txn *t;
	uint8_t hash[32];
	uint64_t head;
	int rv;

	cr_assert_eq(store_read_begin(store, &t), STATUS_OK);
	audit_verify_init(v);
	rv = store_audit_scan(t, 0, feed, v);
	cr_assert(rv == STATUS_OK || rv == 1, "scan: %d", rv);
	cr_assert_eq(store_audit_head(t, &head, hash), STATUS_OK);
	audit_verify_finish(v, head, hash);
	store_read_end(t);
}

static void
entry(uint64_t seq, struct audit_entry *e, uint8_t hash[32])
{
	struct store_txn *t;
	const uint8_t *buf;
	size_t len;

	cr_assert_eq(store_read_begin(store, &t), STATUS_OK);
	cr_assert_eq(store_audit_get(t, seq, &buf, &len), STATUS_OK);
	cr_assert_eq(audit_decode(buf, len, e), STATUS_OK);
	store_read_end(t);
	cr_assert_eq(audit_entry_hash(e, hash), STATUS_OK);
}

/* A purge: erase the entries listed, then append the entry that says so. */
struct purge {
	const uint64_t *seqs;
	size_t	n;
	uint32_t claim;			/* redactions the entry claims */
	int	erased;			/* how many held text */
	int	status;			/* of the last audit_redact */
};

static int
purge_fn(struct store_txn *t, void *arg)
{
	struct purge *p = arg;
	struct audit_entry e;
	int erased, rv;

	p->erased = 0;
	for (size_t i = 0; i < p->n; i++) {
		if ((p->status = audit_redact(t, p->seqs[i], &erased)) !=
		    STATUS_OK)
			return p->status;
		p->erased += erased;
	}
	if (p->claim == 0)
		return STATUS_OK;
	memset(&e, 0, sizeof(e));
	e.time = 1800000000;
	snprintf(e.method, sizeof(e.method), "RetentionPurge");
	snprintf(e.person_id, sizeof(e.person_id), "p3");
	e.redactions = p->claim;
	rv = audit_append_entry(t, &e);
	return rv;
}

Test(redact, a_purge_that_accounts_for_its_erasures_keeps_the_chain)
{
	static const uint64_t seqs[] = { 3, 5 };
	struct purge p = { seqs, 2, 2, 0, 0 };
	struct audit_entry before, after;
	uint8_t h_before[32], h_after[32];
	struct audit_verify v;

	append_n(10);
	entry(3, &before, h_before);
	cr_assert(before.sealed);
	cr_assert_str_eq(before.change, "display_name: \"Person 3\"");
	cr_assert_eq(store_write(store, purge_fn, &p, NULL), STATUS_OK);
	cr_assert_eq(p.erased, 2);
	entry(3, &after, h_after);
	cr_assert(after.redacted);
	cr_assert_str_eq(after.change, "");
	cr_assert_str_eq(after.reason, "");
	cr_assert_eq(memcmp(h_before, h_after, 32), 0,
	    "erasing the text moved the entry's hash");
	cr_assert_eq(memcmp(before.content_digest, after.content_digest, 32),
	    0);
	verify(&v);
	cr_assert(v.ok, "%s", v.problem);
	cr_assert_eq(v.verified, 11);
	cr_assert_eq(v.redacted, 2);
	cr_assert_eq(v.redactions, 2);

	/* Erasing again changes nothing and erases nothing. */
	p.claim = 0;
	cr_assert_eq(store_write(store, purge_fn, &p, NULL), STATUS_OK);
	cr_assert_eq(p.erased, 0);
	verify(&v);
	cr_assert(v.ok, "%s", v.problem);
}

Test(redact, an_erasure_no_purge_accounts_for_is_named)
{
	static const uint64_t seqs[] = { 4, 7 };
	struct purge p = { seqs, 2, 0, 0, 0 };
	struct audit_verify v;

	append_n(10);
	cr_assert_eq(store_write(store, purge_fn, &p, NULL), STATUS_OK);
	cr_assert_eq(p.erased, 2);
	verify(&v);
	cr_assert(!v.ok);
	cr_assert_eq(v.first_bad, 4, "named %llu: %s",
	    (unsigned long long)v.first_bad, v.problem);
	cr_assert_str_eq(v.problem, "2 entries have had their text erased "
	    "(the first is entry 4) but retention purges account for 0");

	/* A purge claiming one of the two does not cover both. */
	p.seqs = NULL;
	p.n = 0;
	p.claim = 1;
	cr_assert_eq(store_write(store, purge_fn, &p, NULL), STATUS_OK);
	verify(&v);
	cr_assert(!v.ok);
	cr_assert_eq(v.first_bad, 4);
}

Test(redact, an_unknown_seq_is_not_found)
{
	static const uint64_t seqs[] = { 99 };
	struct purge p = { seqs, 1, 0, 0, 0 };

	append_n(3);
	cr_assert_eq(store_write(store, purge_fn, &p, NULL),
	    STATUS_NOT_FOUND);
	cr_assert_eq(p.status, STATUS_NOT_FOUND);
}

/* legacy_fn writes an entry as vetd 0.1 did: no content digest, the hash
 * the SHA-256 of the stored bytes. */
static int
legacy_fn(struct store_txn *t, void *arg)
{
	struct audit_entry e;
	uint8_t hash[32], *buf;
	uint64_t head;
	size_t len;
	int rv;

	(void)arg;
	memset(&e, 0, sizeof(e));
	cr_assert_eq(store_audit_head(t, &head, e.prev_hash), STATUS_OK);
	e.seq = head + 1;
	e.time = 1600000000;
	snprintf(e.method, sizeof(e.method), "PutPerson");
	snprintf(e.person_id, sizeof(e.person_id), "old");
	snprintf(e.change, sizeof(e.change), "display_name: \"Old Timer\"");
	cr_assert_eq(audit_encode(&e, &buf, &len), STATUS_OK);
	audit_hash(buf, len, hash);
	rv = store_audit_put(t, e.seq, e.person_id, buf, len, hash);
	free(buf);
	return rv;
}

Test(redact, legacy_entries_verify_and_cannot_be_erased)
{
	static const uint64_t seqs[] = { 1 };
	struct purge p = { seqs, 1, 0, 0, 0 };
	struct audit_entry e;
	struct audit_verify v;
	uint8_t h[32];

	cr_assert_eq(store_write(store, legacy_fn, NULL, NULL), STATUS_OK);
	append_n(2);
	entry(1, &e, h);
	cr_assert(!e.sealed);
	entry(2, &e, h);
	cr_assert(e.sealed);
	verify(&v);
	cr_assert(v.ok, "%s", v.problem);
	cr_assert_eq(v.verified, 3);
	cr_assert_eq(store_write(store, purge_fn, &p, NULL),
	    STATUS_FAILED_PRECONDITION);
	entry(1, &e, h);
	cr_assert_str_eq(e.change, "display_name: \"Old Timer\"");
	verify(&v);
	cr_assert(v.ok, "%s", v.problem);
}
