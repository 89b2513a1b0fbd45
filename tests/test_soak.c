/*
 * test_soak.c: sustained mixed load against a real vetd with the
 * decision log on (decision_log = all). SOAK_THREADS client threads (16),
 * each on its own REQ socket, send 90% Check and 10% writes (PutPerson,
 * GrantClearance) for SOAK_SECONDS (10 in the normal suite; the long mode
 * runs 300, see docs/RELIABILITY.md). Asserts: every reply is OK; vetd's
 * file descriptors do not grow; its own memory (RssAnon) is flat: after
 * the first interval it grows by less than 16 MiB. Prints, per interval (SOAK_INTERVAL
 * seconds, default 60, capped to the run), the requests, the latency
 * percentiles (p50, p99, max), RSS and fds, and at the end the audit
 * chain is verified. Without SOAK_INTERVAL a run shorter than 300 s is
 * cut into five intervals, so flatness is judged in the suite too.
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

#define PEOPLE		500
#define MAX_THREADS	64
#define LAT_BUCKETS	4096	/* 0.1 ms each: up to 409.6 ms, then max */

static struct vetd_proc vetd;
static char conf_dir[64];

static void
teardown(void)
{
	char cmd[128];

	fixture_cleanup(&vetd);
	if (conf_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", conf_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", conf_dir);
	}
}

TestSuite(soak, .fini = teardown, .timeout = 3600);

static int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The latency histogram of the current interval, shared by threads. */
static atomic_ulong hist[LAT_BUCKETS + 1];
static atomic_long lat_max_us;
static atomic_ulong requests, errors, writes;
static atomic_int stop;
static char first_error[512];
static pthread_mutex_t error_mu = PTHREAD_MUTEX_INITIALIZER;

static void
record(int64_t us)
{
	size_t b = (size_t)(us / 100);
	long m;

	atomic_fetch_add(&hist[b < LAT_BUCKETS ? b : LAT_BUCKETS], 1);
	m = atomic_load(&lat_max_us);
	while (us > m && !atomic_compare_exchange_weak(&lat_max_us, &m, us))
		;
}

static nng_socket
dial(void)
{
	nng_socket s;

	cr_assert_eq(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 10000);
	cr_assert_eq(nng_dial(s, vetd.url, NULL, 0), 0);
	return s;
}

/* call: the reply's status code, or -1 for no reply. */
static int
call(nng_socket s, const char *method, const ProtobufCMessage *m,
    char *msg, size_t msgsz)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	uint8_t payload[1024], frame[1200];
	nng_msg *nm;
	int code;

	req.method = (char *)method;
	req.payload.data = payload;
	req.payload.len = protobuf_c_message_pack(m, payload);
	size_t n = vet__v1__rpc_request__pack(&req, frame);
	if (nng_msg_alloc(&nm, 0) != 0)
		return -1;
	nng_msg_append(nm, frame, n);
	if (nng_sendmsg(s, nm, 0) != 0) {
		nng_msg_free(nm);
		return -1;
	}
	if (nng_recvmsg(s, &nm, 0) != 0)
		return -1;
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(nm),
	    nng_msg_body(nm));
	nng_msg_free(nm);
	if (resp == NULL || resp->status == NULL)
		return -1;
	code = resp->status->code;
	if (msg != NULL)
		snprintf(msg, msgsz, "%s", resp->status->message);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	return code;
}

static void *
client(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
	nng_socket s = dial();
	char id[32], name[64], msg[256];

	while (!atomic_load(&stop)) {
		Vet__V1__CheckRequest c = VET__V1__CHECK_REQUEST__INIT;
		Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;
		Vet__V1__GrantClearanceRequest g =
		    VET__V1__GRANT_CLEARANCE_REQUEST__INIT;
		static char *caveats[] = { "UK EYES ONLY" };
		const ProtobufCMessage *m;
		const char *method;

		seed = seed * 1103515245u + 12345u;
		unsigned r = (seed >> 8) % 100;
		snprintf(id, sizeof(id), "s%u", (seed >> 12) % PEOPLE);
		if (r < 90) {
			c.person_id = id;
			c.marking = r % 3 ? "SECRET" : "TOP SECRET";
			c.n_caveats = r % 2;
			c.caveats = caveats;
			m = &c.base;
			method = "/vet.v1.Vetting/Check";
		} else if (r < 95) {
			snprintf(name, sizeof(name), "Soak %u", seed);
			p.id = id;
			p.display_name = name;
			p.nationality = "GB";
			m = &p.base;
			method = "/vet.v1.Vetting/PutPerson";
		} else {
			g.person_id = id;
			g.scheme = "nsv";
			g.level = r % 2 ? "SC" : "DV";
			g.review_due = 4102444800;
			m = &g.base;
			method = "/vet.v1.Vetting/GrantClearance";
		}
		int64_t t0 = now_us();
		int code = call(s, method, m, msg, sizeof(msg));
		record(now_us() - t0);
		atomic_fetch_add(&requests, 1);
		if (r >= 90)
			atomic_fetch_add(&writes, 1);
		if (code != 0) {
			pthread_mutex_lock(&error_mu);
			if (atomic_fetch_add(&errors, 1) == 0)
				snprintf(first_error, sizeof(first_error),
				    "%s: %d %s", method, code, msg);
			pthread_mutex_unlock(&error_mu);
		}
	}
	nng_close(s);
	return NULL;
}

static long
vetd_fds(void)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	long n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)vetd.pid);
	cr_assert_not_null(d = opendir(path));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * vetd_rss_kb: RssAnon, vetd's own memory (heap, stacks, arenas). RssFile
 * is left out of the flatness judgement: it is LMDB's map of data.mdb,
 * which grows with the data (the decision log adds an entry per check)
 * and which the kernel may drop at will; it is printed beside.
 */
static long
vetd_rss_kb(void)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)vetd.pid);
	cr_assert_not_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static long
vetd_rss_file_kb(void)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)vetd.pid);
	cr_assert_not_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "RssFile: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* percentile of the interval's histogram, in ms. */
static double
percentile(const unsigned long *h, unsigned long total, double q)
{
	unsigned long want = (unsigned long)(q * (double)total), seen = 0;

	for (size_t b = 0; b <= LAT_BUCKETS; b++) {
		seen += h[b];
		if (seen > want)
			return (double)(b + 1) / 10.0;
	}
	return (double)LAT_BUCKETS / 10.0;
}

static unsigned
env_unsigned(const char *name, unsigned dflt, unsigned max)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtoul(s, &end, 10);
	cr_assert(*end == '\0' && v > 0 && v <= max, "bad %s", name);
	return (unsigned)v;
}

static void
seed_people(void)
{
	nng_socket s = dial();
	char id[32], msg[256];

	for (int i = 0; i < PEOPLE; i++) {
		Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;
		snprintf(id, sizeof(id), "s%d", i);
		p.id = id;
		p.display_name = "Soak";
		p.nationality = i % 4 ? "GB" : "FR";
		cr_assert_eq(call(s, "/vet.v1.Vetting/PutPerson", &p.base, msg,
		    sizeof(msg)), 0, "%s", msg);
	}
	nng_close(s);
}

Test(soak, mixed_load_with_the_decision_log_on)
{
	unsigned seconds = env_unsigned("SOAK_SECONDS", 10, 86400);
	unsigned threads = env_unsigned("SOAK_THREADS", 16, MAX_THREADS);
	unsigned interval = env_unsigned("SOAK_INTERVAL", 60, 3600);
	static pthread_t tid[MAX_THREADS];
	static unsigned long h[LAT_BUCKETS + 1];
	char path[128];
	long fd_first = 0, rss_first = 0, rss_peak = 0, fd_peak = 0;
	FILE *f;

	if (getenv("SOAK_INTERVAL") == NULL)	/* five intervals at least */
		interval = seconds >= 300 ? 60 : (seconds >= 5 ? seconds / 5 : 1);
	if (interval > seconds)
		interval = seconds;
	snprintf(conf_dir, sizeof(conf_dir), "/tmp/vetd-soak-XXXXXX");
	cr_assert_not_null(mkdtemp(conf_dir));
	snprintf(path, sizeof(path), "%s/vetd.conf", conf_dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "decision_log = all\ncontexts = 64\n");
	fclose(f);
	chmod(path, 0600);
	cr_assert_eq(fixture_start(&vetd, (const char *[]){ "-c", path,
	    NULL }), 0);
	seed_people();

	for (unsigned t = 0; t < threads; t++)
		cr_assert_eq(pthread_create(&tid[t], NULL, client,
		    (void *)(uintptr_t)(t + 1)), 0);
	fprintf(stderr, "soak: %u s, %u threads, decision_log = all\n"
	    "soak: %8s %9s %8s %8s %8s %12s %12s %5s\n", seconds, threads,
	    "t(s)", "requests", "p50(ms)", "p99(ms)", "max(ms)", "anon(KiB)",
	    "file(KiB)", "fds");
	int64_t start = now_us();
	unsigned long done_before = 0;
	for (unsigned elapsed = interval; elapsed <= seconds;
	    elapsed += interval) {
		/* Wait for the end of the interval: the event is the clock. */
		int64_t until = start + (int64_t)elapsed * 1000000;
		while (now_us() < until) {
			struct timespec ts = { 0, 50 * 1000000 };
			nanosleep(&ts, NULL);
			long m = vetd_rss_kb();
			rss_peak = m > rss_peak ? m : rss_peak;
		}
		unsigned long total = 0;
		for (size_t b = 0; b <= LAT_BUCKETS; b++) {
			h[b] = atomic_exchange(&hist[b], 0);
			total += h[b];
		}
		long mx = atomic_exchange(&lat_max_us, 0);
		long rss = vetd_rss_kb(), fds = vetd_fds();
		fd_peak = fds > fd_peak ? fds : fd_peak;
		if (elapsed == interval) {
			fd_first = fds;
			rss_first = rss;
		}
		fprintf(stderr, "soak: %8u %9lu %8.1f %8.1f %8.1f %12ld %12ld "
		    "%5ld\n", elapsed, total, percentile(h, total, 0.5),
		    percentile(h, total, 0.99), (double)mx / 1000.0, rss,
		    vetd_rss_file_kb(), fds);
		done_before += total;
	}
	atomic_store(&stop, 1);
	for (unsigned t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	fprintf(stderr, "soak: %lu requests (%lu writes), %lu errors; RssAnon "
	    "after the first interval %ld KiB, peak %ld KiB; fds %ld, peak "
	    "%ld\n", atomic_load(&requests), atomic_load(&writes),
	    atomic_load(&errors), rss_first, rss_peak, fd_first, fd_peak);
	cr_assert_eq(atomic_load(&errors), 0, "%lu error replies; the first: "
	    "%s", atomic_load(&errors), first_error);
	cr_assert_gt(atomic_load(&requests), 1000);
	cr_assert_leq(fd_peak, fd_first + 2, "fds grew from %ld to %ld",
	    fd_first, fd_peak);
	cr_assert_lt(rss_peak - rss_first, 16 * 1024, "RssAnon grew from %ld to "
	    "%ld KiB", rss_first, rss_peak);

	/* The decision log kept up and the chain is whole. */
	nng_socket s = dial();
	nng_msg *nm;
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	Vet__V1__VerifyAuditResponse *a;
	uint8_t frame[128];
	req.method = "/vet.v1.Vetting/VerifyAudit";
	size_t n = vet__v1__rpc_request__pack(&req, frame);
	cr_assert_eq(nng_msg_alloc(&nm, 0), 0);
	nng_msg_append(nm, frame, n);
	cr_assert_eq(nng_sendmsg(s, nm, 0), 0);
	cr_assert_eq(nng_recvmsg(s, &nm, 0), 0);
	cr_assert_not_null(resp = vet__v1__rpc_response__unpack(NULL,
	    nng_msg_len(nm), nng_msg_body(nm)));
	nng_msg_free(nm);
	cr_assert_eq(resp->status->code, 0, "%s", resp->status->message);
	cr_assert_not_null(a = vet__v1__verify_audit_response__unpack(NULL,
	    resp->payload.len, resp->payload.data));
	cr_assert(a->ok, "audit chain broken at %llu: %s",
	    (unsigned long long)a->first_bad_seq, a->problem);
	fprintf(stderr, "soak: audit chain of %llu entries verified\n",
	    (unsigned long long)a->verified);
	vet__v1__verify_audit_response__free_unpacked(a, NULL);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	nng_close(s);
	cr_assert_eq(fixture_stop(&vetd), 0);
}
