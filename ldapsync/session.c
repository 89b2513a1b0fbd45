/*
 * session.c: one RFC 4533 session on a bound connection: a refresh
 * (refreshOnly for --once, refreshAndPersist when following), resumed
 * from the saved cookie, then, when following, the persist phase until
 * the connection drops or a signal arrives.
 *
 * The refresh is planned whole and applied only when the directory says
 * it is complete (refreshDone or syncDone): a size or time limit, a
 * disconnect or a malformed message throws the plan away, so an
 * incomplete read never produces a leaver. Refresh adds are upserts
 * (slapd resends changed entries as add); deletes carry only the
 * syncUUID, so everything is keyed by it through the state's map. A full
 * refresh (no cookie) or a present phase is followed by a diff against
 * what vetd holds; a delete phase names its deletes. The plan then goes
 * through the mass-leaver guard. Persist messages are applied one at a
 * time, and the cookie moves only after vetd took the change.
 *
 * Traps (NOTES.md section 6): a MODRDN arrives as modify with the same
 * UUID; one out of the search scope arrives as delete; slapd answers a
 * bogus cookie with a full refresh and no deletes, which is why a change
 * of the directory settings drops the cookie and full_refresh_interval
 * can force a full refresh now and then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vetsync.h"

#define SESSION_TICK_MS		500
#define STATE_SAVE_EVERY_MS	1000

struct session {
	struct engine *en;
	struct sync_state_file *st;
	LDAP	*ld;
	int	 msgid;
	int	 persist;
	int	 refreshing;
	int	 full;			/* no cookie was sent */
	int	 present_phase;
	int	 unsafe;		/* a present UUID with no known id */
	struct plan plan;
	struct table *seen;		/* person ids seen in the refresh */
	struct table *seen_uuids;	/* full refresh: to prune the map */
	struct berval cookie;		/* newest cookie not yet stored */
	int	 has_cookie;
	int	 ended;			/* SearchResultDone arrived */
};

static int
seen_add(struct table *t, const char *key)
{
	return t == NULL ? 0 : table_put(t, key, (void *)1, NULL);
}

/* take_cookie keeps the newest cookie until its changes are applied. */
static void
take_cookie(struct session *s, struct berval *cookie, int has)
{
	if (!has)
		return;
	free(s->cookie.bv_val);
	s->cookie = *cookie;
	s->has_cookie = 1;
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
}

/* store_cookie moves the pending cookie into the state (persist phase). */
static void
store_cookie(struct session *s)
{
	if (!s->has_cookie || s->en->dry_run)
		return;
	if (state_set_cookie(s->st, &s->cookie) != 0)
		log_warnx("cannot keep the sync cookie");
	free(s->cookie.bv_val);
	s->cookie.bv_val = NULL;
	s->cookie.bv_len = 0;
	s->has_cookie = 0;
}

/* id_of finds the person id for a syncUUID, or NULL. */
static const char *
id_of(struct session *s, const char *uuid)
{
	const char *id = table_get(s->st->uuids, uuid);

	if (id == NULL && mapping_id_is_uuid(s->en->cfg))
		id = uuid;
	return id;
}

/* apply_now applies the one-change plan of a persist message. */
static enum sync_result
apply_now(struct session *s)
{
	enum sync_result r = SYNC_DONE;

	if (s->plan.n > 0 || s->plan.c.entries > 0)
		r = engine_apply(s->en, &s->plan);
	for (size_t i = 0; r == SYNC_DONE && !s->en->dry_run &&
	    i < s->plan.n; i++) {
		const struct op *op = &s->plan.ops[i];
		if (op->result != VET_OK)
			continue;	/* op_run said why */
		log_info("change: %s %s%s%s", op->kind == OP_PUT_NEW ?
		    "joiner" : op->kind == OP_PUT_CHANGED ? "updated" :
		    "leaver", op->e.id, op->kind == OP_LEAVER ? ": " : "",
		    op->kind == OP_LEAVER ? op->reason : "");
	}
	plan_clear(&s->plan);
	if (r == SYNC_DONE)
		store_cookie(s);
	return r;
}

static enum sync_result
gone(struct session *s, const char *uuid)
{
	const char *id = id_of(s, uuid);

	if (id == NULL) {
		log_debug("delete of unknown entry %s", uuid);
		return SYNC_DONE;
	}
	if (engine_gone(s->en, &s->plan, id, REASON_REMOVED) != 0)
		return SYNC_FATAL;
	if (s->refreshing)
		return SYNC_DONE;
	enum sync_result r = apply_now(s);
	if (r == SYNC_DONE && !s->en->dry_run) {
		free(table_del(s->st->uuids, uuid));
		s->st->dirty = 1;
	}
	return r;
}

static void
present(struct session *s, const char *uuid)
{
	const char *id = id_of(s, uuid);

	if (!s->refreshing)
		return;
	s->present_phase = 1;
	if (id == NULL) {
		s->unsafe = 1;
		return;
	}
	seen_add(s->seen, id);
	seen_add(s->seen_uuids, uuid);
}

static enum sync_result
on_entry(struct session *s, LDAPMessage *msg)
{
	struct sync_state ss = { 0 };
	struct sync_entry e = { 0 };
	LDAPControl **ctrls = NULL, *c;
	char uuid[SYNC_UUID_STR], why[256];
	enum sync_result r = SYNC_DONE;
	const char *old;

	if (ldap_get_entry_controls(s->ld, msg, &ctrls) != LDAP_SUCCESS ||
	    (c = ldap_control_find(LDAP_CONTROL_SYNC_STATE, ctrls,
	    NULL)) == NULL || syncrepl_parse_state(&c->ldctl_value, &ss)) {
		log_warnx("entry without a valid sync state control");
		ldap_controls_free(ctrls);
		return SYNC_DIRECTORY_DOWN;
	}
	ldap_controls_free(ctrls);
	mapping_uuid_format(ss.uuid, uuid);
	take_cookie(s, &ss.cookie, ss.has_cookie);

	switch (ss.state) {
	case SYNC_STATE_PRESENT:
		present(s, uuid);
		break;
	case SYNC_STATE_DELETE:
		r = gone(s, uuid);
		break;
	case SYNC_STATE_ADD:
	case SYNC_STATE_MODIFY:
		if (ldapconn_entry(s->en->cfg, s->ld, msg, ss.uuid, &e, why,
		    sizeof(why)) != 0) {
			log_warnx("entry %s%s%s: %s (skipped)", uuid,
			    e.id != NULL ? " id " : "",
			    e.id != NULL ? e.id : "", why);
			s->plan.c.entries++;
			s->plan.c.skipped++;
		}
		if (e.id != NULL) {
			old = table_get(s->st->uuids, uuid);
			if (old != NULL && strcmp(old, e.id) != 0 &&
			    engine_gone(s->en, &s->plan, old,
			    REASON_REMOVED) != 0)
				r = SYNC_FATAL;
			if (state_map(s->st, uuid, e.id) != 0 ||
			    seen_add(s->seen, e.id) != 0 ||
			    seen_add(s->seen_uuids, uuid) != 0)
				r = SYNC_FATAL;
		}
		if (e.name != NULL && r == SYNC_DONE &&
		    engine_entry(s->en, &s->plan, &e) != 0)
			r = SYNC_FATAL;
		sync_entry_clear(&e);
		if (r == SYNC_DONE && !s->refreshing)
			r = apply_now(s);
		break;
	}
	sync_state_clear(&ss);
	return r;
}

struct prune {
	const struct table *seen;
	struct table *drop;
};

/* prune_find lists map entries a full refresh did not see. */
static int
prune_find(const char *uuid, void *id, void *arg)
{
	struct prune *p = arg;

	(void)id;
	if (table_get(p->seen, uuid) == NULL &&
	    table_put(p->drop, uuid, (void *)1, NULL) != 0)
		return 1;
	return 0;
}

static int
prune_drop(const char *uuid, void *v, void *arg)
{
	struct sync_state_file *st = arg;

	(void)v;
	free(table_del(st->uuids, uuid));
	return 0;
}

/* prune_map forgets UUIDs that are no longer in the directory. */
static void
prune_map(struct session *s)
{
	struct prune p = { s->seen_uuids, table_new() };

	if (p.drop == NULL)
		return;
	if (table_each(s->st->uuids, prune_find, &p) == 0)
		table_each(p.drop, prune_drop, s->st);
	if (table_count(p.drop) > 0)
		s->st->dirty = 1;
	table_free(p.drop, NULL);
}

/* finish_refresh: the directory said the refresh is complete. */
static enum sync_result
finish_refresh(struct session *s)
{
	struct engine *en = s->en;
	enum sync_result r;

	s->refreshing = 0;
	if (s->full || s->present_phase) {
		if (s->unsafe) {
			log_warnx("refresh named entries this vetsync has no "
			    "id for: removals skipped; the next start does a "
			    "full refresh");
			state_set_cookie(s->st, NULL);
		} else if (engine_diff(en, &s->plan, s->seen) != 0)
			return SYNC_FATAL;
	}
	if (engine_guard(en, &s->plan, s->full) != 0) {
		metrics_write(en);
		return SYNC_REFUSED;
	}
	if ((r = engine_apply(en, &s->plan)) != SYNC_DONE)
		return r;
	log_info("refresh done (%s): entries %llu added %llu updated %llu "
	    "leavers %llu skipped %llu unchanged %llu",
	    s->full ? "full" : "resumed",
	    (unsigned long long)s->plan.c.entries,
	    (unsigned long long)s->plan.c.added,
	    (unsigned long long)s->plan.c.updated,
	    (unsigned long long)s->plan.c.leavers,
	    (unsigned long long)s->plan.c.skipped,
	    (unsigned long long)s->plan.c.unchanged);
	plan_clear(&s->plan);
	en->last_success = (int64_t)time(NULL);
	if (!en->dry_run) {
		if (s->full) {
			prune_map(s);
			s->st->full_at = (int64_t)time(NULL);
		}
		store_cookie(s);
		if (state_save(s->st) != 0)
			log_warnx("cannot save the sync state; a restart "
			    "repeats this refresh");
	}
	metrics_write(en);
	return SYNC_DONE;
}

static enum sync_result
on_info(struct session *s, LDAPMessage *msg)
{
	struct sync_info info = { 0 };
	struct berval *data = NULL;
	char *oid = NULL, uuid[SYNC_UUID_STR];
	enum sync_result r = SYNC_DONE;

	if (ldap_parse_intermediate(s->ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS || oid == NULL || strcmp(oid, LDAP_SYNC_INFO) != 0 ||
	    syncrepl_parse_info(data, &info) != 0) {
		log_warnx("malformed sync info message");
		r = SYNC_DIRECTORY_DOWN;
		goto done;
	}
	take_cookie(s, &info.cookie, info.has_cookie);
	switch (info.kind) {
	case SYNC_INFO_NEW_COOKIE:
		if (!s->refreshing)
			store_cookie(s);
		break;
	case SYNC_INFO_REFRESH_PRESENT:
	case SYNC_INFO_REFRESH_DELETE:
		if (info.kind == SYNC_INFO_REFRESH_PRESENT && s->refreshing)
			s->present_phase = 1;
		if (info.refresh_done && s->refreshing)
			r = finish_refresh(s);
		break;
	case SYNC_INFO_ID_SET:
		for (size_t i = 0; i < info.n_uuids && r == SYNC_DONE; i++) {
			mapping_uuid_format(info.uuids[i], uuid);
			if (info.refresh_deletes)
				r = gone(s, uuid);
			else
				present(s, uuid);
		}
		if (r == SYNC_DONE && !s->refreshing)
			store_cookie(s);
		break;
	}
done:
	sync_info_clear(&info);
	ldap_memfree(oid);
	ber_bvfree(data);
	return r;
}

static enum sync_result
on_done(struct session *s, LDAPMessage *msg)
{
	struct engine *en = s->en;
	struct sync_done d = { 0 };
	LDAPControl **ctrls = NULL, *c = NULL;
	char *diag = NULL;
	int err = LDAP_OTHER;
	enum sync_result r;

	s->ended = 1;
	if (ldap_parse_result(s->ld, msg, &err, NULL, &diag, NULL, &ctrls,
	    0) != LDAP_SUCCESS)
		err = LDAP_OTHER;
	if (err == LDAP_SUCCESS && (c = ldap_control_find(LDAP_CONTROL_SYNC_DONE,
	    ctrls, NULL)) != NULL && syncrepl_parse_done(&c->ldctl_value,
	    &d) != 0) {
		log_warnx("malformed sync done control");
		err = LDAP_PROTOCOL_ERROR;
	}
	if (err == LDAP_SYNC_REFRESH_REQUIRED) {
		log_warnx("the directory asks for a full refresh");
		state_set_cookie(s->st, NULL);
		r = SYNC_DIRECTORY_DOWN;
	} else if (err != LDAP_SUCCESS) {
		log_warnx("directory read ended with \"%s\"%s%s%s: %s",
		    ldap_err2string(err), diag != NULL && *diag ? " (" : "",
		    diag != NULL ? diag : "", diag != NULL && *diag ? ")" : "",
		    s->refreshing ? "incomplete, nothing removed or changed" :
		    "reconnecting");
		if (s->refreshing)
			en->incomplete_reads++;
		r = s->refreshing ? SYNC_INCOMPLETE : SYNC_DIRECTORY_DOWN;
	} else if (s->persist && !s->refreshing) {
		log_warnx("the directory ended the persistent search");
		r = SYNC_DIRECTORY_DOWN;
	} else {
		take_cookie(s, &d.cookie, d.has_cookie);
		if (s->refreshing) {
			log_debug("sync done: refreshDeletes %d, present phase "
			    "%d, full %d", d.refresh_deletes, s->present_phase,
			    s->full);
			/*
			 * refreshDeletes FALSE: present semantics (RFC 4533
			 * 3.3.1). slapd answers a cookie older than its
			 * session log so, resending every entry as add:
			 * whatever was not sent is gone.
			 */
			if (!d.refresh_deletes)
				s->present_phase = 1;
			r = finish_refresh(s);
		} else {
			/* refreshOnly, already finished by an info message. */
			store_cookie(s);
			r = SYNC_DONE;
		}
	}
	sync_done_clear(&d);
	ldap_controls_free(ctrls);
	ldap_memfree(diag);
	return r;
}

static enum sync_result
session_loop(struct session *s)
{
	struct engine *en = s->en;
	int64_t last = now_ms(), limit = (int64_t)en->cfg->timeout * 1000;
	enum sync_result r = SYNC_DONE;
	LDAPMessage *msg;
	int rc;

	for (;;) {
		struct timeval tv = { 0, SESSION_TICK_MS * 1000 };

		if (*en->stop)
			return SYNC_STOPPED;
		msg = NULL;
		rc = ldap_result(s->ld, s->msgid, LDAP_MSG_ONE, &tv, &msg);
		if (rc == 0) {
			if (s->refreshing && now_ms() - last > limit) {
				log_warnx("no answer from the directory for "
				    "%llu s during a refresh",
				    (unsigned long long)en->cfg->timeout);
				en->incomplete_reads++;
				return SYNC_INCOMPLETE;
			}
			if (s->st->dirty && !en->dry_run &&
			    now_ms() - s->st->saved_at > STATE_SAVE_EVERY_MS) {
				state_save(s->st);
				metrics_write(en);
			}
			continue;
		}
		if (rc < 0 && *en->stop)
			return SYNC_STOPPED;	/* the signal broke the wait */
		if (rc < 0) {
			int err = LDAP_OTHER;
			ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &err);
			log_warnx("lost the directory: %s%s",
			    ldap_err2string(err), s->refreshing ?
			    " (refresh incomplete: nothing removed or changed)"
			    : "");
			en->directory_errors++;
			if (s->refreshing)
				en->incomplete_reads++;
			return SYNC_DIRECTORY_DOWN;
		}
		last = now_ms();
		switch (rc) {
		case LDAP_RES_SEARCH_ENTRY:
			r = on_entry(s, msg);
			break;
		case LDAP_RES_INTERMEDIATE:
			r = on_info(s, msg);
			break;
		case LDAP_RES_SEARCH_RESULT:
			r = on_done(s, msg);
			break;
		default:
			break;
		}
		ldap_msgfree(msg);
		if (r != SYNC_DONE || s->ended)
			return r;
	}
}

enum sync_result
syncrepl_session(struct engine *en, struct sync_state_file *st, LDAP *ld,
    int persist)
{
	const struct sync_config *c = en->cfg;
	struct session s = { .en = en, .st = st, .ld = ld, .persist = persist,
	    .refreshing = 1 };
	LDAPControl *ctrl = NULL, *ctrls[2] = { NULL, NULL };
	struct berval value = { 0, NULL };
	char *attrs[8];
	enum sync_result r;
	int rc;

	plan_init(&s.plan);
	s.full = st->cookie.bv_len == 0;
	if (!s.full && c->full_refresh_interval != 0 && (int64_t)time(NULL) -
	    st->full_at >= (int64_t)c->full_refresh_interval) {
		log_info("full_refresh_interval reached: full refresh");
		s.full = 1;
	}
	if ((s.seen = table_new()) == NULL ||
	    (s.full && (s.seen_uuids = table_new()) == NULL)) {
		r = SYNC_FATAL;
		goto done;
	}
	if ((r = engine_snapshot(en)) != SYNC_DONE)
		goto done;
	if (syncrepl_request(persist ? LDAP_SYNC_REFRESH_AND_PERSIST :
	    LDAP_SYNC_REFRESH_ONLY, s.full ? NULL : &st->cookie,
	    &value) != 0 || ldap_control_create(LDAP_CONTROL_SYNC, 1, &value,
	    1, &ctrl) != LDAP_SUCCESS) {
		r = SYNC_FATAL;
		goto done;
	}
	ctrls[0] = ctrl;
	mapping_attrs(c, attrs);
	rc = ldap_search_ext(ld, c->base, c->scope, c->filter, attrs, 0, ctrls,
	    NULL, NULL, LDAP_NO_LIMIT, &s.msgid);
	if (rc != LDAP_SUCCESS) {
		log_warnx("sync search failed: %s", ldap_err2string(rc));
		en->directory_errors++;
		r = SYNC_DIRECTORY_DOWN;
		goto done;
	}
	log_info("%s refresh%s from %s", s.full ? "full" : "resumed",
	    persist ? " and persist" : "", c->uri);
	r = session_loop(&s);
done:
	if (s.refreshing == 0 && s.st->dirty && !en->dry_run)
		state_save(s.st);
	ldap_control_free(ctrl);
	ber_memfree(value.bv_val);
	plan_clear(&s.plan);
	table_free(s.seen, NULL);
	table_free(s.seen_uuids, NULL);
	free(s.cookie.bv_val);
	return r;
}
