/*
 * vetctl_backup.c: vetctl backup DIR (admin). vetd writes the copy on its
 * own machine, so DIR is a path there; vetctl only insists that it is
 * absolute before it asks. The copy of a large store takes seconds, so
 * without --timeout this command waits up to 10 minutes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vettime.h"
#include "vetctl.h"

#define BACKUP_TIMEOUT_MS	(10 * 60 * 1000)

/* hex_or_dash: text from vetd printed only if it is what it claims. */
static const char *
hex_or_dash(const char *s)
{
	if (strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)
		return "-";
	return s;
}

int
cmd_backup(struct ctl *ctl, const struct command *cmd, int argc, char **argv)
{
	vet_backup_info b;
	vet_status st;
	char when[32];
	char **pos;
	json_t *o;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0)
		return rv;
	if (pos[0][0] != '/')
		return usage_error(cmd, "DIR must be an absolute path on "
		    "vetd's machine, not '%s'", pos[0]);
	if (ctl->opts.timeout_ms == 0)
		ctl->opts.timeout_ms = BACKUP_TIMEOUT_MS;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_backup(ctl->client, pos[0], &b, &st) != VET_OK)
		return server_error(&st);
	vettime_format(b.created_at, when, sizeof(when));
	if (ctl->json) {
		o = json_pack("{s:s?, s:I, s:I, s:I, s:s, s:s, s:s, s:I, s:I}",
		    "dir", NULL,
		    "revision", (json_int_t)b.revision,
		    "people", (json_int_t)b.people,
		    "audit_seq", (json_int_t)b.audit_seq,
		    "audit_last_hash", hex_or_dash(b.audit_last_hash),
		    "created_at", when,
		    "sha256", hex_or_dash(b.sha256),
		    "size", (json_int_t)b.size,
		    "schema", (json_int_t)b.schema);
		if (o != NULL)
			json_set(o, "dir", json_string(pos[0]));
		return output_json(o);
	}
	printf("backup written to ");
	output_safe(stdout, pos[0]);
	printf(" on vetd's machine\n"
	    "  revision   %" PRIu64 "\n"
	    "  people     %" PRIu64 "\n"
	    "  audit      entry %" PRIu64 ", hash %s\n"
	    "  data.mdb   %" PRIu64 " bytes, sha256 %s\n"
	    "  created    %s\n"
	    "restore it with vetd stopped: vetd --restore ", b.revision,
	    b.people, b.audit_seq, hex_or_dash(b.audit_last_hash), b.size,
	    hex_or_dash(b.sha256), when);
	output_safe(stdout, pos[0]);
	printf(" --data-dir DATA_DIR\n");
	return EXIT_OK;
}
