/*
 * test_audit_log.c: the audit log below the wire: the canonical bytes of
 * an entry (a golden encoding, so a change to the encoding cannot pass
 * unnoticed), SHA-256 from mbedtls, the person diff and its bounds, the
 * chain on a real LMDB store, and verification naming the entry that was
 * changed, removed or reordered when the files are edited behind vetd's
 * back with liblmdb.
 */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "config.h"
#include "rpc.h"
#include "status.h"
#include "store.h"

#define GOLDEN_HEX							\
	"08071080e2cfaa061a09616c6963652d617070220c5265636f72644c656176"	\
	"65722a057265712d313203626f623a187374617475733a20414354495645"	\
	"202d3e204c4541564552420872657369676e65644a20000102030405060708"	\
	"090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f602a"
#define GOLDEN_SHA256							\
	"4df0ddba4e23abbec3a446a0ebfbe0a534daf72bc73243e4e08896c70bacba3c"

static void
hex_of(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static size_t
unhex(const char *s, uint8_t *out)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void
golden_entry(struct audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = 7;
	e->time = 1700000000;
	strcpy(e->principal, "alice-app");
	strcpy(e->method, "RecordLeaver");
	strcpy(e->request_id, "req-1");
	strcpy(e->person_id, "bob");
	strcpy(e->change, "status: ACTIVE -> LEAVER");
	strcpy(e->reason, "resigned");
	e->revision = 42;
	for (int i = 0; i < AUDIT_HASH_SIZE; i++)
		e->prev_hash[i] = (uint8_t)i;
}

Test(canonical, golden_encoding_and_hash)
{
	struct audit_entry e, back;
	uint8_t *buf, hash[32];
	size_t len;
	char hex[1024];

	golden_entry(&e);
	cr_assert_eq(audit_encode(&e, &buf, &len), STATUS_OK);
	hex_of(buf, len, hex);
	cr_assert_str_eq(hex, GOLDEN_HEX);
	audit_hash(buf, len, hash);
	hex_of(hash, 32, hex);
	cr_assert_str_eq(hex, GOLDEN_SHA256);
	/* Decode and encode again: the same bytes. */
	cr_assert_eq(audit_decode(buf, len, &back), STATUS_OK);
	cr_assert_eq(memcmp(&back, &e, sizeof(e)), 0);
	free(buf);
}

Test(canonical, sha256_is_the_standard_one)
{
	uint8_t hash[32];
	char hex[65];

	audit_hash((const uint8_t *)"abc", 3, hash);
	hex_of(hash, 32, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

Test(canonical, decode_refuses_what_vetd_never_writes)
{
	uint8_t good[512], bad[512];
	struct audit_entry e;
	size_t n = unhex(GOLDEN_HEX, good);

	/* Fields out of order: valid protobuf, not canonical. */
	memcpy(bad, good + 2, 6);		/* time first */
	memcpy(bad + 6, good, 2);		/* then seq */
	memcpy(bad + 8, good + 8, n - 8);
	cr_assert_eq(audit_decode(good, n, &e), STATUS_OK);
	cr_assert_eq(audit_decode(bad, n, &e), STATUS_DATA_LOSS);
	/* A hash field set in the stored bytes. */
	memcpy(bad, good, n);
	memcpy(bad + n, "\x52\x01\x00", 3);	/* field 10, 1 byte */
	cr_assert_eq(audit_decode(bad, n + 3, &e), STATUS_DATA_LOSS);
	/* A prev_hash of 31 bytes. */
	uint8_t *ph = memmem(good, n, "\x4a\x20", 2);
	size_t at = (size_t)(ph - good);
	cr_assert_not_null(ph);
	memcpy(bad, good, at);
	bad[at] = 0x4a;
	bad[at + 1] = 0x1f;
	memcpy(bad + at + 2, good + at + 2, 31);
	memcpy(bad + at + 33, good + at + 34, n - at - 34);
	cr_assert_eq(audit_decode(bad, n - 1, &e), STATUS_DATA_LOSS);
	/* Truncated and garbage. */
	cr_assert_eq(audit_decode(good, n / 2, &e), STATUS_DATA_LOSS);
	memset(bad, 0xff, 64);
	cr_assert_eq(audit_decode(bad, 64, &e), STATUS_DATA_LOSS);
	/* A default-valued field spelled out (seq 0 sent explicitly). */
	memcpy(bad, "\x08\x00", 2);
	memcpy(bad + 2, good + 2, n - 2);
	cr_assert_eq(audit_decode(bad, n, &e), STATUS_DATA_LOSS);
}

/* The person diff. */

static void
person(struct person *p, const char *id)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->id, id);
	strcpy(p->display_name, "Alice Smith");
	strcpy(p->email, "alice@example.org");
	strcpy(p->nationality, "GB");
	p->status = PERSON_ACTIVE;
	p->source = SOURCE_MANUAL;
}

Test(diff, created_lists_what_is_set)
{
	struct person a;
	char out[AUDIT_CHANGE_MAX + 1];

	person(&a, "alice");
	audit_person_diff(NULL, &a, out, sizeof(out));
	cr_assert_str_eq(out, "created; display_name: \"Alice Smith\"; "
	    "email: \"alice@example.org\"; nationality: GB; status: ACTIVE; "
	    "source: manual");
}

Test(diff, only_changed_fields)
{
	struct person a, b;
	char out[AUDIT_CHANGE_MAX + 1];

	person(&a, "alice");
	b = a;
	audit_person_diff(&a, &b, out, sizeof(out));
	cr_assert_str_eq(out, "no change");
	strcpy(b.display_name, "Alice \"Al\" Jones");
	b.status = PERSON_LEAVER;
	strcpy(b.status_reason, "resigned");	/* reasons are not diffed */
	b.updated_at = 99;			/* nor vetd's own times */
	audit_person_diff(&a, &b, out, sizeof(out));
	cr_assert_str_eq(out, "display_name: \"Alice Smith\" -> "
	    "\"Alice \\\"Al\\\" Jones\"; status: ACTIVE -> LEAVER");
}

Test(diff, clearances_and_briefings)
{
	struct person a, b;
	char out[AUDIT_CHANGE_MAX + 1];

	person(&a, "alice");
	b = a;
	b.n_clearances = 1;
	strcpy(b.clearances[0].scheme, "nsv");
	strcpy(b.clearances[0].level, "SC");
	b.clearances[0].status = CLEARANCE_GRANTED;
	b.clearances[0].granted_at = 1700000000;	/* 2023-11-14T22:13:20Z */
	b.clearances[0].review_due = 1907020800;	/* 2030-06-07 */
	strcpy(b.clearances[0].authority, "UKSV");
	audit_person_diff(&a, &b, out, sizeof(out));
	cr_assert_str_eq(out, "clearance nsv: new, level SC, status GRANTED, "
	    "granted_at 2023-11-14T22:13:20Z, review_due 2030-06-07, "
	    "authority \"UKSV\"");

	a = b;
	b.clearances[0].status = CLEARANCE_LAPSED;
	b.n_briefings = 1;
	strcpy(b.briefings[0].compartment, "ATOMAL");
	b.briefings[0].briefed_at = 1700000000;
	audit_person_diff(&a, &b, out, sizeof(out));
	cr_assert_str_eq(out, "clearance nsv: status GRANTED -> LAPSED; "
	    "briefing ATOMAL: new, briefed_at 2023-11-14T22:13:20Z");

	a = b;
	b.briefings[0].debriefed_at = 1700086400;
	audit_person_diff(&a, &b, out, sizeof(out));
	cr_assert_str_eq(out, "briefing ATOMAL: debriefed_at - -> "
	    "2023-11-15T22:13:20Z");
}

Test(diff, bounded_with_a_mark_at_a_utf8_boundary)
{
	struct person a, b;
	char out[AUDIT_CHANGE_MAX + 1], small[40];

	person(&a, "alice");
	b = a;
	b.n_briefings = PERSON_MAX_BRIEFINGS;
	for (int i = 0; i < PERSON_MAX_BRIEFINGS; i++) {
		snprintf(b.briefings[i].compartment, CAVEAT_MAX + 1,
		    "COMPARTMENT-%02d", i);
		b.briefings[i].briefed_at = 1700000000;
		b.briefings[i].expires_at = 1900000000;
	}
	audit_person_diff(&a, &b, out, sizeof(out));
	cr_assert_eq(strlen(out), sizeof(out) - 1, "%zu", strlen(out));
	cr_assert_str_eq(out + strlen(out) - 3, "\xe2\x80\xa6");

	/* A cut never splits a character: é is 2 bytes. */
	for (size_t len = 8; len < sizeof(small); len++) {
		small[0] = '\0';
		audit_text_add(small, len, NULL, "%s",
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
		char snapshot[sizeof(small)];
		size_t n = strlen(small);
		int cut = 0;

		cr_assert(n < len);
		if (n >= 3 && strcmp(small + n - 3, "\xe2\x80\xa6") == 0) {
			n -= 3;
			cut = 1;
		}
		cr_assert_eq(cut, len <= 24, "size %zu: cut %d", len, cut);
		cr_assert_eq(n % 2, 0, "cut inside a character at size %zu",
		    len);
		/* Once cut, nothing more is added. */
		strcpy(snapshot, small);
		audit_text_add(small, len, "; ", "more");
		if (cut)
			cr_assert_str_eq(small, snapshot);
		else if (len >= 31)
			cr_assert(strstr(small, "; more") != NULL, "%s", small);
	}
}

/* The chain on a real store. */

static char dir[64];
static struct store *store;

static void
store_setup(void)
{
	struct store_options so = { 0 };
	char err[256];

	snprintf(dir, sizeof(dir), "/tmp/vetd-audit-XXXXXX");
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

static int
append_fn(struct store_txn *t, void *arg)
{
	struct audit_entry e;
	int i = *(int *)arg;

	memset(&e, 0, sizeof(e));
	e.time = 1700000000 + i;
	snprintf(e.method, sizeof(e.method), "PutPerson");
	snprintf(e.person_id, sizeof(e.person_id), "%s", i % 2 ? "al" :
	    "alice");
	snprintf(e.change, sizeof(e.change), "change number %d", i);
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

/* The raw edit: the store closed, LMDB opened directly, as an attacker
 * with the files would. */
enum edit { FLIP_TEXT, FLIP_PREV, FLIP_ANY, DELETE, SWAP_NEXT };

static void
tamper(uint64_t seq, enum edit what, size_t offset)
{
	struct store_options so = { .dir = dir };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v, k2, v2;
	uint8_t kb[8], kb2[8], copy[8192], copy2[8192];
	char err[256];

	store_close(&store);
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 32);
	cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "audit", 0, &dbi), 0);
	for (int i = 0; i < 8; i++) {
		kb[i] = (uint8_t)(seq >> (56 - 8 * i));
		kb2[i] = (uint8_t)((seq + 1) >> (56 - 8 * i));
	}
	k.mv_data = kb;
	k.mv_size = 8;
	cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0);
	memcpy(copy, v.mv_data, v.mv_size);
	switch (what) {
	case FLIP_TEXT: {
		/* A letter of the change text: still decodes. */
		uint8_t *p = memmem(copy, v.mv_size, "number", 6);
		cr_assert_not_null(p);
		p[-6] ^= 0x20;		/* "change" <-> "cHange" */
		break;
	}
	case FLIP_PREV: {
		/* A byte of prev_hash (field 9, 32 bytes). */
		uint8_t *p = memmem(copy, v.mv_size, "\x4a\x20", 2);
		cr_assert_not_null(p);
		p[2 + 5] ^= 0x01;
		break;
	}
	case FLIP_ANY:
		copy[offset % v.mv_size] ^= 0x5a;
		break;
	case DELETE:
		break;
	case SWAP_NEXT:
		break;
	}
	if (what == DELETE)
		cr_assert_eq(mdb_del(txn, dbi, &k, NULL), 0);
	else if (what == SWAP_NEXT) {
		size_t len = v.mv_size;

		k2.mv_data = kb2;
		k2.mv_size = 8;
		cr_assert_eq(mdb_get(txn, dbi, &k2, &v2), 0);
		memcpy(copy2, v2.mv_data, v2.mv_size);
		v.mv_data = copy2;		/* seq's slot: seq+1's bytes */
		v.mv_size = v2.mv_size;
		cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
		v2.mv_data = copy;
		v2.mv_size = len;
		cr_assert_eq(mdb_put(txn, dbi, &k2, &v2, 0), 0);
	} else {
		v.mv_data = copy;
		cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cr_assert_eq(store_open(&so, &store, err, sizeof(err)), STATUS_OK,
	    "%s", err);
}

TestSuite(chain, .init = store_setup, .fini = store_teardown,
    .timeout = 60);

Test(chain, intact_chain_verifies_and_links)
{
	struct audit_verify v;
	struct store_txn *t;
	const uint8_t *buf;
	size_t len;
	struct audit_entry e1, e2;
	uint8_t h1[32], zero[32] = { 0 };

	verify(&v);
	cr_assert(v.ok, "empty: %s", v.problem);
	cr_assert_eq(v.verified, 0);
	append_n(20);
	verify(&v);
	cr_assert(v.ok, "%s", v.problem);
	cr_assert_eq(v.verified, 20);

	cr_assert_eq(store_read_begin(store, &t), STATUS_OK);
	cr_assert_eq(store_audit_get(t, 1, &buf, &len), STATUS_OK);
	cr_assert_eq(audit_decode(buf, len, &e1), STATUS_OK);
	cr_assert_eq(audit_entry_hash(&e1, h1), STATUS_OK);
	cr_assert_eq(store_audit_get(t, 2, &buf, &len), STATUS_OK);
	cr_assert_eq(audit_decode(buf, len, &e2), STATUS_OK);
	store_read_end(t);
	cr_assert_eq(e1.seq, 1);
	cr_assert_eq(memcmp(e1.prev_hash, zero, 32), 0);
	cr_assert_eq(memcmp(e2.prev_hash, h1, 32), 0);
}

Test(chain, changed_text_is_named_at_its_seq)
{
	struct audit_verify v;
	uint64_t ks[] = { 1, 7, 20 };

	append_n(20);
	for (size_t i = 0; i < 3; i++) {
		/* Each round on a fresh copy of the chain would be neater;
		 * flipping the same byte back restores it. */
		tamper(ks[i], FLIP_TEXT, 0);
		verify(&v);
		cr_assert(!v.ok);
		cr_assert_eq(v.first_bad, ks[i], "seq %llu: named %llu (%s)",
		    (unsigned long long)ks[i],
		    (unsigned long long)v.first_bad, v.problem);
		cr_assert_eq(v.verified, ks[i] - 1);
		tamper(ks[i], FLIP_TEXT, 0);
		verify(&v);
		cr_assert(v.ok, "restored: %s", v.problem);
	}
}

Test(chain, changed_prev_hash_is_named_at_its_seq)
{
	struct audit_verify v;
	uint64_t ks[] = { 1, 7, 20 };

	append_n(20);
	for (size_t i = 0; i < 3; i++) {
		tamper(ks[i], FLIP_PREV, 0);
		verify(&v);
		cr_assert_eq(v.first_bad, ks[i], "seq %llu: named %llu (%s)",
		    (unsigned long long)ks[i],
		    (unsigned long long)v.first_bad, v.problem);
		tamper(ks[i], FLIP_PREV, 0);
	}
}

Test(chain, any_changed_byte_is_named_at_its_seq)
{
	struct audit_verify v;

	append_n(12);
	for (size_t off = 0; off < 120; off += 7) {
		tamper(6, FLIP_ANY, off);
		verify(&v);
		cr_assert(!v.ok, "offset %zu went unnoticed", off);
		cr_assert_eq(v.first_bad, 6, "offset %zu: named %llu (%s)",
		    off, (unsigned long long)v.first_bad, v.problem);
		tamper(6, FLIP_ANY, off);
	}
}

Test(chain, removed_and_reordered_entries)
{
	struct audit_verify v;

	append_n(10);
	tamper(4, SWAP_NEXT, 0);
	verify(&v);
	cr_assert_eq(v.first_bad, 4, "swap: named %llu (%s)",
	    (unsigned long long)v.first_bad, v.problem);
	tamper(4, SWAP_NEXT, 0);
	verify(&v);
	cr_assert(v.ok, "%s", v.problem);

	tamper(10, DELETE, 0);		/* the last one */
	verify(&v);
	cr_assert_eq(v.first_bad, 10, "%s", v.problem);
	cr_assert(strstr(v.problem, "missing") != NULL, "%s", v.problem);
	tamper(5, DELETE, 0);
	verify(&v);
	cr_assert_eq(v.first_bad, 5, "%s", v.problem);
	cr_assert_eq(v.verified, 4);
}

static int
append_at_fn(struct store_txn *t, void *arg)
{
	uint8_t hash[32] = { 0 };

	return store_audit_put(t, *(uint64_t *)arg, "", (const uint8_t *)"x",
	    1, hash);
}

Test(chain, history_cannot_be_overwritten_through_the_store)
{
	uint64_t seq = 3;

	append_n(5);
	cr_assert_eq(store_write(store, append_at_fn, &seq, NULL),
	    STATUS_INTERNAL);
	seq = 5;
	cr_assert_eq(store_write(store, append_at_fn, &seq, NULL),
	    STATUS_INTERNAL);
}

static int
keep_fn(struct store_txn *t, void *arg)
{
	int i = 1;

	store_txn_keep_revision(t);
	return append_fn(t, &i);
}

Test(chain, audit_only_commits_keep_the_revision)
{
	uint64_t before = store_revision(store), rev = 0;
	struct audit_verify v;

	cr_assert_eq(store_write(store, keep_fn, NULL, &rev), STATUS_OK);
	cr_assert_eq(rev, before);
	cr_assert_eq(store_revision(store), before);
	verify(&v);
	cr_assert(v.ok);
	cr_assert_eq(v.verified, 1, "the entry was committed");
}

static int
collect(uint64_t seq, void *arg)
{
	uint64_t *seqs = arg;

	seqs[++seqs[0]] = seq;
	return 0;
}

Test(chain, person_index_keeps_ids_apart)
{
	struct store_txn *t;
	uint64_t seqs[32] = { 0 };

	append_n(9);		/* odd: "al", even: "alice" */
	cr_assert_eq(store_read_begin(store, &t), STATUS_OK);
	cr_assert_eq(store_audit_person_scan(t, "al", 0, collect, seqs),
	    STATUS_OK);
	cr_assert_eq(seqs[0], 5);
	for (uint64_t i = 1; i <= 5; i++)
		cr_assert_eq(seqs[i], 2 * i - 1);
	memset(seqs, 0, sizeof(seqs));
	cr_assert_eq(store_audit_person_scan(t, "alice", 3, collect, seqs),
	    STATUS_OK);
	cr_assert_eq(seqs[0], 3);
	cr_assert_eq(seqs[1], 4);
	cr_assert_eq(seqs[3], 8);
	memset(seqs, 0, sizeof(seqs));
	cr_assert_eq(store_audit_person_scan(t, "alic", 0, collect, seqs),
	    STATUS_OK);
	cr_assert_eq(seqs[0], 0);
	store_read_end(t);
}

static int64_t
now_ms_unit(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The decision queue: full, a check waits a bounded time, then its
 * entry is dropped and counted, and the next batch says so. */

static int
check_entries(uint64_t seq, const uint8_t *buf, size_t len, void *arg)
{
	size_t *counts = arg;
	struct audit_entry e;

	cr_assert_eq(audit_decode(buf, len, &e), STATUS_OK);
	if (strcmp(e.method, "Check") == 0) {
		cr_assert_str_eq(e.change, "SECRET: DENY NOT_BRIEFED");
		cr_assert_str_eq(e.person_id, "alice");
		cr_assert_str_eq(e.principal, "app");
		counts[0]++;
	} else if (strcmp(e.method, "AuditDropped") == 0) {
		cr_assert(strncmp(e.change, "2 decision entries were not "
		    "recorded", 36) == 0, "%s", e.change);
		counts[1]++;
	}
	return 0;
}

Test(chain, full_decision_queue_drops_counts_and_says_so)
{
	static struct config config;
	static struct rpc_call call;
	struct vetd vd = { 0 };
	struct check_request req = { 0 };
	struct decision d = { .effect = DECISION_DENY,
	    .reason = REASON_NOT_BRIEFED };
	struct audit_verify v;
	size_t counts[2] = { 0, 0 }, queued = 0;
	int64_t t0, waited;
	uint64_t rev = store_revision(store);

	config_defaults(&config);
	config.decision_log = DECISION_LOG_DENY;
	vd.store = store;
	vd.config = &config;
	cr_assert_eq(audit_log_open(&vd.audit), 0);
	call.vd = &vd;
	strcpy(call.principal, "app");
	strcpy(req.person_id, "alice");
	strcpy(req.marking, "SECRET");

	/* No writer: the queue fills. An ALLOW is not even queued. */
	d.effect = DECISION_ALLOW;
	audit_decision_note(&call, &req, &d);
	d.effect = DECISION_DENY;
	for (queued = 0; queued < 4096; queued++)	/* the queue's size */
		audit_decision_note(&call, &req, &d);
	cr_assert_eq(audit_due_ms(vd.audit), 0, "a full batch is due");
	t0 = now_ms_unit();
	audit_decision_note(&call, &req, &d);	/* waits, then drops */
	audit_decision_note(&call, &req, &d);
	waited = now_ms_unit() - t0;
	cr_assert(waited >= 1900 && waited < 10000, "waited %lld ms",
	    (long long)waited);

	audit_flush_decisions(&vd, 1);
	cr_assert_eq(audit_due_ms(vd.audit), INT64_MAX, "all committed");
	verify(&v);
	cr_assert(v.ok, "%s", v.problem);
	cr_assert_eq(v.verified, 4096 + 1);
	{
		struct store_txn *t;
		cr_assert_eq(store_read_begin(store, &t), STATUS_OK);
		cr_assert_eq(store_audit_scan(t, 0, check_entries, counts),
		    STATUS_OK);
		store_read_end(t);
	}
	cr_assert_eq(counts[0], 4096);
	cr_assert_eq(counts[1], 1);
	cr_assert_eq(store_revision(store), rev, "audit-only commits");
	audit_log_close(&vd.audit);
	cr_assert_null(vd.audit);
}
