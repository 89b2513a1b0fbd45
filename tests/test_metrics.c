/*
 * test_metrics.c: the live metrics end to end. A real vetd with
 * --metrics-listen on a free port is scraped with a tiny HTTP client over
 * a socket after known calls: the exact counters by method, status and
 * decision reason, the latency histogram's count, the store gauges, the
 * content type, /healthz, 404 and 405, that no person id, request id or
 * token ever shows, and that a bad metrics_listen is refused.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"
#include "rpc.pb-c.h"

static struct vetd_proc vetd;
static vet_client *client;
static int port;
static char metrics_url[64];

static void
setup(void)
{
	vet_status st;

	port = fixture_free_port();
	snprintf(metrics_url, sizeof(metrics_url), "http://127.0.0.1:%d",
	    port);
	const char *extra[] = { "--metrics-listen", metrics_url, NULL };
	cr_assert_eq(fixture_start(&vetd, extra), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
}

static void
teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

TestSuite(metrics, .init = setup, .fini = teardown, .timeout = 60);

/*
 * http does one HTTP/1.0 exchange; returns the status code and the
 * response (headers and body) in buf.
 */
static int
http(const char *method, const char *path, char *buf, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { 5, 0 };
	char req[256];
	size_t have = 0;
	ssize_t n;
	int fd, status = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
	    "cannot connect to the metrics port");
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n"
	    "Content-Length: 0\r\n\r\n", method, path);
	cr_assert_eq(write(fd, req, (size_t)n), n);
	while (have + 1 < size && (n = read(fd, buf + have,
	    size - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	close(fd);
	sscanf(buf, "HTTP/1.%*d %d", &status);
	return status;
}

/* scrape GETs /metrics and returns the body. */
static char *
scrape(void)
{
	static char buf[256 * 1024];
	char *body;

	cr_assert_eq(http("GET", "/metrics", buf, sizeof(buf)), 200, "%.200s",
	    buf);
	cr_assert(strstr(buf, "text/plain; version=0.0.4; charset=utf-8") !=
	    NULL, "wrong content type: %.300s", buf);
	body = strstr(buf, "\r\n\r\n");
	cr_assert_not_null(body);
	return body + 4;
}

/* value returns the sample of series (the exact name and labels). */
static long long
value(const char *body, const char *series)
{
	char want[256];
	const char *p = body;
	size_t n = (size_t)snprintf(want, sizeof(want), "%s ", series);

	while ((p = strstr(p, want)) != NULL) {
		if (p == body || p[-1] == '\n')
			return atoll(p + n);
		p += n;
	}
	return -1;
}

static void
check(const char *id, const char *marking, vet_effect effect)
{
	vet_check_request req = { .person_id = id, .marking = marking };
	vet_decision d;
	vet_status st;

	vet_check(client, &req, &d, &st);
	cr_assert_eq(d.effect, effect, "%s %s: %s", id, marking,
	    d.explanation);
}

Test(metrics, counts_requests_and_decisions_exactly)
{
	vet_person_spec spec = { .id = "alice-metrics", .display_name = "A",
	    .nationality = "GB" };
	vet_grant_spec g = { .person_id = "alice-metrics", .scheme = "nsv",
	    .level = "SC", .review_due = (int64_t)time(NULL) + 86400 * 365 };
	vet_check_request batch[3] = {
		{ .person_id = "alice-metrics", .marking = "OFFICIAL" },
		{ .person_id = "alice-metrics", .marking = "TOP SECRET" },
		{ .person_id = "nobody-metrics", .marking = "SECRET" },
	};
	vet_decision d[3];
	vet_person *p = NULL;
	vet_status st;
	char *body;

	body = scrape();
	cr_assert_eq(value(body, "vetd_requests_total{method=\"Check\","
	    "code=\"OK\"}"), 0, "%s", body);
	cr_assert_eq(value(body, "vetd_decisions_total{reason=\"GRANTED\"}"),
	    0);

	cr_assert_eq(vet_person_put(client, &spec, NULL, &st), VET_OK);
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_OK);
	cr_assert_eq(vet_person_get(client, "nobody-metrics", &p, &st),
	    VET_NOT_FOUND);
	check("alice-metrics", "SECRET", VET_ALLOW);
	check("alice-metrics", "TOP SECRET", VET_DENY);
	check("nobody-metrics", "SECRET", VET_DENY);
	check("alice-metrics", "NO SUCH MARKING", VET_DENY);
	cr_assert_eq(vet_batch_check(client, batch, 3, d, &st), VET_OK);

	body = scrape();
	cr_assert_eq(value(body, "vetd_requests_total{method=\"PutPerson\","
	    "code=\"OK\"}"), 1, "%s", body);
	cr_assert_eq(value(body, "vetd_requests_total{method=\"GrantClearance\","
	    "code=\"OK\"}"), 1);
	cr_assert_eq(value(body, "vetd_requests_total{method=\"GetPerson\","
	    "code=\"NOT_FOUND\"}"), 1);
	cr_assert_eq(value(body, "vetd_requests_total{method=\"GetPerson\","
	    "code=\"OK\"}"), 0);
	cr_assert_eq(value(body, "vetd_requests_total{method=\"Check\","
	    "code=\"OK\"}"), 3);
	cr_assert_eq(value(body, "vetd_requests_total{method=\"Check\","
	    "code=\"INVALID_ARGUMENT\"}"), 1);
	cr_assert_eq(value(body, "vetd_requests_total{method=\"BatchCheck\","
	    "code=\"OK\"}"), 1);
	cr_assert_eq(value(body, "vetd_decisions_total{reason=\"GRANTED\"}"),
	    2);
	cr_assert_eq(value(body,
	    "vetd_decisions_total{reason=\"INSUFFICIENT_LEVEL\"}"), 2);
	cr_assert_eq(value(body,
	    "vetd_decisions_total{reason=\"UNKNOWN_PERSON\"}"), 2);
	cr_assert_eq(value(body,
	    "vetd_decisions_total{reason=\"UNKNOWN_MARKING\"}"), 1);
	cr_assert_eq(value(body, "vetd_decisions_total{reason=\"LEAVER\"}"),
	    0);
	/* Two writes; the reads include the fixture's Health polls. */
	cr_assert_eq(value(body, "vetd_request_duration_seconds_count"
	    "{kind=\"write\"}"), 2);
	cr_assert_geq(value(body, "vetd_request_duration_seconds_count"
	    "{kind=\"read\"}"), 6);
	cr_assert_eq(value(body, "vetd_request_duration_seconds_bucket"
	    "{kind=\"write\",le=\"+Inf\"}"), 2);
	cr_assert_geq(value(body, "vetd_store_revision"), 2);
	cr_assert_gt(value(body, "vetd_lmdb_map_size_bytes"), 0);
	cr_assert_gt(value(body, "vetd_lmdb_map_used_bytes"), 0);
	cr_assert_geq(value(body, "vetd_audit_sequence"), 0);
	/* No personal data: neither id asked about is in the text. */
	cr_assert_null(strstr(body, "alice"), "a person id leaked");
	cr_assert_null(strstr(body, "nobody"), "a person id leaked");
	cr_assert_null(strstr(body, "NO SUCH"), "request text leaked");
}

Test(metrics, bad_requests_are_not_echoed)
{
	Vet__V1__RpcRequest env = VET__V1__RPC_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	vet_person *p = NULL;
	vet_status st;
	nng_socket sock;
	nng_msg *msg;
	size_t len;
	char *body;

	cr_assert_eq(vet_person_get(client, "bad id with spaces", &p, &st),
	    VET_INVALID_ARGUMENT);
	/* A raw frame naming a method that does not exist. */
	env.method = "/vet.v1.Vetting/SecretLeakMethod";
	env.request_id = "leaky-request-id";
	cr_assert_eq(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000);
	cr_assert_eq(nng_dial(sock, vetd.url, NULL, 0), 0);
	len = vet__v1__rpc_request__get_packed_size(&env);
	cr_assert_eq(nng_msg_alloc(&msg, len), 0);
	vet__v1__rpc_request__pack(&env, nng_msg_body(msg));
	cr_assert_eq(nng_sendmsg(sock, msg, 0), 0);
	cr_assert_eq(nng_recvmsg(sock, &msg, 0), 0);
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(msg),
	    nng_msg_body(msg));
	cr_assert_not_null(resp);
	cr_assert_eq(resp->status->code, VET_UNIMPLEMENTED);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	nng_msg_free(msg);
	nng_close(sock);

	body = scrape();
	cr_assert_eq(value(body, "vetd_requests_total{method=\"GetPerson\","
	    "code=\"INVALID_ARGUMENT\"}"), 1, "%s", body);
	cr_assert_eq(value(body, "vetd_requests_total{method=\"unknown\","
	    "code=\"UNIMPLEMENTED\"}"), 1, "%s", body);
	cr_assert_eq(value(body, "vetd_request_duration_seconds_count"
	    "{kind=\"rejected\"}"), 1);
	cr_assert_null(strstr(body, "bad id"), "request text leaked");
	cr_assert_null(strstr(body, "SecretLeak"), "a method name leaked");
	cr_assert_null(strstr(body, "leaky"), "a request id leaked");
}

Test(metrics, no_token_appears)
{
	char data_dir[400], out[4096], err[4096], token[256];
	const char *argv[] = { test_bin("VETD_BIN"), "--init-admin",
	    "metrics-admin", "--data-dir", data_dir, NULL };
	vet_client *c = NULL;
	vet_status st;
	vet_health_info h;
	char *body;

	snprintf(data_dir, sizeof(data_dir), "%s", vetd.data_dir);
	cr_assert_eq(run_cmd(argv, out, sizeof(out), err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(sscanf(out, "%255s", token), 1, "no token in \"%s\"",
	    out);
	vet_options opts = { .token = token };
	cr_assert_eq(vet_client_open(&c, vetd.url, &opts, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_OK, "%s", st.message);
	vet_client_close(&c);
	body = scrape();
	cr_assert_null(strstr(body, token), "the token leaked");
	cr_assert_null(strstr(body, "metrics-admin"), "a principal leaked");
}

Test(metrics, healthz_404_and_405)
{
	char buf[8192];

	cr_assert_eq(http("GET", "/healthz", buf, sizeof(buf)), 200, "%s",
	    buf);
	cr_assert(strstr(buf, "\r\n\r\nok\n") != NULL, "%s", buf);
	cr_assert_eq(http("GET", "/nope", buf, sizeof(buf)), 404, "%s", buf);
	cr_assert_eq(http("GET", "/metrics/x", buf, sizeof(buf)), 404, "%s",
	    buf);
	cr_assert_eq(http("POST", "/metrics", buf, sizeof(buf)), 405, "%s",
	    buf);
	cr_assert_eq(http("DELETE", "/healthz", buf, sizeof(buf)), 405, "%s",
	    buf);
	/* Still serving afterwards. */
	(void)scrape();
}

Test(metrics, bad_metrics_listen_is_refused)
{
	char path[400], out[4096], err[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bad.conf", vetd.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "data_dir = %s\nmetrics_listen = ftp://127.0.0.1:1\n",
	    vetd.data_dir);
	fclose(f);
	chmod(path, 0600);
	const char *argv[] = { test_bin("VETD_BIN"), "-n", "-c", path, NULL };
	cr_assert_eq(run_cmd(argv, out, sizeof(out), err, sizeof(err)), 2,
	    "%s%s", out, err);
	cr_assert(strstr(err, "metrics_listen must be http://host:port") !=
	    NULL, "%s", err);
	cr_assert(strstr(err, "bad.conf:2") != NULL, "%s", err);
}
