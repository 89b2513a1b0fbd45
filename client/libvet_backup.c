/*
 * libvet_backup.c: vet_backup (see <vet/vet.h>). vetd does the checks on
 * the directory; this file refuses only what cannot be sent and converts
 * the answer, trusting nothing in it beyond its types.
 */
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "libvet_internal.h"

static void
hex_of(const uint8_t *b, size_t n, char *out, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < size; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * i] = '\0';
}

int
vet_backup(vet_client *c, const char *dir, vet_backup_info *out,
    vet_status *st)
{
	Vet__V1__BackupRequest req = VET__V1__BACKUP_REQUEST__INIT;
	Vet__V1__BackupResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (dir == NULL || out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0, "vet_backup "
		    "needs a directory and a place for the answer");
	req.dir = (char *)dir;
	if (client_call(c, "Backup", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__BackupResponse *)m;
		memset(out, 0, sizeof(*out));
		out->revision = resp->revision;
		out->people = resp->people;
		out->audit_seq = resp->audit_seq;
		hex_of(resp->audit_last_hash.data, resp->audit_last_hash.len,
		    out->audit_last_hash, sizeof(out->audit_last_hash));
		out->created_at = resp->created_at;
		str_copy(out->sha256, sizeof(out->sha256), resp->sha256);
		out->size = resp->size;
		out->schema = resp->schema;
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}
