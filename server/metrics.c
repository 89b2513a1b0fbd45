/*
 * metrics.c: live metrics and the HTTP listener that shows them (see
 * metrics.h). The counters are process-wide relaxed atomics: a request
 * costs a few uncontended-in-the-common-case increments and never a lock.
 * The HTTP side trusts nothing it is sent: nng's HTTP server parses the
 * request, only GET /metrics and GET /healthz exist (404 otherwise, 405
 * for another method), and nothing from the request is echoed.
 */
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "methods.h"
#include "metrics.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "store_stats.h"
#include "vet_config.h"
#include "vetting.pb-c.h"

#define METHODS_MAX	40		/* the service's methods, and "unknown" */
#define CODES		17		/* gRPC codes 0..16 */
#define REASONS		16		/* vet.v1.Reason 0..15 */
#define KINDS		3		/* read, write, rejected */
#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* Upper bounds of the latency buckets, in microseconds. */
static const int64_t bucket_us[] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000,
};
#define BUCKETS	(sizeof(bucket_us) / sizeof(bucket_us[0]))

static const char *const kind_names[KINDS] = { "read", "write", "rejected" };

static struct {
	atomic_uint_fast64_t requests[METHODS_MAX][CODES];
	atomic_uint_fast64_t decisions[REASONS];
	atomic_uint_fast64_t buckets[KINDS][BUCKETS + 1];	/* + Inf */
	atomic_uint_fast64_t sum_ns[KINDS];
} counters;

static nng_http_server *server;

static unsigned
method_slot(const struct rpc_call *call)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	size_t i;

	if (call->md == NULL)
		return METHODS_MAX - 1;
	i = (size_t)(call->md - sd->methods);
	return i < sd->n_methods && i < METHODS_MAX - 1 ? (unsigned)i :
	    METHODS_MAX - 1;
}

void
metrics_request(const struct rpc_call *call, int64_t elapsed_ns)
{
	unsigned kind, b, code;

	code = call->code >= 0 && call->code < CODES ? (unsigned)call->code :
	    STATUS_UNKNOWN;
	atomic_fetch_add_explicit(&counters.requests[method_slot(call)][code],
	    1, memory_order_relaxed);
	if (call->method == NULL)
		kind = 2;
	else
		kind = call->method->kind == METHOD_WRITE ? 1 : 0;
	if (elapsed_ns < 0)
		elapsed_ns = 0;
	for (b = 0; b < BUCKETS && elapsed_ns > bucket_us[b] * 1000; b++)
		;
	atomic_fetch_add_explicit(&counters.buckets[kind][b], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&counters.sum_ns[kind],
	    (uint_fast64_t)elapsed_ns, memory_order_relaxed);
}

void
metrics_decisions(enum reason reason, uint64_t n)
{
	unsigned r = reason > 0 && reason < REASONS ? (unsigned)reason : 0;

	atomic_fetch_add_explicit(&counters.decisions[r], n,
	    memory_order_relaxed);
}

void
metrics_decision(enum reason reason)
{
	metrics_decisions(reason, 1);
}

/* A growing text buffer; out of memory sticks. */
struct text {
	char	*buf;
	size_t	len, cap;
	int	oom;
};

static void
text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = 1;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap * 2 + (size_t)n;
		char *grown = realloc(t->buf, cap);
		if (grown == NULL) {
			t->oom = 1;
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
}

static uint64_t
load(atomic_uint_fast64_t *v)
{
	return (uint64_t)atomic_load_explicit(v, memory_order_relaxed);
}

static void
render_requests(struct text *t)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;

	text_add(t, "# HELP vetd_requests_total Requests answered, by method "
	    "and status code.\n# TYPE vetd_requests_total counter\n");
	for (unsigned m = 0; m < METHODS_MAX; m++) {
		const char *name;
		if (m < sd->n_methods && m < METHODS_MAX - 1)
			name = sd->methods[m].name;
		else if (m == METHODS_MAX - 1)
			name = "unknown";
		else
			continue;
		for (unsigned c = 0; c < CODES; c++) {
			uint64_t n = load(&counters.requests[m][c]);
			/* Every method's OK series always; others once seen. */
			if (n == 0 && (c != STATUS_OK || m == METHODS_MAX - 1))
				continue;
			text_add(t, "vetd_requests_total{method=\"%s\",code=\"%s\"}"
			    " %llu\n", name, status_name((int)c),
			    (unsigned long long)n);
		}
	}
}

static void
render_decisions(struct text *t)
{
	text_add(t, "# HELP vetd_decisions_total Check and BatchCheck "
	    "decisions, by reason (GRANTED is ALLOW, every other reason "
	    "DENY).\n# TYPE vetd_decisions_total counter\n");
	for (unsigned r = 1; r < REASONS; r++)
		text_add(t, "vetd_decisions_total{reason=\"%s\"} %llu\n",
		    reason_name((enum reason)r),
		    (unsigned long long)load(&counters.decisions[r]));
}

static void
render_latency(struct text *t)
{
	text_add(t, "# HELP vetd_request_duration_seconds Time from receiving "
	    "a request to handing its reply to the transport, by method "
	    "kind.\n# TYPE vetd_request_duration_seconds histogram\n");
	for (unsigned k = 0; k < KINDS; k++) {
		uint64_t cum = 0;
		for (unsigned b = 0; b <= BUCKETS; b++) {
			cum += load(&counters.buckets[k][b]);
			if (b < BUCKETS)
				text_add(t, "vetd_request_duration_seconds_bucket"
				    "{kind=\"%s\",le=\"%g\"} %llu\n",
				    kind_names[k], (double)bucket_us[b] / 1e6,
				    (unsigned long long)cum);
			else
				text_add(t, "vetd_request_duration_seconds_bucket"
				    "{kind=\"%s\",le=\"+Inf\"} %llu\n",
				    kind_names[k], (unsigned long long)cum);
		}
		text_add(t, "vetd_request_duration_seconds_sum{kind=\"%s\"} "
		    "%.9f\n", kind_names[k],
		    (double)load(&counters.sum_ns[k]) / 1e9);
		text_add(t, "vetd_request_duration_seconds_count{kind=\"%s\"} "
		    "%llu\n", kind_names[k], (unsigned long long)cum);
	}
}

/* render_store: map, revision and audit head, from one short read. */
static void
render_store(struct text *t, struct vetd *vd)
{
	struct store_stats ss;
	struct store_txn *txn = NULL;
	uint8_t hash[STORE_AUDIT_HASH];
	uint64_t seq = 0;
	int have_seq = 0;

	if (store_stats(vd->store, &ss) == 0) {
		text_add(t, "# HELP vetd_lmdb_map_size_bytes The LMDB map size "
		    "(it doubles when full).\n# TYPE vetd_lmdb_map_size_bytes "
		    "gauge\nvetd_lmdb_map_size_bytes %zu\n", ss.map_size);
		text_add(t, "# HELP vetd_lmdb_map_used_bytes Bytes of the map "
		    "in use, up to its last page.\n# TYPE "
		    "vetd_lmdb_map_used_bytes gauge\nvetd_lmdb_map_used_bytes "
		    "%zu\n", ss.map_used);
		text_add(t, "# HELP vetd_lmdb_readers Reader slots in use.\n"
		    "# TYPE vetd_lmdb_readers gauge\nvetd_lmdb_readers %u\n",
		    ss.readers);
	}
	text_add(t, "# HELP vetd_store_revision The store's commit counter.\n"
	    "# TYPE vetd_store_revision gauge\nvetd_store_revision %llu\n",
	    (unsigned long long)store_revision(vd->store));
	if (store_read_begin(vd->store, &txn) == STATUS_OK) {
		have_seq = store_audit_head(txn, &seq, hash) == STATUS_OK;
		store_read_end(txn);
	}
	if (have_seq)
		text_add(t, "# HELP vetd_audit_sequence The sequence number of "
		    "the last audit entry.\n# TYPE vetd_audit_sequence gauge\n"
		    "vetd_audit_sequence %llu\n", (unsigned long long)seq);
	text_add(t, "# HELP vetd_requests_in_flight Requests received and not "
	    "yet answered.\n# TYPE vetd_requests_in_flight gauge\n"
	    "vetd_requests_in_flight %ld\n", atomic_load(&vd->in_flight));
	text_add(t, "# HELP vetd_draining 1 while vetd is shutting down.\n"
	    "# TYPE vetd_draining gauge\nvetd_draining %d\n",
	    atomic_load(&vd->draining) ? 1 : 0);
	text_add(t, "# HELP vetd_build_info vetd's version and the digest of "
	    "the policy in force.\n# TYPE vetd_build_info gauge\n"
	    "vetd_build_info{version=\"%s\",policy=\"%.16s\"} 1\n",
	    VET_VERSION, vd->policy->digest);
}

int
metrics_render(struct vetd *vd, char **out, size_t *len)
{
	struct text t = { 0 };

	if ((t.buf = malloc(t.cap = 16384)) == NULL)
		return -1;
	t.buf[0] = '\0';
	render_requests(&t);
	render_decisions(&t);
	render_latency(&t);
	render_store(&t, vd);
	if (t.oom) {
		free(t.buf);
		return -1;
	}
	*out = t.buf;
	*len = t.len;
	return 0;
}

/* reply finishes the HTTP exchange with status and a text body. */
static void
reply(nng_aio *aio, uint16_t status, const char *body, size_t len)
{
	nng_http_res *res;
	int rv;

	if ((rv = nng_http_res_alloc(&res)) != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	if ((rv = nng_http_res_set_status(res, status)) != 0 ||
	    (rv = nng_http_res_set_header(res, "Content-Type",
	    CONTENT_TYPE)) != 0 ||
	    (rv = nng_http_res_copy_data(res, body, len)) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static struct vetd *
handler_vetd(nng_aio *aio)
{
	nng_http_handler *h = nng_aio_get_input(aio, 1);

	return nng_http_handler_get_data(h);
}

static void
serve_metrics(nng_aio *aio)
{
	struct vetd *vd = handler_vetd(aio);
	char *text;
	size_t len;

	if (metrics_render(vd, &text, &len) != 0) {
		reply(aio, NNG_HTTP_STATUS_INTERNAL_SERVER_ERROR,
		    "out of memory\n", 14);
		return;
	}
	reply(aio, NNG_HTTP_STATUS_OK, text, len);
	free(text);
}

/* serve_healthz: 200 when a read of the store works, else 503. */
static void
serve_healthz(nng_aio *aio)
{
	struct vetd *vd = handler_vetd(aio);
	struct store_txn *txn = NULL;
	int ok = 0;

	if (store_read_begin(vd->store, &txn) == STATUS_OK) {
		ok = 1;
		store_read_end(txn);
	}
	if (ok)
		reply(aio, NNG_HTTP_STATUS_OK, "ok\n", 3);
	else
		reply(aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "unavailable\n", 12);
}

static int
add_handler(struct vetd *vd, const char *path, void (*cb)(nng_aio *))
{
	nng_http_handler *h;
	int rv;

	if ((rv = nng_http_handler_alloc(&h, path, cb)) != 0)
		return rv;
	if ((rv = nng_http_handler_set_method(h, "GET")) != 0 ||
	    (rv = nng_http_handler_set_data(h, vd, NULL)) != 0 ||
	    (rv = nng_http_server_add_handler(server, h)) != 0) {
		nng_http_handler_free(h);
		return rv;
	}
	return 0;
}

int
metrics_start(struct vetd *vd, const char *url, char *err, size_t errsz)
{
	nng_url *u = NULL;
	int rv;

	if ((rv = nng_url_parse(&u, url)) != 0) {
		snprintf(err, errsz, "metrics_listen \"%s\" is not a URL", url);
		return -1;
	}
	if (strcmp(u->u_scheme, "http") != 0 ||
	    (strcmp(u->u_path, "") != 0 && strcmp(u->u_path, "/") != 0)) {
		snprintf(err, errsz, "metrics_listen must be "
		    "http://host:port, not \"%s\"", url);
		nng_url_free(u);
		return -1;
	}
	if ((rv = nng_http_server_hold(&server, u)) != 0)
		goto fail;
	if ((rv = add_handler(vd, "/metrics", serve_metrics)) != 0 ||
	    (rv = add_handler(vd, "/healthz", serve_healthz)) != 0 ||
	    (rv = nng_http_server_start(server)) != 0)
		goto fail;
	nng_url_free(u);
	log_info("metrics on %s/metrics", url);
	return 0;
fail:
	snprintf(err, errsz, "cannot serve metrics on %s: %s", url,
	    nng_strerror(rv));
	if (server != NULL) {
		nng_http_server_release(server);
		server = NULL;
	}
	nng_url_free(u);
	return -1;
}

void
metrics_stop(void)
{
	if (server == NULL)
		return;
	nng_http_server_stop(server);
	nng_http_server_release(server);
	server = NULL;
}
