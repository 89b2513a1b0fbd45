/*
 * audit_seal.c: the chain hash of an audit entry (see audit_seal.h). Pure:
 * trusts nothing in the entry, allocates only the bytes it hashes.
 */
#include <mbedtls/sha256.h>
#include <stdlib.h>
#include <string.h>

#include "audit_seal.h"

static void
digest_text(mbedtls_sha256_context *ctx, const char *s)
{
	uint8_t len[8];
	size_t n = s != NULL ? strlen(s) : 0;

	for (size_t i = 0; i < sizeof(len); i++)
		len[i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	mbedtls_sha256_update_ret(ctx, len, sizeof(len));
	if (n > 0)
		mbedtls_sha256_update_ret(ctx, (const uint8_t *)s, n);
}

void
audit_content_digest(const char *change, const char *reason,
    uint8_t out[AUDIT_SEAL_SIZE])
{
	mbedtls_sha256_context ctx;

	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	digest_text(&ctx, change);
	digest_text(&ctx, reason);
	mbedtls_sha256_finish_ret(&ctx, out);
	mbedtls_sha256_free(&ctx);
}

static int
is_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

int
audit_seal_bytes(const Vet__V1__AuditEntry *w, uint8_t **out, size_t *out_len)
{
	Vet__V1__AuditEntry form = *w;
	uint8_t digest[AUDIT_SEAL_SIZE], *buf;
	size_t len;

	form.hash.len = 0;
	form.hash.data = NULL;
	if (w->content_digest.len == 0) {
		if (w->redacted || w->redactions != 0)
			return AUDIT_SEAL_MALFORMED;
	} else {
		if (w->content_digest.len != AUDIT_SEAL_SIZE)
			return AUDIT_SEAL_MALFORMED;
		if (w->redacted) {
			if (!is_empty(w->change) || !is_empty(w->reason))
				return AUDIT_SEAL_MALFORMED;
		} else {
			audit_content_digest(w->change, w->reason, digest);
			if (memcmp(digest, w->content_digest.data,
			    AUDIT_SEAL_SIZE) != 0)
				return AUDIT_SEAL_TEXT_ALTERED;
		}
		form.change = (char *)"";
		form.reason = (char *)"";
		form.redacted = 0;
	}
	len = vet__v1__audit_entry__get_packed_size(&form);
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return AUDIT_SEAL_NO_MEMORY;
	*out_len = vet__v1__audit_entry__pack(&form, buf);
	*out = buf;
	return AUDIT_SEAL_OK;
}

int
audit_seal_hash(const Vet__V1__AuditEntry *w, uint8_t out[AUDIT_SEAL_SIZE])
{
	uint8_t *buf;
	size_t len;
	int rv;

	if ((rv = audit_seal_bytes(w, &buf, &len)) != AUDIT_SEAL_OK)
		return rv;
	mbedtls_sha256_ret(buf, len, out, 0);
	free(buf);
	return AUDIT_SEAL_OK;
}
