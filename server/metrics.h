/*
 * metrics.h: live metrics. Counters kept with relaxed atomics (requests
 * by method and status, decisions by reason, a latency histogram by
 * method kind), read by an optional HTTP listener (nng's HTTP server) that
 * serves GET /metrics in the Prometheus text format and GET /healthz.
 * Nothing personal and nothing secret is ever counted or shown: no
 * person id, no token, no principal, no command line; an unknown method
 * is counted as "unknown", never by the name the peer sent.
 */
#ifndef VETD_METRICS_H
#define VETD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct rpc_call;
struct vetd;

/* metrics_request counts one answered request: its method (call->md,
 * NULL when unknown), call->code and how long it took. Any thread. */
void metrics_request(const struct rpc_call *call, int64_t elapsed_ns);

/* metrics_decision counts one decision by its reason, metrics_decisions
 * n of them at once (a BatchCheck counts locally first). Any thread. */
void metrics_decision(enum reason reason);
void metrics_decisions(enum reason reason, uint64_t n);

/*
 * metrics_start serves http://host:port/metrics and /healthz for vd.
 * Returns 0, or -1 with a sentence in err. metrics_stop stops it (safe
 * when it was never started).
 */
int metrics_start(struct vetd *vd, const char *url, char *err, size_t errsz);
void metrics_stop(void);

/*
 * metrics_render writes the /metrics text for vd into a malloc'd buffer
 * (*out, owned by the caller, *len bytes). Returns 0, or -1 when out of
 * memory.
 */
int metrics_render(struct vetd *vd, char **out, size_t *len);

#endif /* VETD_METRICS_H */
