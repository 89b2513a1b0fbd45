/*
 * vetctl_audit.c: the auditors' commands: audit list, audit verify,
 * audit export. Each parses its arguments completely before it connects.
 * Everything printed came from vetd and is untrusted: text for a terminal
 * goes through output_safe, JSON strings that are not UTF-8 have their
 * non-ASCII bytes replaced. libvet has already checked every entry's hash
 * against its canonical bytes; export also checks that the entries chain.
 * Verifying or exporting a long log takes a while, so without --timeout
 * these wait up to 10 minutes for each answer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vettime.h"
#include "vetctl.h"

#define AUDIT_PAGE_MAX		1000	/* ListAudit's largest page */
#define AUDIT_TIMEOUT_MS	(10 * 60 * 1000)
#define AUDIT_COLS		7

/* hex writes n bytes as lower-case hex into out (2n + 1 bytes). */
static char *
hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

/* text: a JSON string, with non-ASCII bytes replaced if not UTF-8. */
static json_t *
text(const char *s)
{
	json_t *v;
	char *copy;

	if ((v = json_string(s != NULL ? s : "")) != NULL)
		return v;
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static json_t *
json_hash(const uint8_t *b)
{
	char h[2 * VET_HASH_SIZE + 1];

	return json_string(hex(b, VET_HASH_SIZE, h));
}

/* json_audit_entry: every field; with canonical, its bytes in hex too. */
json_t *
json_audit_entry(const vet_audit_entry *e, int canonical)
{
	char when[32], *h;
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	vettime_format(e->time, when, sizeof(when));
	json_set(o, "seq", json_integer((json_int_t)e->seq));
	json_set(o, "time", e->time != 0 ? json_string(when) : json_null());
	json_set(o, "principal", text(e->principal));
	json_set(o, "method", text(e->method));
	json_set(o, "request_id", text(e->request_id));
	json_set(o, "person_id", text(e->person_id));
	json_set(o, "subject", text(e->subject));
	json_set(o, "change", text(e->change));
	json_set(o, "reason", text(e->reason));
	json_set(o, "revision", json_integer((json_int_t)e->revision));
	json_set(o, "prev_hash", json_hash(e->prev_hash));
	json_set(o, "hash", json_hash(e->hash));
	if (e->sealed)
		json_set(o, "content_digest", json_hash(e->content_digest));
	if (e->redacted)
		json_set(o, "redacted", json_true());
	if (e->redactions != 0)
		json_set(o, "redactions",
		    json_integer((json_int_t)e->redactions));
	if (canonical && e->canonical != NULL) {
		if ((h = malloc(2 * e->canonical_len + 1)) == NULL) {
			json_decref(o);
			return NULL;
		}
		json_set(o, "canonical", json_string(hex(e->canonical,
		    e->canonical_len, h)));
		free(h);
	}
	if (e->damaged)
		json_set(o, "damaged", json_true());
	if (e->altered)
		json_set(o, "altered", json_true());
	return o;
}

static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* width: characters output_safe prints for s (UTF-8 aware, roughly). */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* print_entries prints a page as aligned columns, the header first on
 * the first page only. */
static void
print_entries(const vet_audit_entry *es, size_t n, int header)
{
	static const char *const hdr[AUDIT_COLS] = { "SEQ", "TIME",
	    "PRINCIPAL", "METHOD", "SUBJECT", "REASON", "CHANGE" };
	size_t w[AUDIT_COLS] = { 0 };
	char seq[24], when[32];

	for (size_t c = 0; c < AUDIT_COLS; c++)
		w[c] = header ? strlen(hdr[c]) : 0;
	for (size_t i = 0; i < n; i++) {
		const vet_audit_entry *e = &es[i];
		const char *cell[AUDIT_COLS];

		snprintf(seq, sizeof(seq), "%" PRIu64, e->seq);
		cell[0] = seq;
		cell[1] = "YYYY-MM-DDTHH:MM:SSZ";
		cell[2] = or_dash(e->principal);
		cell[3] = or_dash(e->method);
		cell[4] = or_dash(*e->person_id ? e->person_id : e->subject);
		cell[5] = or_dash(e->reason);
		for (size_t c = 0; c < AUDIT_COLS - 1; c++)
			if (width(cell[c]) > w[c])
				w[c] = width(cell[c]);
	}
	for (size_t i = header ? 0 : 1; i <= n; i++) {
		const char *cell[AUDIT_COLS];

		if (i == 0)
			memcpy(cell, hdr, sizeof(hdr));
		else {
			const vet_audit_entry *e = &es[i - 1];

			snprintf(seq, sizeof(seq), "%" PRIu64, e->seq);
			vettime_format(e->time, when, sizeof(when));
			cell[0] = seq;
			cell[1] = e->time != 0 ? when : "-";
			cell[2] = or_dash(e->principal);
			cell[3] = or_dash(e->method);
			cell[4] = or_dash(*e->person_id ? e->person_id :
			    e->subject);
			cell[5] = or_dash(e->reason);
			cell[6] = e->redacted ? "(erased by a retention "
			    "purge)" : or_dash(e->change);
		}
		for (size_t c = 0; c < AUDIT_COLS; c++) {
			output_safe(stdout, cell[c]);
			if (c + 1 == AUDIT_COLS)
				break;
			for (size_t k = width(cell[c]); k < w[c] + 2; k++)
				putchar(' ');
		}
		putchar('\n');
	}
}

static void
long_timeout(struct ctl *ctl)
{
	if (ctl->opts.timeout_ms == 0)
		ctl->opts.timeout_ms = AUDIT_TIMEOUT_MS;
}

int
cmd_audit_list(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "person", 1, 0, NULL }, { "since", 1, 0, NULL },
	    { "limit", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	vet_audit_query q = { 0 };
	vet_audit_page *page = NULL;
	vet_status st = { 0 };
	json_t *out = NULL, *entries = NULL;
	char h[2 * VET_HASH_SIZE + 1];
	uint64_t limit = 0, left, count = 0;
	size_t n;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = date_parse(cmd, "since", flag_value(f, "since"),
	    &q.since)) != 0)
		return rv;
	if (flag_value(f, "limit") != NULL && parse_u64(flag_value(f,
	    "limit"), 1, UINT32_MAX, &limit) != 0)
		return usage_error(cmd, "bad --limit '%s' (want a number "
		    "from 1)", flag_value(f, "limit"));
	q.person_id = flag_value(f, "person");
	long_timeout(ctl);
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (ctl->json && ((out = json_object()) == NULL ||
	    (entries = json_array()) == NULL)) {
		json_decref(out);
		return out_of_memory();
	}
	for (;;) {
		left = limit > 0 ? limit - count : AUDIT_PAGE_MAX;
		q.limit = left < AUDIT_PAGE_MAX ? (unsigned)left :
		    AUDIT_PAGE_MAX;
		if (vet_audit_list(ctl->client, &q, &page, &st) != VET_OK) {
			rv = server_error(&st);
			goto done;
		}
		n = page->n_entries < left ? page->n_entries : (size_t)left;
		for (size_t i = 0; i < n && ctl->json; i++)
			json_append(entries, json_audit_entry(&page->entries[i], 0));
		if (!ctl->json && (count == 0 || n > 0))
			print_entries(page->entries, n, count == 0);
		count += n;
		if (page->next_after_seq == 0 ||
		    (limit != 0 && count >= limit))
			break;
		if (page->next_after_seq <= q.after_seq) {
			fprintf(stderr, "vetctl: vetd sent the same page "
			    "twice; stopping\n");
			rv = EXIT_SERVER;
			goto done;
		}
		q.after_seq = page->next_after_seq;
		vet_audit_page_free(page);
		page = NULL;
	}
	if (ctl->json) {
		json_set(out, "entries", entries);
		entries = NULL;
		json_set(out, "last_seq", json_integer((json_int_t)
		    page->last_seq));
		json_set(out, "last_hash", json_hash(page->last_hash));
		rv = output_json(out);
		out = NULL;
	} else
		printf("(%" PRIu64 " %s; the log's head is entry %" PRIu64
		    ", hash %s)\n", count, count == 1 ? "entry" : "entries",
		    page->last_seq, hex(page->last_hash, VET_HASH_SIZE, h));
done:
	vet_audit_page_free(page);
	json_decref(entries);
	json_decref(out);
	return rv;
}

/* cmd_audit_verify: exit 0 when the chain is intact, 1 when broken. */
int
cmd_audit_verify(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	vet_audit_verify_result r;
	vet_status st;
	char h[2 * VET_HASH_SIZE + 1];
	char **pos;
	json_t *o;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0)
		return rv;
	long_timeout(ctl);
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_audit_verify(ctl->client, &r, &st) != VET_OK)
		return server_error(&st);
	if (ctl->json) {
		if ((o = json_object()) != NULL) {
			json_set(o, "ok", json_boolean(r.ok));
			json_set(o, "verified", json_integer((json_int_t)
			    r.verified));
			json_set(o, "first_bad_seq", json_integer((json_int_t)
			    r.first_bad_seq));
			json_set(o, "problem", text(r.problem));
			json_set(o, "last_seq", json_integer((json_int_t)
			    r.last_seq));
			json_set(o, "last_hash", json_hash(r.last_hash));
		}
		if ((rv = output_json(o)) != EXIT_OK)
			return rv;
	} else if (r.ok)
		printf("%" PRIu64 " %s verified; chain intact, head seq %"
		    PRIu64 " hash %s\n", r.verified, r.verified == 1 ?
		    "entry" : "entries", r.last_seq, hex(r.last_hash,
		    VET_HASH_SIZE, h));
	else {
		printf("audit chain broken at sequence %" PRIu64 ": ",
		    r.first_bad_seq);
		output_safe(stdout, r.problem);
		printf("\n(%" PRIu64 " %s before it verified)\n", r.verified,
		    r.verified == 1 ? "entry" : "entries");
	}
	return r.ok ? EXIT_OK : EXIT_DENY;
}

/* export_line prints o as one compact JSON line and frees it. */
static int
export_line(json_t *o)
{
	int rv = EXIT_OK;

	if (o == NULL || json_dumpf(o, stdout, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) != 0 || putchar('\n') == EOF) {
		fputs("vetctl: cannot write the export\n", stderr);
		rv = EXIT_SERVER;
	}
	json_decref(o);
	return rv;
}

static int
export_broken(uint64_t seq, const char *what)
{
	fprintf(stderr, "vetctl: audit export stopped at sequence %" PRIu64
	    ": %s; the export is incomplete (run vetctl audit verify)\n",
	    seq, what);
	return EXIT_SERVER;
}

/*
 * cmd_audit_export prints a header line, then one line per entry from
 * --after-seq + 1 to the head as it was when the export began. It checks
 * the chain as it goes (each prev_hash is the hash before it, the last
 * hash is the head's), so an archive that holds the previous export's
 * last_hash can check that this one continues it.
 */
int
cmd_audit_export(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "after-seq", 1, 0, NULL },
	    { NULL, 0, 0, NULL } };
	vet_audit_query q = { .limit = AUDIT_PAGE_MAX };
	vet_audit_page *page = NULL;
	vet_status st;
	uint8_t prev[VET_HASH_SIZE], last_hash[VET_HASH_SIZE];
	uint64_t after = 0, head, want;
	json_t *o, *hdr;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0)
		return rv;
	if (flag_value(f, "after-seq") != NULL && parse_u64(flag_value(f,
	    "after-seq"), 0, INT64_MAX, &after) != 0)
		return usage_error(cmd, "bad --after-seq '%s' (want a "
		    "sequence number)", flag_value(f, "after-seq"));
	long_timeout(ctl);
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	q.after_seq = after;
	if (vet_audit_list(ctl->client, &q, &page, &st) != VET_OK)
		return server_error(&st);
	head = page->last_seq;
	memcpy(last_hash, page->last_hash, VET_HASH_SIZE);
	if (after > head) {
		fprintf(stderr, "vetctl: the audit log ends at sequence %"
		    PRIu64 "; nothing comes after %" PRIu64 "\n", head, after);
		rv = EXIT_USAGE;
		goto done;
	}
	if (after == head)
		memcpy(prev, last_hash, VET_HASH_SIZE);
	else if (page->n_entries == 0 || page->entries[0].seq != after + 1) {
		rv = export_broken(after + 1, "the entry is missing");
		goto done;
	} else
		memcpy(prev, page->entries[0].prev_hash, VET_HASH_SIZE);

	if ((o = json_object()) == NULL || (hdr = json_object()) == NULL) {
		json_decref(o);
		rv = out_of_memory();
		goto done;
	}
	json_set(hdr, "first_seq", json_integer((json_int_t)(after + 1)));
	json_set(hdr, "last_seq", json_integer((json_int_t)head));
	json_set(hdr, "prev_hash", json_hash(prev));
	json_set(hdr, "last_hash", json_hash(last_hash));
	json_set(o, "export", hdr);
	if ((rv = export_line(o)) != EXIT_OK)
		goto done;

	for (want = after + 1; want <= head;) {
		for (size_t i = 0; i < page->n_entries && want <= head; i++) {
			const vet_audit_entry *e = &page->entries[i];

			if (e->seq != want) {
				rv = export_broken(want, "the entry is "
				    "missing");
				goto done;
			}
			if (e->damaged) {
				rv = export_broken(want, "vetd cannot read "
				    "the entry");
				goto done;
			}
			if (e->altered) {
				rv = export_broken(want, "its text does not "
				    "match its content digest");
				goto done;
			}
			if (memcmp(e->prev_hash, prev, VET_HASH_SIZE) != 0) {
				rv = export_broken(want, "its prev_hash does "
				    "not match the entry before it");
				goto done;
			}
			if ((rv = export_line(json_audit_entry(e, 1))) != EXIT_OK)
				goto done;
			memcpy(prev, e->hash, VET_HASH_SIZE);
			want++;
		}
		if (want > head)
			break;
		if (page->next_after_seq == 0 || page->n_entries == 0) {
			rv = export_broken(want, "the entry is missing");
			goto done;
		}
		q.after_seq = want - 1;
		vet_audit_page_free(page);
		page = NULL;
		if (vet_audit_list(ctl->client, &q, &page, &st) != VET_OK) {
			rv = server_error(&st);
			goto done;
		}
	}
	if (memcmp(prev, last_hash, VET_HASH_SIZE) != 0) {
		rv = export_broken(head, "its hash does not match the log's "
		    "head");
		goto done;
	}
	rv = EXIT_OK;
done:
	vet_audit_page_free(page);
	return rv;
}
