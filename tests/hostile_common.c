/*
 * hostile_common.c: the live vetd, the raw socket and the valid base
 * request of every method for the hostile-input tests (hostile.h).
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

struct vetd_proc vetd;
nng_socket sock;
static char backup_dir[400];

/*
 * Transport.
 */

void
open_sock(void)
{
	cr_assert_eq(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 10000);
	cr_assert_eq(nng_dial(sock, vetd.url, NULL, 0), 0);
}

Vet__V1__RpcResponse *
exchange(const void *buf, size_t len)
{
	nng_msg *msg;
	Vet__V1__RpcResponse *resp;

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

Vet__V1__RpcResponse *
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
void
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
uint64_t
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

size_t
pack_base(const char *name, uint8_t *buf)
{
	static char *caveats[] = { "UK EYES ONLY" };
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
	if (strcmp(name, "RenewClearance") == 0) {
		Vet__V1__RenewClearanceRequest m =
		    VET__V1__RENEW_CLEARANCE_REQUEST__INIT;
		m.person_id = "p1";
		m.scheme = "nsv";
		m.review_due = Y2030 + 86400;
		m.reference = "R-2";
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
	if (strcmp(name, "ImportClearances") == 0) {
		Vet__V1__ImportClearancesRequest m =
		    VET__V1__IMPORT_CLEARANCES_REQUEST__INIT;
		Vet__V1__ClearanceRow r = VET__V1__CLEARANCE_ROW__INIT;
		Vet__V1__ClearanceRow *rs[] = { &r };
		r.person_id = "reg1";
		r.display_name = "Registered One";
		r.email = "reg1@example.org";
		r.org_unit = "Unit";
		r.nationality = "GB";
		r.scheme = "nsv";
		r.level = "SC";
		r.granted_at = 1577836800;
		r.review_due = Y2030;
		r.authority = "UKSV";
		r.reference = "SC-9";
		m.n_rows = 1;
		m.rows = rs;
		m.validate_only = 1;	/* as a mutation: must change nothing */
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "SyncPeople") == 0) {
		Vet__V1__SyncPeopleRequest m = VET__V1__SYNC_PEOPLE_REQUEST__INIT;
		Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;
		Vet__V1__PutPersonRequest *ps[] = { &p };
		p.id = "sync1";
		p.display_name = "Synced One";
		p.email = "sync1@example.org";
		p.org_unit = "Unit";
		p.nationality = "GB";
		p.source = VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY;
		m.n_people = 1;
		m.people = ps;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "ReportDue") == 0) {
		Vet__V1__ReportDueRequest m = VET__V1__REPORT_DUE_REQUEST__INIT;
		m.within = 90 * 86400;
		m.page_size = 10;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "ReportHolders") == 0) {
		Vet__V1__ReportHoldersRequest m =
		    VET__V1__REPORT_HOLDERS_REQUEST__INIT;
		m.caveat = "ATOMAL";
		m.page_size = 10;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "ReportSummary") == 0) {
		Vet__V1__ReportSummaryRequest m =
		    VET__V1__REPORT_SUMMARY_REQUEST__INIT;
		m.from = 1577836800;
		m.to = Y2030;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "ReportUnvetted") == 0) {
		Vet__V1__ReportUnvettedRequest m =
		    VET__V1__REPORT_UNVETTED_REQUEST__INIT;
		m.page_size = 10;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "SubjectAccess") == 0) {
		Vet__V1__SubjectAccessRequest m =
		    VET__V1__SUBJECT_ACCESS_REQUEST__INIT;
		m.person_id = "p1";
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "RetentionDue") == 0) {
		Vet__V1__RetentionDueRequest m =
		    VET__V1__RETENTION_DUE_REQUEST__INIT;
		m.page_size = 10;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "RetentionPurge") == 0) {
		Vet__V1__RetentionPurgeRequest m =
		    VET__V1__RETENTION_PURGE_REQUEST__INIT;
		char *ids[] = { "old1" };	/* a leaver of 2000 (setup) */
		m.n_person_ids = 1;
		m.person_ids = ids;
		return protobuf_c_message_pack(&m.base, buf);
	}
	if (strcmp(name, "Backup") == 0) {
		Vet__V1__BackupRequest m = VET__V1__BACKUP_REQUEST__INIT;
		m.dir = backup_dir;
		return protobuf_c_message_pack(&m.base, buf);
	}
	return 0;	/* Health, ListCaveats, ListTokens, VerifyAudit: {} */
}

/* The order the bases are sent in to prove them valid (each leaves the
 * state the next one needs). */
const char *const valid_order[] = {
	"Health", "PutPerson", "GetPerson", "ListPeople", "GrantClearance",
	"RenewClearance",
	"DefineCaveat", "ListCaveats", "Brief", "Check", "BatchCheck",
	"Debrief", "SetClearanceStatus", "CreateToken", "ListTokens",
	"RevokeToken", "ListAudit", "VerifyAudit", "ImportPeople", "ImportClearances", "SyncPeople",
	"Backup", "ReportDue", "ReportHolders", "ReportSummary",
	"ReportUnvetted", "SubjectAccess", "RetentionDue", "RetentionPurge",
	"SetPersonStatus", "RecordLeaver",
};
const size_t n_valid_order = sizeof(valid_order) / sizeof(valid_order[0]);

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

	/* A leaver of 2000, long past retention, for RetentionPurge. */
	Vet__V1__ImportPeopleRequest imp = VET__V1__IMPORT_PEOPLE_REQUEST__INIT;
	Vet__V1__Person old = VET__V1__PERSON__INIT, *olds[] = { &old };
	old.id = "old1";
	old.display_name = "Old One";
	old.nationality = "GB";
	old.status = VET__V1__PERSON_STATUS__PERSON_LEAVER;
	old.status_reason = "left";
	old.created_at = 946684800;		/* 2000-01-01 */
	old.status_changed_at = 946684800;
	imp.n_people = 1;
	imp.people = olds;
	n = protobuf_c_message_pack(&imp.base, buf);
	expect(call_raw("/vet.v1.Vetting/ImportPeople", "", buf, n), 0, NULL,
	    "setup ImportPeople old1");
}

static void
teardown(void)
{
	nng_close(sock);
	fixture_cleanup(&vetd);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 240);
