/*
 * paged.c: one paged round, for directories without RFC 4533 (Active
 * Directory, or a slapd without syncprov): read every entry under the
 * base with the Simple Paged Results control (RFC 2696; a plain search
 * when the root DSE does not offer it), then diff against what vetd
 * holds. Only a read that ended in success with an empty paging cookie is
 * complete; anything else (size or time limit, a disconnect, silence for
 * longer than [directory] timeout) drops the round without a change, so
 * an incomplete read never produces a leaver. A complete round goes
 * through the mass-leaver guard like any refresh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vetsync.h"

#define PAGED_TICK_MS	500

struct round {
	struct engine *en;
	LDAP	*ld;
	struct plan plan;
	struct table *seen;
	struct berval *cookie;		/* paging cookie from the last page */
};

static enum sync_result
round_entry(struct round *rd, LDAPMessage *msg)
{
	struct sync_entry e = { 0 };
	char why[256];
	int rv = 0;

	if (ldapconn_entry(rd->en->cfg, rd->ld, msg, NULL, &e, why,
	    sizeof(why)) != 0) {
		char *dn = ldap_get_dn(rd->ld, msg);
		log_warnx("entry %s: %s (skipped)", dn != NULL ? dn : "?",
		    why);
		ldap_memfree(dn);
		rd->plan.c.entries++;
		rd->plan.c.skipped++;
	}
	if (e.id != NULL) {
		if (table_put(rd->seen, e.id, (void *)1, NULL) != 0)
			rv = -1;
		if (rv == 0 && e.name != NULL)
			rv = engine_entry(rd->en, &rd->plan, &e);
	}
	sync_entry_clear(&e);
	return rv == 0 ? SYNC_DONE : SYNC_FATAL;
}

/*
 * paged_cookie reads the cookie of a Simple Paged Results response
 * control. libldap's parser reads past an empty value (a present but
 * zero-length controlValue crashed it: tests/fuzz/corpus/fuzz_ldap/
 * crash-paged-empty-value), so that is refused here first.
 */
int
paged_cookie(LDAP *ld, LDAPControl *c, struct berval **out)
{
	struct berval cookie = { 0, NULL };
	ber_int_t estimate;
	int rv = 0;

	*out = NULL;
	if (c->ldctl_value.bv_val == NULL || c->ldctl_value.bv_len == 0)
		return -1;
	if (ldap_parse_pageresponse_control(ld, c, &estimate, &cookie) !=
	    LDAP_SUCCESS || cookie.bv_len > 65536)
		rv = -1;
	else if (cookie.bv_len > 0 && (*out = ber_bvdup(&cookie)) == NULL)
		rv = -2;
	ber_memfree(cookie.bv_val);
	return rv;
}

/* round_result checks a page's result and takes the paging cookie. */
static enum sync_result
round_result(struct round *rd, LDAPMessage *msg, int paged)
{
	LDAPControl **ctrls = NULL, *c;
	char *diag = NULL;
	int err = LDAP_OTHER;
	enum sync_result r = SYNC_DONE;

	if (ldap_parse_result(rd->ld, msg, &err, NULL, &diag, NULL, &ctrls,
	    0) != LDAP_SUCCESS)
		err = LDAP_OTHER;
	if (err != LDAP_SUCCESS) {
		log_warnx("directory read ended with \"%s\"%s%s%s: incomplete, "
		    "nothing removed or changed", ldap_err2string(err),
		    diag != NULL && *diag ? " (" : "", diag != NULL ? diag : "",
		    diag != NULL && *diag ? ")" : "");
		rd->en->incomplete_reads++;
		r = SYNC_INCOMPLETE;
		goto done;
	}
	ber_bvfree(rd->cookie);
	rd->cookie = NULL;
	if (paged && (c = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls,
	    NULL)) != NULL) {
		int rv = paged_cookie(rd->ld, c, &rd->cookie);
		if (rv == -1) {
			log_warnx("malformed paged results control");
			rd->en->incomplete_reads++;
			r = SYNC_INCOMPLETE;
			goto done;
		}
		if (rv == -2)
			r = SYNC_FATAL;
	}
done:
	ldap_controls_free(ctrls);
	ldap_memfree(diag);
	return r;
}

/* round_page reads one page (or the whole result when not paged). */
static enum sync_result
round_page(struct round *rd, int paged)
{
	const struct sync_config *c = rd->en->cfg;
	LDAPControl *pc = NULL, *ctrls[2] = { NULL, NULL };
	struct berval empty = { 0, NULL };
	int64_t last = now_ms(), limit = (int64_t)c->timeout * 1000;
	enum sync_result r = SYNC_DONE;
	LDAPMessage *msg;
	char *attrs[8];
	int msgid, rc;

	if (paged) {
		if (ldap_create_page_control(rd->ld, (ber_int_t)c->page_size,
		    rd->cookie != NULL ? rd->cookie : &empty, 1, &pc) !=
		    LDAP_SUCCESS)
			return SYNC_FATAL;
		ctrls[0] = pc;
	}
	mapping_attrs(c, attrs);
	rc = ldap_search_ext(rd->ld, c->base, c->scope, c->filter, attrs, 0,
	    ctrls, NULL, NULL, LDAP_NO_LIMIT, &msgid);
	ldap_control_free(pc);
	if (rc != LDAP_SUCCESS) {
		log_warnx("search failed: %s (incomplete, nothing removed)",
		    ldap_err2string(rc));
		rd->en->directory_errors++;
		rd->en->incomplete_reads++;
		return SYNC_DIRECTORY_DOWN;
	}
	for (;;) {
		struct timeval tv = { 0, PAGED_TICK_MS * 1000 };

		if (*rd->en->stop)
			return SYNC_STOPPED;
		msg = NULL;
		rc = ldap_result(rd->ld, msgid, LDAP_MSG_ONE, &tv, &msg);
		if (rc == 0) {
			if (now_ms() - last > limit) {
				log_warnx("no answer from the directory for "
				    "%llu s (incomplete, nothing removed)",
				    (unsigned long long)c->timeout);
				rd->en->incomplete_reads++;
				return SYNC_INCOMPLETE;
			}
			continue;
		}
		if (rc < 0 && *rd->en->stop)
			return SYNC_STOPPED;
		if (rc < 0) {
			log_warnx("lost the directory during a read "
			    "(incomplete, nothing removed)");
			rd->en->directory_errors++;
			rd->en->incomplete_reads++;
			return SYNC_DIRECTORY_DOWN;
		}
		last = now_ms();
		if (rc == LDAP_RES_SEARCH_ENTRY)
			r = round_entry(rd, msg);
		else if (rc == LDAP_RES_SEARCH_RESULT) {
			r = round_result(rd, msg, paged);
			ldap_msgfree(msg);
			return r;
		}
		ldap_msgfree(msg);
		if (r != SYNC_DONE)
			return r;
	}
}

enum sync_result
paged_round(struct engine *en, LDAP *ld, const struct dse_info *dse)
{
	struct round rd = { .en = en, .ld = ld };
	enum sync_result r;
	int pages = 0;

	plan_init(&rd.plan);
	if ((rd.seen = table_new()) == NULL)
		return SYNC_FATAL;
	if ((r = engine_snapshot(en)) != SYNC_DONE)
		goto done;
	do {
		if ((r = round_page(&rd, dse->paged)) != SYNC_DONE)
			goto done;
		pages++;
	} while (rd.cookie != NULL);
	if (engine_diff(en, &rd.plan, rd.seen) != 0) {
		r = SYNC_FATAL;
		goto done;
	}
	if (engine_guard(en, &rd.plan, 1) != 0) {
		metrics_write(en);
		r = SYNC_REFUSED;
		goto done;
	}
	if ((r = engine_apply(en, &rd.plan)) != SYNC_DONE)
		goto done;
	log_info("paged read done (%d pages): entries %llu added %llu updated "
	    "%llu leavers %llu skipped %llu unchanged %llu", pages,
	    (unsigned long long)rd.plan.c.entries,
	    (unsigned long long)rd.plan.c.added,
	    (unsigned long long)rd.plan.c.updated,
	    (unsigned long long)rd.plan.c.leavers,
	    (unsigned long long)rd.plan.c.skipped,
	    (unsigned long long)rd.plan.c.unchanged);
	en->last_success = (int64_t)time(NULL);
	metrics_write(en);
done:
	plan_clear(&rd.plan);
	table_free(rd.seen, NULL);
	ber_bvfree(rd.cookie);
	return r;
}
