/*
 * ldapconn.c: one connection to the directory: connect (ldap://,
 * ldaps://, ldapi://), StartTLS with the configured CA (certificates are
 * always verified), bind (simple with the password read from its file
 * for each connect and zeroed after, SASL EXTERNAL, or anonymous), and the
 * root DSE's supportedControl, which decides between RFC 4533 and paged
 * reads. The directory's answers are untrusted; errors are reported with
 * the directory's own message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "vetsync.h"

/* ldapconn_tls sets the per-handle TLS options; NEWCTX applies them. */
static int
ldapconn_tls(const struct sync_config *c, LDAP *ld, char *err, size_t errsz)
{
	int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rv;

	if ((rv = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT,
	    &demand)) != LDAP_OPT_SUCCESS ||
	    (c->ca_file != NULL && (rv = ldap_set_option(ld,
	    LDAP_OPT_X_TLS_CACERTFILE, c->ca_file)) != LDAP_OPT_SUCCESS) ||
	    (rv = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero)) !=
	    LDAP_OPT_SUCCESS) {
		snprintf(err, errsz, "cannot set up TLS (ca_file %s): %s",
		    c->ca_file != NULL ? c->ca_file : "(system)",
		    ldap_err2string(rv));
		return -1;
	}
	return 0;
}

static int
ldapconn_bind(const struct sync_config *c, LDAP *ld, char *err,
    size_t errsz)
{
	struct berval cred = { 0, NULL };
	char *password = NULL, *diag = NULL;
	int rv;

	switch (c->bind) {
	case BIND_SIMPLE:
		if (config_read_secret(c->password_file, &password, err,
		    errsz) != 0)
			return -1;
		cred.bv_val = password;
		cred.bv_len = strlen(password);
		rv = ldap_sasl_bind_s(ld, c->bind_dn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
		secret_free(password);
		break;
	case BIND_SASL_EXTERNAL:
		/*
		 * An empty initial response (bv_val "" rather than NULL):
		 * without one slapd's SASL answers saslBindInProgress.
		 */
		cred.bv_val = "";
		rv = ldap_sasl_bind_s(ld, NULL, "EXTERNAL", &cred, NULL, NULL,
		    NULL);
		break;
	default:
		return 0;
	}
	if (rv != LDAP_SUCCESS) {
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
		snprintf(err, errsz, "bind as %s failed: %s%s%s",
		    c->bind == BIND_SIMPLE ? c->bind_dn : "SASL EXTERNAL",
		    ldap_err2string(rv), diag != NULL && *diag ? ": " : "",
		    diag != NULL ? diag : "");
		ldap_memfree(diag);
		return -1;
	}
	return 0;
}

/* ldapconn_dse reads supportedControl from the root DSE. */
static int
ldapconn_dse(const struct sync_config *c, LDAP *ld, struct dse_info *dse,
    char *err, size_t errsz)
{
	char *attrs[] = { "supportedControl", NULL };
	struct timeval tv = { (time_t)c->timeout, 0 };
	struct berval **vals = NULL;
	LDAPMessage *res = NULL, *e;
	int rv;

	memset(dse, 0, sizeof(*dse));
	rv = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, &tv, 1, &res);
	if (rv != LDAP_SUCCESS) {
		snprintf(err, errsz, "cannot read the root DSE: %s",
		    ldap_err2string(rv));
		ldap_msgfree(res);
		return -1;
	}
	if ((e = ldap_first_entry(ld, res)) != NULL &&
	    (vals = ldap_get_values_len(ld, e, "supportedControl")) != NULL) {
		for (size_t i = 0; vals[i] != NULL; i++) {
			const struct berval *v = vals[i];
			if (v->bv_len == strlen(LDAP_CONTROL_SYNC) &&
			    memcmp(v->bv_val, LDAP_CONTROL_SYNC,
			    v->bv_len) == 0)
				dse->syncrepl = 1;
			if (v->bv_len == strlen(LDAP_CONTROL_PAGEDRESULTS) &&
			    memcmp(v->bv_val, LDAP_CONTROL_PAGEDRESULTS,
			    v->bv_len) == 0)
				dse->paged = 1;
		}
		ldap_value_free_len(vals);
	}
	ldap_msgfree(res);
	return 0;
}

int
ldapconn_open(const struct sync_config *c, LDAP **out, struct dse_info *dse,
    char *err, size_t errsz)
{
	struct timeval net = { (time_t)c->timeout, 0 };
	int version = LDAP_VERSION3, rv;
	/* A directory host that vanishes silently is noticed in ~90 s. */
	int idle = 60, probes = 3, interval = 10;
	LDAP *ld = NULL;

	if ((rv = ldap_initialize(&ld, c->uri)) != LDAP_SUCCESS) {
		snprintf(err, errsz, "bad uri %s: %s", c->uri,
		    ldap_err2string(rv));
		return -1;
	}
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &net) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval) !=
	    LDAP_OPT_SUCCESS) {
		snprintf(err, errsz, "cannot set LDAP options");
		goto fail;
	}
	if ((strncmp(c->uri, "ldaps://", 8) == 0 || c->starttls) &&
	    ldapconn_tls(c, ld, err, errsz) != 0)
		goto fail;
	if (c->starttls &&
	    (rv = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		char *diag = NULL;
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
		snprintf(err, errsz, "StartTLS with %s failed: %s%s%s (check "
		    "ca_file, and that the uri's host is in the server's "
		    "certificate)", c->uri, ldap_err2string(rv),
		    diag != NULL && *diag ? ": " : "", diag != NULL ? diag : "");
		ldap_memfree(diag);
		goto fail;
	}
	if (ldapconn_bind(c, ld, err, errsz) != 0 ||
	    ldapconn_dse(c, ld, dse, err, errsz) != 0)
		goto fail;
	*out = ld;
	return 0;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return -1;
}

void
ldapconn_close(LDAP **ld)
{
	if (ld == NULL || *ld == NULL)
		return;
	ldap_unbind_ext_s(*ld, NULL, NULL);
	*ld = NULL;
}

struct berval **
ldapconn_get(void *arg, const char *attr)
{
	struct ldap_values *v = arg;

	for (int i = 0; i < v->n; i++)
		if (strcasecmp(v->names[i], attr) == 0)
			return v->vals[i];
	if (v->n == (int)(sizeof(v->names) / sizeof(v->names[0])))
		return NULL;
	v->names[v->n] = (char *)attr;
	v->vals[v->n] = ldap_get_values_len(v->ld, v->entry, attr);
	return v->vals[v->n++];
}

void
ldapconn_values_free(struct ldap_values *v)
{
	for (int i = 0; i < v->n; i++)
		ldap_value_free_len(v->vals[i]);
	v->n = 0;
}

int
ldapconn_entry(const struct sync_config *c, LDAP *ld, LDAPMessage *msg,
    const uint8_t *uuid, struct sync_entry *out, char *why, size_t whysz)
{
	struct ldap_values v = { .ld = ld, .entry = msg };
	int rv;

	rv = mapping_entry(c, ldapconn_get, &v, uuid, out, why, whysz);
	ldapconn_values_free(&v);
	return rv;
}
