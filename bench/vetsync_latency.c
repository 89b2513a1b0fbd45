/*
 * vetsync_latency.c: how long from slapd acknowledging a delete to vetd
 * answering DENY LEAVER for that person, with vetsync following the
 * directory in between (bench/vetsync.sh sets it all up).
 *
 *   vetsync-latency LDAP_URI VETD_URL FIRST COUNT
 *
 * deletes cn=User FIRST .. FIRST+COUNT-1 (6-digit numbers) under
 * ou=people,dc=example,dc=org one at a time as the rootdn (password
 * "secret"), and for each polls vet_check(entryUUID, OFFICIAL) every
 * 1 ms until the reason is LEAVER (at most 10 s). The clock starts when
 * ldap_delete_ext_s returns, i.e. when slapd has acknowledged the delete;
 * polling every 1 ms adds at most 1 ms and leaves the CPU to vetsync and
 * vetd (a tighter loop on this 2-core machine slowed what it measured).
 * Prints every latency and then p50, p90, p99 and max in milliseconds.
 * Talks only to the addresses it is given (loopback in the script).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>
#include <vet/vet.h>

#include "vettime.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
uuid_of(LDAP *ld, const char *dn, char out[37])
{
	char *attrs[] = { "entryUUID", NULL };
	LDAPMessage *res = NULL, *e;
	struct berval **v = NULL;
	int rv = -1;

	if (ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, NULL, 1, &res) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(ld, res)) != NULL &&
	    (v = ldap_get_values_len(ld, e, "entryUUID")) != NULL &&
	    v[0] != NULL && v[0]->bv_len == 36) {
		memcpy(out, v[0]->bv_val, 36);
		out[36] = '\0';
		rv = 0;
	}
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return rv;
}

static double
percentile(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

int
main(int argc, char **argv)
{
	struct berval cred = { 6, "secret" };
	int version = LDAP_VERSION3;
	uint64_t first, count;
	vet_client *vc = NULL;
	vet_status st;
	double *lat;
	LDAP *ld = NULL;

	if (argc != 5 || parse_u64(argv[3], 0, 10000000, &first) != 0 ||
	    parse_u64(argv[4], 1, 100000, &count) != 0) {
		fprintf(stderr, "usage: vetsync-latency LDAP_URI VETD_URL "
		    "FIRST COUNT\n");
		return 2;
	}
	if (ldap_initialize(&ld, argv[1]) != LDAP_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_sasl_bind_s(ld, "cn=admin,dc=example,dc=org",
	    LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL) != LDAP_SUCCESS) {
		fprintf(stderr, "vetsync-latency: cannot bind to %s\n",
		    argv[1]);
		return 1;
	}
	if (vet_client_open(&vc, argv[2], NULL, &st) != VET_OK) {
		fprintf(stderr, "vetsync-latency: %s\n", st.message);
		return 1;
	}
	if ((lat = calloc(count, sizeof(*lat))) == NULL)
		return 1;
	for (uint64_t i = 0; i < count; i++) {
		char dn[128], uuid[37];
		vet_check_request req = { .marking = "OFFICIAL" };
		vet_decision d;
		double t0, deadline;

		snprintf(dn, sizeof(dn), "cn=User %06llu,ou=people,"
		    "dc=example,dc=org", (unsigned long long)(first + i));
		if (uuid_of(ld, dn, uuid) != 0) {
			fprintf(stderr, "vetsync-latency: no %s\n", dn);
			return 1;
		}
		req.person_id = uuid;
		if (ldap_delete_ext_s(ld, dn, NULL, NULL) != LDAP_SUCCESS) {
			fprintf(stderr, "vetsync-latency: cannot delete %s\n",
			    dn);
			return 1;
		}
		t0 = now_ms();
		deadline = t0 + 10000.0;
		for (;;) {
			vet_check(vc, &req, &d, &st);
			if (strcmp(d.reason_name, "LEAVER") == 0)
				break;
			if (now_ms() > deadline) {
				fprintf(stderr, "vetsync-latency: %s not a "
				    "leaver after 10 s\n", uuid);
				return 1;
			}
			struct timespec ts = { 0, 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		lat[i] = now_ms() - t0;
		printf("%.3f\n", lat[i]);
		/* Let each delete stand alone. */
		struct timespec gap = { 0, 20 * 1000 * 1000 };
		nanosleep(&gap, NULL);
	}
	qsort(lat, count, sizeof(*lat), cmp_double);
	printf("deletions %llu p50 %.2f ms p90 %.2f ms p99 %.2f ms max %.2f "
	    "ms\n", (unsigned long long)count, percentile(lat, count, 0.50),
	    percentile(lat, count, 0.90), percentile(lat, count, 0.99),
	    lat[count - 1]);
	free(lat);
	vet_client_close(&vc);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return 0;
}
