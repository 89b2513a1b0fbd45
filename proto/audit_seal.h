/*
 * audit_seal.h: the hash that chains one audit entry to the next, shared
 * by vetd (which writes and verifies the chain) and libvet (which checks
 * every entry it is sent).
 *
 * An entry's canonical bytes are the protobuf-c encoding of
 * vet.v1.AuditEntry with the hash field empty (one entry, one encoding:
 * see server/audit.c). Two forms:
 *
 *   legacy (content_digest empty, written before vetd 0.2): the hash is
 *   the SHA-256 of the canonical bytes. Its text cannot be erased without
 *   breaking the chain.
 *
 *   sealed (content_digest set): the hash is the SHA-256 of the canonical
 *   bytes of the entry with change and reason empty and redacted false;
 *   content_digest, which that covers, is the SHA-256 of the change and
 *   the reason. Erasing the text (redacted true, change and reason empty)
 *   therefore leaves the hash, and the chain, as they were, while any
 *   other change to the text no longer matches content_digest.
 */
#ifndef VET_AUDIT_SEAL_H
#define VET_AUDIT_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "vetting.pb-c.h"

#define AUDIT_SEAL_SIZE	32

enum audit_seal_result {
	AUDIT_SEAL_OK = 0,
	AUDIT_SEAL_TEXT_ALTERED = -1,	/* text does not match its digest */
	AUDIT_SEAL_MALFORMED = -2,	/* digest size, or redacted with text */
	AUDIT_SEAL_NO_MEMORY = -3,
};

/* audit_content_digest: SHA-256 over the lengths and bytes of change and
 * reason (NULL is ""), so no two pairs share a digest by concatenation. */
void	audit_content_digest(const char *change, const char *reason,
	    uint8_t out[AUDIT_SEAL_SIZE]);

/*
 * audit_seal_bytes writes the bytes whose SHA-256 is the chain hash of w
 * (its hash field is ignored) into *out (malloc'd, the caller frees it),
 * after checking a sealed entry's text against content_digest. Returns an
 * audit_seal_result; *out is set only on AUDIT_SEAL_OK.
 */
int	audit_seal_bytes(const Vet__V1__AuditEntry *w, uint8_t **out,
	    size_t *out_len);

/*
 * audit_seal_hash computes the chain hash of entry w (its hash field is
 * ignored) after checking a sealed entry's text against content_digest.
 * Returns an audit_seal_result; out is written only on AUDIT_SEAL_OK.
 */
int	audit_seal_hash(const Vet__V1__AuditEntry *w,
	    uint8_t out[AUDIT_SEAL_SIZE]);

#endif /* VET_AUDIT_SEAL_H */
