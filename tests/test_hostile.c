/*
 * test_hostile.c: a corpus of nasty frames fired at a live vetd over a
 * raw nng REQ socket. For every method of the service (walked through the
 * protobuf-c service descriptor, so a new method is covered the day it is
 * declared) a valid request is mutated field by field: NUL bytes and
 * invalid UTF-8 in every string at every depth, every enum out of range,
 * every date out of range, wrong wire types, truncation, every repeated
 * field repeated far past its cap (under the frame cap). Each must get its
 * exact status; afterwards vetd still answers Health and the store's
 * revision has not moved. Envelope-level garbage, truncation, oversized
 * frames and deep nesting complete the corpus. A last test sends every
 * unmutated request and expects OK, which proves each failure above came
 * from the mutation and not from a broken base request.
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

#define PLACEHOLDER	"QzQzPLACEHOLDERzQzQ"
#define FRAME_CAP	(1024 * 1024)	/* vetd's default max_frame */

static struct vetd_proc vetd;
static nng_socket sock;
static char backup_dir[400];
static unsigned long frames_sent;

/*
 * Transport.
 */

static void
open_sock(void)
{
	cr_assert_eq(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 10000);
	cr_assert_eq(nng_dial(sock, vetd.url, NULL, 0), 0);
}

static Vet__V1__RpcResponse *
exchange(const void *buf, size_t len)
{
	nng_msg *msg;
	Vet__V1__RpcResponse *resp;

	frames_sent++;
	cr_assert_eq(nng_msg_alloc(&msg, 0), 0);
	cr_assert_eq(nng_msg_append(msg, buf, len), 0);
	if (nng_sendmsg(sock, msg, 0) != 0) {
		nng_msg_free(msg);
		return NULL;
	}
	if (nng_recvmsg(sock, &msg, 0) != 0)
		return NULL;
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(msg),
	    nng_msg_body(msg));
	nng_msg_free(msg);
	return resp;
}

static Vet__V1__RpcResponse *
call_raw(const char *method, const char *rid, const uint8_t *payload,
    size_t len)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	uint8_t *buf;
	size_t n;

	req.method = (char *)method;
	req.request_id = (char *)rid;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = len;
	cr_assert_not_null(buf = malloc(
	    vet__v1__rpc_request__get_packed_size(&req) + 1));
	n = vet__v1__rpc_request__pack(&req, buf);
	resp = exchange(buf, n);
	free(buf);
	return resp;
}

/* expect checks code and message of resp and frees it. */
static void
expect(Vet__V1__RpcResponse *resp, int code, const char *needle,
    const char *what)
{
	cr_assert_not_null(resp, "%s: no reply", what);
	cr_assert_not_null(resp->status, "%s: no status", what);
	cr_assert_eq(resp->status->code, code, "%s: code %d (%s), wanted %d",
	    what, resp->status->code, resp->status->message, code);
	if (needle != NULL)
		cr_assert(strstr(resp->status->message, needle) != NULL,
		    "%s: message \"%s\" lacks \"%s\"", what,
		    resp->status->message, needle);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
}

/* revision asks Health and returns the store's revision. */
static uint64_t
revision(void)
{
	Vet__V1__RpcResponse *resp;
	uint64_t rev;

	resp = call_raw("/vet.v1.Vetting/Health", "", NULL, 0);
	cr_assert_not_null(resp, "vetd no longer answers Health");
	cr_assert_eq(resp->status->code, 0, "Health: %s",
	    resp->status->message);
	rev = resp->revision;
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	return rev;
}

/*
 * The valid base request of every method, against the state setup made:
 * person p1 (GB, nsv SC until 2030), compartment ATOMAL, token t1.
 */

static const int64_t Y2030 = 1893456000;	/* 2030-01-01 */

static size_t
pack_base(const char *name, uint8_t *buf)
{
	static char *caveats[] = { "UK EYES ONLY" };
	static char *cav2[] = { "ATOMAL" };
	static char *nats[] = { "GB", "IE" };
	static Vet__V1__Role roles[] = { VET__V1__ROLE__ROLE_READER };

	if (strcmp(name, "PutPerson") == 0) {
		Vet__V1__PutPersonRequest m = VET__V1__PUT_PERSON_REQUEST__INIT;
		m.id = "h1";
		m.display_name = "Hostile One";
		m.email = "h1@example.org";
		m.org_unit = "Unit";
		m.nationality = "GB";
		m.source = VET__V1__PERSON_SOURCE__SOURCE_MANUAL;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "GetPerson") == 0) {
		Vet__V1__GetPersonRequest m = VET__V1__GET_PERSON_REQUEST__INIT;
		m.id = "p1";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "ListPeople") == 0) {
		Vet__V1__ListPeopleRequest m = VET__V1__LIST_PEOPLE_REQUEST__INIT;
		m.status = VET__V1__PERSON_STATUS__PERSON_ACTIVE;
		m.page_size = 10;
		m.page_token = "a";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "GrantClearance") == 0) {
		Vet__V1__GrantClearanceRequest m =
		    VET__V1__GRANT_CLEARANCE_REQUEST__INIT;
		m.person_id = "p1";
		m.scheme = "police";
		m.level = "NPPV3";
		m.granted_at = 1577836800;
		m.review_due = Y2030;
		m.authority = "Force";
		m.reference = "R-1";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "SetClearanceStatus") == 0) {
		Vet__V1__SetClearanceStatusRequest m =
		    VET__V1__SET_CLEARANCE_STATUS_REQUEST__INIT;
		m.person_id = "p1";
		m.scheme = "nsv";
		m.action = VET__V1__STATUS_ACTION__ACTION_SUSPEND;
		m.reason = "review";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "DefineCaveat") == 0) {
		Vet__V1__DefineCaveatRequest m =
		    VET__V1__DEFINE_CAVEAT_REQUEST__INIT;
		Vet__V1__Caveat c = VET__V1__CAVEAT__INIT;
		c.name = "EYES NORTH";
		c.kind = VET__V1__CAVEAT_KIND__CAVEAT_NATIONAL;
		c.n_nationalities = 2;
		c.nationalities = nats;
		m.caveat = &c;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "Brief") == 0) {
		Vet__V1__BriefRequest m = VET__V1__BRIEF_REQUEST__INIT;
		m.person_id = "p1";
		m.caveat = "ATOMAL";
		m.expires_at = Y2030;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "Debrief") == 0) {
		Vet__V1__DebriefRequest m = VET__V1__DEBRIEF_REQUEST__INIT;
		m.person_id = "p1";
		m.caveat = "ATOMAL";
		m.reason = "moved";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "SetPersonStatus") == 0) {
		Vet__V1__SetPersonStatusRequest m =
		    VET__V1__SET_PERSON_STATUS_REQUEST__INIT;
		m.person_id = "p1";
		m.action = VET__V1__STATUS_ACTION__ACTION_SUSPEND;
		m.reason = "inquiry";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "RecordLeaver") == 0) {
		Vet__V1__RecordLeaverRequest m =
		    VET__V1__RECORD_LEAVER_REQUEST__INIT;
		m.person_id = "p1";
		m.reason = "resigned";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "Check") == 0 || strcmp(name, "BatchCheck") == 0) {
		Vet__V1__CheckRequest c = VET__V1__CHECK_REQUEST__INIT;
		Vet__V1__CheckRequest *cs[] = { &c };
		Vet__V1__BatchCheckRequest b =
		    VET__V1__BATCH_CHECK_REQUEST__INIT;
		c.person_id = "p1";
		c.marking = "SECRET";
		c.n_caveats = 1;
		c.caveats = caveats;
		if (strcmp(name, "Check") == 0)
			return protobuf_c_message_pack(&c.base, buf);
		b.n_checks = 1;
		b.checks = cs;
		return protobuf_c_message_pack(&b.base, buf);
	}
	if (strcmp(name, "CreateToken") == 0) {
		Vet__V1__CreateTokenRequest m =
		    VET__V1__CREATE_TOKEN_REQUEST__INIT;
		m.name = "hostile";
		m.n_roles = 1;
		m.roles = roles;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "RevokeToken") == 0) {
		Vet__V1__RevokeTokenRequest m =
		    VET__V1__REVOKE_TOKEN_REQUEST__INIT;
		m.name = "t1";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "ListAudit") == 0) {
		Vet__V1__ListAuditRequest m = VET__V1__LIST_AUDIT_REQUEST__INIT;
		m.person_id = "p1";
		m.since = 1577836800;
		m.limit = 10;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "ImportPeople") == 0) {
		Vet__V1__ImportPeopleRequest m =
		    VET__V1__IMPORT_PEOPLE_REQUEST__INIT;
		Vet__V1__Person p = VET__V1__PERSON__INIT;
		Vet__V1__Person *ps[] = { &p };
		Vet__V1__Clearance c = VET__V1__CLEARANCE__INIT;
		Vet__V1__Clearance *cs[] = { &c };
		Vet__V1__Briefing b = VET__V1__BRIEFING__INIT;
		Vet__V1__Briefing *bs[] = { &b };
		p.id = "imp1";
		p.display_name = "Imported One";
		p.email = "imp1@example.org";
		p.org_unit = "Unit";
		p.nationality = "GB";
		p.status = VET__V1__PERSON_STATUS__PERSON_ACTIVE;
		p.source = VET__V1__PERSON_SOURCE__SOURCE_MANUAL;
		p.status_reason = "joined";
		p.created_at = 1577836800;
		p.updated_at = 1577836800;
		p.status_changed_at = 1577836800;
		c.scheme = "nsv";
		c.level = "DV";
		c.granted_at = 1577836800;
		c.review_due = Y2030;
		c.authority = "UKSV";
		c.reference = "DV-1";
		c.status = VET__V1__CLEARANCE_STATUS__CLEARANCE_GRANTED;
		c.status_reason = "granted";
		c.status_changed_at = 1577836800;
		b.compartment = "ATOMAL";
		b.briefed_at = 1577836800;
		b.expires_at = Y2030;
		b.debriefed_at = 0;
		b.debrief_reason = "";
		p.n_clearances = 1;
		p.clearances = cs;
		p.n_briefings = 1;
		p.briefings = bs;
		m.n_people = 1;
		m.people = ps;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "Backup") == 0) {
		Vet__V1__BackupRequest m = VET__V1__BACKUP_REQUEST__INIT;
		m.dir = backup_dir;
		return protobuf_c_message_pack(&m.base, buf);
	}
	(void)cav2;
	return 0;	/* Health, ListCaveats, ListTokens, VerifyAudit: {} */
}

/* The order the bases are sent in to prove them valid (each leaves the
 * state the next one needs). */
static const char *const valid_order[] = {
	"Health", "PutPerson", "GetPerson", "ListPeople", "GrantClearance",
	"DefineCaveat", "ListCaveats", "Brief", "Check", "BatchCheck",
	"Debrief", "SetClearanceStatus", "CreateToken", "ListTokens",
	"RevokeToken", "ListAudit", "VerifyAudit", "ImportPeople", "Backup",
	"SetPersonStatus", "RecordLeaver",
};

static void
setup(void)
{
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	snprintf(backup_dir, sizeof(backup_dir), "%s/backup", vetd.dir);
	open_sock();

	Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;
	Vet__V1__GrantClearanceRequest g =
	    VET__V1__GRANT_CLEARANCE_REQUEST__INIT;
	Vet__V1__DefineCaveatRequest d = VET__V1__DEFINE_CAVEAT_REQUEST__INIT;
	Vet__V1__Caveat c = VET__V1__CAVEAT__INIT;
	Vet__V1__CreateTokenRequest t = VET__V1__CREATE_TOKEN_REQUEST__INIT;
	Vet__V1__Role reader = VET__V1__ROLE__ROLE_READER;
	uint8_t buf[1024];
	size_t n;

	p.id = "p1";
	p.display_name = "Person One";
	p.nationality = "GB";
	n = protobuf_c_message_pack(&p.base, buf);
	expect(call_raw("/vet.v1.Vetting/PutPerson", "", buf, n), 0, NULL,
	    "setup PutPerson");
	g.person_id = "p1";
	g.scheme = "nsv";
	g.level = "SC";
	g.review_due = Y2030;
	n = protobuf_c_message_pack(&g.base, buf);
	expect(call_raw("/vet.v1.Vetting/GrantClearance", "", buf, n), 0,
	    NULL, "setup GrantClearance");
	c.name = "ATOMAL";
	c.kind = VET__V1__CAVEAT_KIND__CAVEAT_COMPARTMENT;
	d.caveat = &c;
	n = protobuf_c_message_pack(&d.base, buf);
	expect(call_raw("/vet.v1.Vetting/DefineCaveat", "", buf, n), 0, NULL,
	    "setup DefineCaveat");
	t.name = "t1";
	t.n_roles = 1;
	t.roles = &reader;
	n = protobuf_c_message_pack(&t.base, buf);
	expect(call_raw("/vet.v1.Vetting/CreateToken", "", buf, n), 0, NULL,
	    "setup CreateToken");
}

static void
teardown(void)
{
	nng_close(sock);
	fixture_cleanup(&vetd);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 240);

/*
 * Reflection over protobuf-c messages: visit every scalar of a decoded
 * base request (the first element of a repeated field, recursing into
 * sub-messages) and mutate the k-th one.
 */

struct slot {
	const ProtobufCFieldDescriptor *f;
	ProtobufCMessage *parent;
	void	*elem;		/* the scalar, or the first element */
};

typedef int (*slot_fn)(struct slot *s, void *arg);

/* walk calls fn for every field with a value; stops when fn returns 1. */
static int
walk(ProtobufCMessage *m, slot_fn fn, void *arg)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *member = (char *)m + f->offset;
		struct slot s = { .f = f, .parent = m, .elem = member };

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(size_t *)((char *)m +
			    f->quantifier_offset);
			if (n == 0)
				continue;
			s.elem = *(void **)member;	/* element 0 */
		}
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage *sub = *(ProtobufCMessage **)s.elem;
			if (sub == NULL)
				continue;
			if (fn(&s, arg) || walk(sub, fn, arg))
				return 1;
			continue;
		}
		if (fn(&s, arg))
			return 1;
	}
	return 0;
}

/* A mutation: which fields it applies to, what it does, what vetd says. */
struct mutation {
	const char *what;
	int	(*applies)(const ProtobufCFieldDescriptor *f);
	void	(*apply)(struct slot *s);
	const char *replace;	/* bytes that start PLACEHOLDER's stand-in */
	size_t	replace_len;	/* the rest of it is 'x' */
	const char *needle;	/* after "field NAME"; NULL: any message */
};

static int
is_string(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_STRING;
}

static int
is_enum(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_ENUM;
}

static int
is_date(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_INT64;
}

static int
is_repeated(const ProtobufCFieldDescriptor *f)
{
	return f->label == PROTOBUF_C_LABEL_REPEATED;
}

static void
set_placeholder(struct slot *s)
{
	*(char **)s->elem = PLACEHOLDER;
}

static void
set_huge_string(struct slot *s)
{
	static char *big;

	if (big == NULL) {
		big = malloc(200 * 1024 + 1);
		memset(big, 'x', 200 * 1024);
		big[200 * 1024] = '\0';
	}
	*(char **)s->elem = big;
}

static void set_enum_99(struct slot *s) { *(int *)s->elem = 99; }
static void set_enum_neg(struct slot *s) { *(int *)s->elem = -1; }
static void set_date_neg(struct slot *s) { *(int64_t *)s->elem = -1; }
static void set_date_max(struct slot *s) { *(int64_t *)s->elem = INT64_MAX; }
static void set_date_min(struct slot *s) { *(int64_t *)s->elem = INT64_MIN; }
/* 2201-01-01T00:00:00Z, one second past vetd's range (vettime.h). */
static void set_date_2201(struct slot *s) { *(int64_t *)s->elem = 7289654400; }

/* set_repeated_huge repeats element 0 until the frame is near the cap. */
static void
set_repeated_huge(struct slot *s)
{
	const ProtobufCFieldDescriptor *f = s->f;
	size_t *count = (size_t *)((char *)s->parent + f->quantifier_offset);
	void **arr = (void **)((char *)s->parent + f->offset);
	size_t esize, n;
	char *copy;

	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM:
		esize = sizeof(int);
		n = 200000;		/* packed: one byte each */
		break;
	case PROTOBUF_C_TYPE_STRING:
		esize = sizeof(char *);
		n = (FRAME_CAP / 2) / (strlen(*(char **)*arr) + 2);
		break;
	default:
		esize = sizeof(void *);
		n = (FRAME_CAP / 2) / (protobuf_c_message_get_packed_size(
		    *(ProtobufCMessage **)*arr) + 3);
		break;
	}
	cr_assert_not_null(copy = malloc(esize * n));
	for (size_t i = 0; i < n; i++)
		memcpy(copy + i * esize, *arr, esize);
	*arr = copy;		/* leaked with the test process */
	*count = n;
}

static const struct mutation mutations[] = {
	{ "NUL byte", is_string, set_placeholder, "ab\0c", 4,
	    " holds a NUL byte" },
	{ "invalid UTF-8", is_string, set_placeholder, "ab\xc3\x28", 4,
	    " is not valid UTF-8" },
	{ "overlong UTF-8", is_string, set_placeholder, "ab\xc0\xaf", 4,
	    " is not valid UTF-8" },
	{ "UTF-16 surrogate", is_string, set_placeholder, "ab\xed\xa0\x80",
	    5, " is not valid UTF-8" },
	{ "lone continuation byte", is_string, set_placeholder, "\x80", 1,
	    " is not valid UTF-8" },
	{ "truncated sequence", is_string, set_placeholder, "abc\xe2\x82", 5,
	    " is not valid UTF-8" },
	{ "huge string", is_string, set_huge_string, NULL, 0, NULL },
	{ "enum 99", is_enum, set_enum_99, NULL, 0, NULL },
	{ "enum -1", is_enum, set_enum_neg, NULL, 0, NULL },
	{ "date -1", is_date, set_date_neg, NULL, 0, NULL },
	{ "date INT64_MAX", is_date, set_date_max, NULL, 0, NULL },
	{ "date INT64_MIN", is_date, set_date_min, NULL, 0, NULL },
	{ "date 2201-01-01", is_date, set_date_2201, NULL, 0, NULL },
	{ "huge repeated", is_repeated, set_repeated_huge, NULL, 0, NULL },
};

struct pick {
	const struct mutation *mu;
	int	target;		/* the index of the slot to mutate */
	int	seen;
	const ProtobufCFieldDescriptor *hit;
	const ProtobufCMessageDescriptor *in;	/* hit's message */
};

static int
pick_slot(struct slot *s, void *arg)
{
	struct pick *p = arg;

	if (!p->mu->applies(s->f))
		return 0;
	/* Person.updated_at is vetd's own: an import's value is ignored
	 * (handlers_import.c), so any value there is not bad input. */
	if (s->parent->descriptor == &vet__v1__person__descriptor &&
	    strcmp(s->f->name, "updated_at") == 0)
		return 0;
	if (p->seen++ != p->target)
		return 0;
	p->mu->apply(s);
	p->hit = s->f;
	p->in = s->parent->descriptor;
	return 1;
}

/* replace_placeholder swaps PLACEHOLDER in buf for the mutation's bytes
 * (padded to the same length, so every length prefix stays right). */
static void
replace_placeholder(uint8_t *buf, size_t len, const struct mutation *mu)
{
	size_t pl = strlen(PLACEHOLDER);

	cr_assert_leq(mu->replace_len, pl);
	for (size_t i = 0; i + pl <= len; i++) {
		if (memcmp(buf + i, PLACEHOLDER, pl) == 0) {
			memset(buf + i, 'x', pl);
			memcpy(buf + i, mu->replace, mu->replace_len);
			return;
		}
	}
	cr_assert_fail("placeholder not found");
}

/* A throwaway allocator: every allocation is kept and freed at once. */
struct pool {
	void	*p[4096];
	size_t	n;
};

static void *
pool_alloc(void *data, size_t size)
{
	struct pool *pl = data;
	void *p = malloc(size ? size : 1);
	cr_assert(pl->n < 4096);
	pl->p[pl->n++] = p;
	return p;
}

static void pool_nofree(void *data, void *p) { (void)data; (void)p; }

static void
pool_clear(struct pool *pl)
{
	while (pl->n > 0)
		free(pl->p[--pl->n]);
}

/*
 * expect_batch_invalid: a BatchCheck answers each check on its own, so a
 * check with a field too long or too many caveats is a DENY
 * INVALID_REQUEST in an OK reply
 * (wire-level faults, NUL and bad UTF-8, still fail the whole call).
 */
static void
expect_batch_invalid(Vet__V1__RpcResponse *resp, const char *what)
{
	Vet__V1__BatchCheckResponse *b;

	cr_assert_not_null(resp, "%s: no reply", what);
	cr_assert_eq(resp->status->code, 0, "%s: %d (%s)", what,
	    resp->status->code, resp->status->message);
	b = vet__v1__batch_check_response__unpack(NULL, resp->payload.len,
	    resp->payload.data);
	cr_assert_not_null(b, "%s: bad payload", what);
	cr_assert_eq(b->n_decisions, 1, "%s", what);
	cr_assert_eq(b->decisions[0]->effect, VET__V1__EFFECT__EFFECT_DENY,
	    "%s", what);
	cr_assert_eq(b->decisions[0]->reason,
	    VET__V1__REASON__REASON_INVALID_REQUEST, "%s: reason %d", what,
	    b->decisions[0]->reason);
	vet__v1__batch_check_response__free_unpacked(b, NULL);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
}

/*
 * mutate_method applies every mutation to every applicable field of one
 * method's base request; each must get INVALID_ARGUMENT. Returns how many
 * frames it sent.
 */
static unsigned
mutate_method(const ProtobufCMethodDescriptor *md)
{
	static uint8_t base[8192];
	static struct pool pl;
	ProtobufCAllocator alloc = { pool_alloc, pool_nofree, &pl };
	char method[128], what[256], needle[128];
	size_t base_len = pack_base(md->name, base);
	unsigned sent = 0;

	snprintf(method, sizeof(method), "/vet.v1.Vetting/%s", md->name);
	for (size_t k = 0; k < sizeof(mutations) / sizeof(mutations[0]);
	    k++) {
		const struct mutation *mu = &mutations[k];

		for (int target = 0;; target++) {
			struct pick p = { .mu = mu, .target = target };
			ProtobufCMessage *m;
			uint8_t *buf;
			size_t len;

			m = protobuf_c_message_unpack(md->input, &alloc,
			    base_len, base);
			cr_assert_not_null(m, "%s: base does not decode",
			    md->name);
			walk(m, pick_slot, &p);
			if (p.hit == NULL) {
				pool_clear(&pl);
				break;
			}
			len = protobuf_c_message_get_packed_size(m);
			cr_assert_lt(len, FRAME_CAP - 1024,
			    "%s.%s: mutation too big", md->name, p.hit->name);
			cr_assert_not_null(buf = malloc(len + 1));
			protobuf_c_message_pack(m, buf);
			pool_clear(&pl);
			if (mu->replace != NULL)
				replace_placeholder(buf, len, mu);
			snprintf(what, sizeof(what), "%s %s in %s", md->name,
			    mu->what, p.hit->name);
			if (mu->needle != NULL)
				snprintf(needle, sizeof(needle), "field %s%s",
				    p.hit->name, mu->needle);
			if (p.in == &vet__v1__check_request__descriptor &&
			    md->input != p.in && mu->replace == NULL)
				expect_batch_invalid(call_raw(method, "", buf,
				    len), what);
			else
				expect(call_raw(method, "", buf, len), 3,
				    mu->needle != NULL ? needle : NULL, what);
			free(buf);
			sent++;
		}
	}
	return sent;
}

/*
 * generic_frames: payloads wrong for any message: garbage, a field with
 * the wrong wire type for every field, lengths past the end, truncation of
 * the base at every point inside a field.
 */
static unsigned
generic_frames(const ProtobufCMethodDescriptor *md)
{
	static uint8_t base[8192];
	char method[128], what[256], needle[160];
	size_t base_len = pack_base(md->name, base);
	const ProtobufCMessageDescriptor *d = md->input;
	unsigned sent = 0;

	snprintf(method, sizeof(method), "/vet.v1.Vetting/%s", md->name);
	snprintf(needle, sizeof(needle), "payload is not a valid %s",
	    d->name);

	/* Wire type 7 does not exist; 0xff... is a varint that never ends;
	 * a length of 2^35 runs past the end. */
	static const uint8_t junk[][8] = {
		{ 0x0f, 0x00 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x0a, 0x80, 0x80, 0x80, 0x80, 0x01, 'x' }, { 0x0a, 0x05, 'a' },
	};
	static const size_t junk_len[] = { 2, 7, 7, 3 };
	for (size_t i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "%s junk %zu", md->name, i);
		expect(call_raw(method, "", junk[i], junk_len[i]), 3, "payload "
		    "is not a valid", what);
		sent++;
	}

	/* Every field with a wire type it cannot have. */
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		uint8_t buf[16];
		size_t n = 0;
		int lenlike = f->type == PROTOBUF_C_TYPE_STRING ||
		    f->type == PROTOBUF_C_TYPE_BYTES ||
		    f->type == PROTOBUF_C_TYPE_MESSAGE;

		buf[n++] = (uint8_t)(f->id << 3 | (lenlike ? 5 : 1));
		memset(buf + n, 0x41, 8);
		n += lenlike ? 4 : 8;
		snprintf(what, sizeof(what), "%s wrong wire type for %s",
		    md->name, f->name);
		expect(call_raw(method, "", buf, n), 3, needle, what);
		sent++;
	}

	/* The base cut at every point that is not a field boundary. */
	for (size_t cut = 1; cut < base_len; cut++) {
		size_t pos = 0;
		int boundary = 0;
		while (pos < cut) {
			uint64_t key = base[pos++], v = 0;
			int shift = 0;
			if ((key & 7) == 0 || (key & 7) == 2) {
				while (pos < base_len) {
					v |= (uint64_t)(base[pos] & 0x7f) << shift;
					shift += 7;
					if ((base[pos++] & 0x80) == 0)
						break;
				}
				if ((key & 7) == 2)
					pos += v;
			} else
				pos += (key & 7) == 1 ? 8 : 4;
			if (pos == cut)
				boundary = 1;
		}
		if (boundary)
			continue;
		snprintf(what, sizeof(what), "%s cut at %zu of %zu", md->name,
		    cut, base_len);
		expect(call_raw(method, "", base, cut), 3, "payload is not a "
		    "valid", what);
		sent++;
	}
	return sent;
}

Test(hostile, every_method_every_field)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	uint64_t rev = revision();
	unsigned total = 0;

	for (unsigned i = 0; i < sd->n_methods; i++) {
		total += generic_frames(&sd->methods[i]);
		total += mutate_method(&sd->methods[i]);
		cr_assert_eq(revision(), rev, "bad input to %s changed the "
		    "store", sd->methods[i].name);
	}
	cr_log_info("hostile: %u bad requests over %u methods, all refused "
	    "with their exact status", total, sd->n_methods);
	fprintf(stderr, "hostile: %u bad requests over %u methods\n", total,
	    sd->n_methods);
	cr_assert_gt(total, 500);
}

/*
 * The envelope itself.
 */

/* expected_envelope says what vetd must answer to a frame that may not
 * decode: 3 when it does not, 3 for a bad request id, 12 for a method it
 * does not know; -1 when the frame is a real call (not judged here). */
static int
expected_envelope(const uint8_t *buf, size_t len)
{
	Vet__V1__RpcRequest *req;
	int code = -1;

	req = vet__v1__rpc_request__unpack(NULL, len, buf);
	if (req == NULL)
		return 3;
	const char *m = req->method;
	size_t idl = strlen(req->request_id);
	int id_ok = idl <= 64;
	for (size_t i = 0; i < idl; i++) {
		char ch = req->request_id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			id_ok = 0;
	}
	if (!id_ok)
		code = 3;
	else if (strncmp(m, "/vet.v1.Vetting/", 16) != 0 ||
	    protobuf_c_service_descriptor_get_method_by_name(
	    &vet__v1__vetting__descriptor, m + 16) == NULL)
		code = 12;
	vet__v1__rpc_request__free_unpacked(req, NULL);
	return code;
}

Test(hostile, garbage_and_truncated_envelopes)
{
	uint64_t rev = revision();
	uint8_t buf[512], frame[512];
	uint32_t seed = 12345;
	unsigned judged = 0;

	/* 500 frames of random bytes, random lengths. */
	for (int i = 0; i < 500; i++) {
		size_t len = 1 + (seed % 300);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = (uint8_t)(seed >> 16);
		}
		int want = expected_envelope(buf, len);
		Vet__V1__RpcResponse *r = exchange(buf, len);
		cr_assert_not_null(r, "random frame %d: no reply", i);
		if (want >= 0) {
			cr_assert_eq(r->status->code, want, "random frame %d: "
			    "%d (%s), wanted %d", i, r->status->code,
			    r->status->message, want);
			judged++;
		}
		vet__v1__rpc_response__free_unpacked(r, NULL);
	}
	/* Every prefix of a real Check envelope. */
	uint8_t payload[256];
	size_t plen = pack_base("Check", payload);
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	req.method = "/vet.v1.Vetting/Check";
	req.request_id = "rid-1";
	req.timeout_ms = 5000;
	req.payload.data = payload;
	req.payload.len = plen;
	size_t flen = vet__v1__rpc_request__pack(&req, frame);
	for (size_t cut = 1; cut < flen; cut++) {
		int want = expected_envelope(frame, cut);
		Vet__V1__RpcResponse *r = exchange(frame, cut);
		cr_assert_not_null(r, "prefix %zu: no reply", cut);
		if (want >= 0) {
			cr_assert_eq(r->status->code, want, "prefix %zu: %d "
			    "(%s), wanted %d", cut, r->status->code,
			    r->status->message, want);
			judged++;
		}
		vet__v1__rpc_response__free_unpacked(r, NULL);
	}
	cr_assert_gt(judged, 450);
	cr_assert_eq(revision(), rev);
}

Test(hostile, bad_envelope_fields)
{
	uint64_t rev = revision();
	uint8_t payload[256];
	size_t plen = pack_base("Check", payload);
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	uint8_t frame[4096];
	size_t n;

	/* A NUL inside the method must not cut it to a known name. */
	static const uint8_t nul_method[] = { 0x0a, 0x18,
	    '/', 'v', 'e', 't', '.', 'v', '1', '.', 'V', 'e', 't', 't', 'i',
	    'n', 'g', '/', 'H', 'e', 'a', 'l', 't', 'h', 0, 'X' };
	expect(exchange(nul_method, sizeof(nul_method)), 3,
	    "field method holds a NUL byte", "NUL in method");
	static const uint8_t utf8_method[] = { 0x0a, 0x03, 0xc3, 0x28, 'x' };
	expect(exchange(utf8_method, sizeof(utf8_method)), 3,
	    "field method is not valid UTF-8", "invalid UTF-8 in method");
	/* A NUL in the request id. */
	static const uint8_t nul_rid[] = { 0x0a, 0x16,
	    '/', 'v', 'e', 't', '.', 'v', '1', '.', 'V', 'e', 't', 't', 'i',
	    'n', 'g', '/', 'H', 'e', 'a', 'l', 't', 'h', 0x12, 0x03, 'a', 0,
	    'b' };
	expect(exchange(nul_rid, sizeof(nul_rid)), 3,
	    "field request_id holds a NUL byte", "NUL in request_id");

	req.method = "/vet.v1.Vetting/Check";
	req.payload.data = payload;
	req.payload.len = plen;
	/* A request id past its cap, and one with a space. */
	char rid[200];
	memset(rid, 'r', sizeof(rid) - 1);
	rid[sizeof(rid) - 1] = '\0';
	req.request_id = rid;
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 3, "request_id", "long request_id");
	req.request_id = "a b";
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 3, "request_id", "request_id with space");
	/* A token of garbage, and a huge one: refused, never a crash. */
	req.request_id = "";
	uint8_t tok[3000];
	memset(tok, 0xee, sizeof(tok));
	req.token.data = tok;
	req.token.len = 7;
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 16, NULL, "garbage token");
	req.token.len = sizeof(tok);
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 16, NULL, "huge token");
	req.token.len = 0;
	/* Unknown methods: long, control characters, the prefix alone. */
	char m[300];
	snprintf(m, sizeof(m), "/vet.v1.Vetting/%0250d", 7);
	req.method = m;
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 12, "unknown method", "long method");
	req.method = "/vet.v1.Vetting/";
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 12, "unknown method", "prefix only");
	req.method = "/vet.v1.Vetting/Health\x01";
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 12, "unknown method", "control char");
	/* An empty frame: the default message, no method. */
	expect(exchange("", 0), 12, "unknown method", "empty frame");
	cr_assert_eq(revision(), rev);
}

/* nest wraps inner in depth levels of field 15 (length-delimited), from
 * the inside out, into buf; returns the length. */
static size_t
nest(uint8_t *buf, size_t size, size_t depth)
{
	size_t len = 0, start = size;

	for (size_t i = 0; i < depth; i++) {
		uint8_t hdr[12];
		size_t h = 0, v = len;
		hdr[h++] = (15 << 3) | 2;
		do {
			hdr[h++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			v >>= 7;
		} while (v != 0);
		cr_assert_geq(start, h);
		start -= h;
		memcpy(buf + start, hdr, h);
		len += h;
	}
	memmove(buf, buf + start, len);
	return len;
}

Test(hostile, deep_nesting_and_oversized_frames)
{
	uint64_t rev = revision();
	size_t cap = 600 * 1024;
	uint8_t *buf = malloc(cap);
	uint8_t base[256];
	size_t blen = pack_base("Check", base), n;

	/* 100,000 levels of an unknown field inside a real Check: unknown
	 * fields are skipped, never recursed into; the check is answered. */
	n = nest(buf, cap - blen, 100000);
	memmove(buf + blen, buf, n);
	memcpy(buf, base, blen);
	expect(call_raw("/vet.v1.Vetting/Check", "", buf, blen + n), 0, NULL,
	    "deeply nested unknown field");
	/* The same nesting as the envelope's payload of every known
	 * message-typed field: field 15 is unknown there too. */
	n = nest(buf, cap, 100000);
	expect(exchange(buf, n), 12, "unknown method",
	    "deeply nested envelope");
	free(buf);

	/* Just under the cap and over it: the first is read (and refused
	 * for what it is), the second dropped unread; vetd serves on. */
	size_t big = FRAME_CAP + 4096;
	uint8_t *huge = calloc(1, big);
	expect(call_raw("/vet.v1.Vetting/Check", "", huge, FRAME_CAP - 256),
	    3, NULL, "a payload of zeros near the cap");
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 1000);
	cr_assert_null(exchange(huge, big), "an oversized frame was answered");
	free(huge);
	nng_close(sock);
	open_sock();
	cr_assert_eq(revision(), rev);
}

Test(hostile, every_base_request_is_valid)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	uint8_t buf[8192];
	char method[128];

	/* Every method appears in valid_order exactly once. */
	cr_assert_eq(sizeof(valid_order) / sizeof(valid_order[0]),
	    sd->n_methods);
	for (size_t i = 0; i < sd->n_methods; i++) {
		cr_assert_not_null(protobuf_c_service_descriptor_get_method_by_name(
		    sd, valid_order[i]), "%s", valid_order[i]);
		size_t n = pack_base(valid_order[i], buf);
		snprintf(method, sizeof(method), "/vet.v1.Vetting/%s",
		    valid_order[i]);
		expect(call_raw(method, "", buf, n), 0, NULL, valid_order[i]);
	}
}
