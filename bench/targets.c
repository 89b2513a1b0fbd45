/*
 * targets.c: vet-loadgen's connections and operations, one kind per
 * server: vetd through libvet (Check, BatchCheck, durable PutPerson),
 * slapd (a simple-bind anonymous LDAP Compare of employeeType), redis (a
 * tiny RESP client over a TCP socket: HGET of the clearance field) and
 * vet-echo (a bare nng REQ socket, or with --target echo-direct a bare
 * blocking SP client, spclient.c). Replies are checked for their shape
 * and counted, never trusted further.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"


int
conn_open(struct worker *w, struct conn *c)
{
	const struct config *cfg = w->cfg;
	vet_status st;
	int rv;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	switch (cfg->target) {
	case TARGET_VETD:
		if (cfg->shared) {
			c->vc = w->client;
			return 0;
		}
		if (vet_client_open(&c->vc, cfg->url, &cfg->opts, &st) !=
		    VET_OK) {
			snprintf(w->error, sizeof(w->error), "%s", st.message);
			return -1;
		}
		return 0;
	case TARGET_LDAP: {
		int version = LDAP_VERSION3;
		struct berval cred = { 0, NULL };
		if ((rv = ldap_initialize(&c->ld, cfg->url)) != LDAP_SUCCESS)
			goto ldap_fail;
		ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
		if ((rv = ldap_sasl_bind_s(c->ld, NULL, LDAP_SASL_SIMPLE,
		    &cred, NULL, NULL, NULL)) != LDAP_SUCCESS)
			goto ldap_fail;
		return 0;
ldap_fail:
		snprintf(w->error, sizeof(w->error), "ldap %s: %s", cfg->url,
		    ldap_err2string(rv));
		return -1;
	}
	case TARGET_REDIS: {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		unsigned port;
		char host[64];
		int one = 1;
		if (sscanf(cfg->url, "redis://%63[^:]:%u", host, &port) != 2 ||
		    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
			snprintf(w->error, sizeof(w->error), "redis URL must "
			    "be redis://IPV4:PORT");
			return -1;
		}
		sa.sin_port = htons((uint16_t)port);
		if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			snprintf(w->error, sizeof(w->error), "cannot connect "
			    "to %s", cfg->url);
			return -1;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return 0;
	}
	case TARGET_ECHO:
		if ((rv = nng_req0_open(&c->sock)) != 0 ||
		    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
		    NNG_DURATION_INFINITE)) != 0 ||
		    (rv = nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
		    5000)) != 0 ||
		    (rv = nng_dial(c->sock, cfg->url, NULL, 0)) != 0) {
			snprintf(w->error, sizeof(w->error), "echo %s: %s",
			    cfg->url, nng_strerror(rv));
			return -1;
		}
		return 0;
	case TARGET_ECHO_DIRECT:
		return spclient_dial(&c->sp, cfg->url, w->error,
		    sizeof(w->error));
	}
	return -1;
}

void
conn_close(struct worker *w, struct conn *c)
{
	if (c->vc != NULL && !w->cfg->shared)
		vet_client_close(&c->vc);
	if (c->ld != NULL)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	if (c->fd >= 0)
		close(c->fd);
	if (w->cfg->target == TARGET_ECHO)
		nng_close(c->sock);
	if (w->cfg->target == TARGET_ECHO_DIRECT)
		spclient_close(&c->sp);
}

static void
count_decision(struct worker *w, const vet_decision *d)
{
	if (d->effect == VET_ALLOW)
		w->allow++;
	else
		w->deny++;
	w->reasons[d->reason >= 0 && d->reason < REASONS ? d->reason : 0]++;
}

static int
do_check(struct worker *w, struct conn *c, const struct gen_query *q)
{
	vet_check_request req = { .person_id = q->person_id,
	    .marking = q->marking, .n_caveats = q->n_caveats,
	    .caveats = q->caveats };
	vet_decision d;
	vet_status st;

	vet_check(c->vc, &req, &d, &st);
	if (st.code != VET_OK && st.code != VET_INVALID_ARGUMENT) {
		snprintf(w->error, sizeof(w->error), "%s: %s",
		    vet_status_name(st.code), st.message);
		return -1;
	}
	count_decision(w, &d);
	return 0;
}

static int
do_batch(struct worker *w, struct conn *c, const struct gen_query *qs,
    size_t at)
{
	vet_check_request *reqs = w->reqs;
	vet_decision *d = w->decisions;
	vet_status st;
	unsigned n = w->cfg->batch;

	for (unsigned i = 0; i < n; i++) {
		const struct gen_query *q = &qs[(at + i) % QUERIES];
		reqs[i] = (vet_check_request){ .person_id = q->person_id,
		    .marking = q->marking, .n_caveats = q->n_caveats,
		    .caveats = q->caveats };
	}
	if (vet_batch_check(c->vc, reqs, n, d, &st) != VET_OK) {
		snprintf(w->error, sizeof(w->error), "%s: %s",
		    vet_status_name(st.code), st.message);
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		count_decision(w, &d[i]);
	return 0;
}

static int
do_put(struct worker *w, struct conn *c, uint64_t *rng)
{
	char id[32], name[48];
	vet_person_spec spec = { .id = id, .display_name = name,
	    .email = "writer@force.example", .org_unit = "Benchmarks",
	    .nationality = "GB" };
	vet_status st;

	snprintf(id, sizeof(id), "w%02u-%05u", w->index,
	    gen_below(rng, 50000));
	snprintf(name, sizeof(name), "Writer %llu",
	    (unsigned long long)gen_next(rng));
	if (vet_person_put(c->vc, &spec, NULL, &st) != VET_OK) {
		snprintf(w->error, sizeof(w->error), "%s: %s",
		    vet_status_name(st.code), st.message);
		return -1;
	}
	return 0;
}

static int
do_ldap(struct worker *w, struct conn *c, const struct gen_query *q)
{
	char dn[128];
	struct berval v;
	int rv;

	snprintf(dn, sizeof(dn), "uid=%s,ou=people,dc=example,dc=org",
	    q->person_id);
	v.bv_val = (char *)q->want_clearance;
	v.bv_len = strlen(q->want_clearance);
	rv = ldap_compare_ext_s(c->ld, dn, "employeeType", &v, NULL, NULL);
	if (rv == LDAP_COMPARE_TRUE)
		w->allow++;
	else if (rv == LDAP_COMPARE_FALSE || rv == LDAP_NO_SUCH_OBJECT)
		w->deny++;
	else {
		snprintf(w->error, sizeof(w->error), "compare: %s",
		    ldap_err2string(rv));
		return -1;
	}
	return 0;
}

/* redis_reply reads one bulk-string reply; 1 found, 0 nil, -1 error. */
static int
redis_reply(struct conn *c)
{
	size_t have = 0;
	char *nl;
	long len;

	for (;;) {
		ssize_t n = read(c->fd, c->buf + have, sizeof(c->buf) - 1 -
		    have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		c->buf[have] = '\0';
		if ((nl = strstr(c->buf, "\r\n")) == NULL)
			continue;
		if (c->buf[0] != '$')
			return -1;
		len = strtol(c->buf + 1, NULL, 10);
		if (len < 0)
			return 0;
		if (have >= (size_t)(nl - c->buf) + 2 + (size_t)len + 2)
			return 1;
		if (have >= sizeof(c->buf) - 1)
			return -1;
	}
}

static int
do_redis(struct worker *w, struct conn *c, const struct gen_query *q)
{
	char cmd[128];
	int n, rv;

	n = snprintf(cmd, sizeof(cmd), "*3\r\n$4\r\nHGET\r\n$%zu\r\nperson:%s"
	    "\r\n$9\r\nclearance\r\n", strlen(q->person_id) + 7,
	    q->person_id);
	if (write(c->fd, cmd, (size_t)n) != n ||
	    (rv = redis_reply(c)) < 0) {
		snprintf(w->error, sizeof(w->error), "redis: bad reply");
		return -1;
	}
	if (rv == 1)
		w->allow++;
	else
		w->deny++;
	return 0;
}

static int
do_echo(struct worker *w, struct conn *c)
{
	nng_msg *m;
	int rv;

	if ((rv = nng_msg_alloc(&m, (size_t)w->cfg->echo_size)) != 0)
		goto fail;
	memset(nng_msg_body(m), 'x', (size_t)w->cfg->echo_size);
	if ((rv = nng_sendmsg(c->sock, m, 0)) != 0) {
		nng_msg_free(m);
		goto fail;
	}
	if ((rv = nng_recvmsg(c->sock, &m, 0)) != 0)
		goto fail;
	nng_msg_free(m);
	return 0;
fail:
	snprintf(w->error, sizeof(w->error), "echo: %s", nng_strerror(rv));
	return -1;
}

int
target_op(struct worker *w, struct conn *c, const struct gen_query *qs,
    size_t at, uint64_t *rng)
{
	const struct config *cfg = w->cfg;

	switch (cfg->target) {
	case TARGET_VETD:
		return cfg->op == OP_CHECK ? do_check(w, c, &qs[at]) :
		    cfg->op == OP_BATCH ? do_batch(w, c, qs, at) :
		    do_put(w, c, rng);
	case TARGET_LDAP:
		return do_ldap(w, c, &qs[at]);
	case TARGET_REDIS:
		return do_redis(w, c, &qs[at]);
	case TARGET_ECHO_DIRECT:
		if (spclient_roundtrip(&c->sp, (size_t)cfg->echo_size) == 0)
			return 0;
		snprintf(w->error, sizeof(w->error), "echo-direct: no answer");
		return -1;
	default:
		return do_echo(w, c);
	}
}
