/*
 * test_transport.c: libvet's direct transport (client/libvet_direct.c,
 * docs/TRANSPORT.md) against real vetd processes and against a scripted
 * SP server (sp_fake.c): round trips over ipc:// (the caller known by its
 * uid, as with nng) and tcp:// (with a token); vetd killed while a call
 * waits for its answer, then restarted under the same client; a vetd that
 * is down; a reply over the size cap and one exactly at it; a server that
 * never answers; a request never sent twice; many threads on one client;
 * and VET_TRANSPORT=nng still going through nng.
 *
 * Which transport carried a call is seen from the kernel: a caller
 * waiting for an answer over the direct transport is blocked in poll() on
 * its own socket; through nng it waits on a futex for nng's threads
 * (/proc/self/task/TID/syscall).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vet/vet.h>

#include "auth_fixture.h"
#include "proc_watch.h"
#include "sp_fake.h"

#define REPLY_CAP	(16 * 1024 * 1024)	/* docs/TRANSPORT.md */
#define THREADS		16
#define CALLS		150

static struct vetd_proc vetd;
static vet_client *client;
static struct sp_fake fake;	/* static: teardown may stop it */
static char admin[TOKEN_SIZE];

static void
setup(void)
{
	/* A send to a closed peer must be EPIPE, not a signal. */
	signal(SIGPIPE, SIG_DFL);
}

static void
teardown(void)
{
	vet_client_close(&client);
	sp_fake_cleanup();
	fixture_cleanup(&vetd);
}

TestSuite(transport_direct, .init = setup, .fini = teardown, .timeout = 120);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
tick(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static vet_client *
open_client(const char *url, const char *token, int timeout_ms)
{
	vet_options o = { .timeout_ms = timeout_ms, .token = token };
	vet_client *c = NULL;
	vet_status st;

	cr_assert_eq(vet_client_open(&c, url, &o, &st), VET_OK, "%s: %s", url,
	    st.message);
	return c;
}

static void
put_cleared(vet_client *c, const char *id, int clear)
{
	vet_person_spec spec = { .id = id, .display_name = "Test Person",
	    .email = "t@example.org", .org_unit = "Ops", .nationality = "GB" };
	vet_grant_spec g = { .person_id = id, .scheme = "nsv", .level = "SC",
	    .review_due = (int64_t)time(NULL) + 3650 * 86400,
	    .authority = "UKSV", .reference = "REF-1" };
	vet_status st;

	cr_assert_eq(vet_person_put(c, &spec, NULL, &st), VET_OK, "%s",
	    st.message);
	if (clear)
		cr_assert_eq(vet_clearance_grant(c, &g, NULL, &st), VET_OK,
		    "%s", st.message);
}

static int
check(vet_client *c, const char *id, vet_decision *d, vet_status *st)
{
	vet_check_request req = { .person_id = id, .marking = "SECRET" };

	return vet_check(c, &req, d, st);
}

static void
expect_allow(vet_client *c, const char *id)
{
	vet_decision d;
	vet_status st;

	cr_assert_eq(check(c, id, &d, &st), VET_OK, "%s", st.message);
	cr_assert_eq(d.effect, VET_ALLOW, "%s: %s", id, d.explanation);
}

static void
expect_no_answer(const vet_decision *d)
{
	cr_assert_eq(d->effect, VET_DENY);
	cr_assert_str_eq(d->reason_name, "NO_ANSWER");
}

/* start_tcp starts vetd on its socket and on loopback tcp (url), with a
 * first admin token; extra keeps the arguments for a restart. Returns the
 * port. */
static int
start_tcp(char *url, size_t urlsz, const char **extra, char *listen_arg,
    size_t lasz)
{
	int port = fixture_free_port();

	cr_assert_gt(port, 0);
	snprintf(listen_arg, lasz, "tcp://127.0.0.1:%d", port);
	snprintf(url, urlsz, "tcp://127.0.0.1:%d", port);
	extra[0] = "--listen";
	extra[1] = listen_arg;
	extra[2] = NULL;
	ta_start(&vetd, NULL, "transport", admin, extra);
	return port;
}

Test(transport_direct, ipc_round_trip_knows_the_caller_by_uid)
{
	vet_health_info h;
	vet_status st;

	cr_assert_eq(fixture_start(&vetd, NULL), 0);
	client = open_client(vetd.url, NULL, 0);
	/* No token: the socket's peer uid (SO_PEERCRED in nng's REP) is
	 * vetd's own, an admin, exactly as for an nng client. */
	cr_assert_eq(vet_health(client, &h, &st), VET_OK, "%s", st.message);
	cr_assert_str_eq(h.status, "SERVING");
	put_cleared(client, "alice", 1);
	expect_allow(client, "alice");
}

Test(transport_direct, tcp_round_trip_with_a_token)
{
	const char *extra[3];
	char url[64], listen_arg[64];
	vet_client *anon;
	vet_health_info h;
	vet_status st;

	start_tcp(url, sizeof(url), extra, listen_arg, sizeof(listen_arg));
	client = open_client(url, admin, 0);
	put_cleared(client, "bob", 1);
	expect_allow(client, "bob");
	/* No token over tcp: vetd answers, and refuses. */
	anon = open_client(url, NULL, 0);
	cr_assert_eq(vet_health(anon, &h, &st), VET_UNAUTHENTICATED, "%s",
	    st.message);
	vet_client_close(&anon);
}

Test(transport_direct, bad_urls_and_settings_are_refused)
{
	static const char *bad[] = { "tcp://127.0.0.1", "tcp://:5555",
	    "tcp://127.0.0.1:0", "tcp://127.0.0.1:65536", "tcp://h:12x",
	    "tcp://[::1]5555", "ipc://", NULL };
	vet_client *c = NULL;
	vet_status st;

	for (int i = 0; bad[i] != NULL; i++) {
		cr_assert_eq(vet_client_open(&c, bad[i], NULL, &st),
		    VET_INVALID_ARGUMENT, "%s: %s", bad[i], st.message);
		cr_assert_null(c);
	}
	/* Nothing listening: at once, not after the timeout. */
	int64_t t0 = now_ms();
	cr_assert_eq(vet_client_open(&c, "ipc:///tmp/vet-none/x.sock", NULL,
	    &st), VET_UNAVAILABLE);
	cr_assert(strstr(st.message, "cannot reach vetd at ") != NULL, "%s",
	    st.message);
	cr_assert_lt(now_ms() - t0, 2000);
	setenv("VET_TRANSPORT", "carrier-pigeon", 1);
	cr_assert_eq(vet_client_open(&c, "ipc:///tmp/vet-none/x.sock", NULL,
	    &st), VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "VET_TRANSPORT=carrier-pigeon: want "
	    "direct or nng");
}

struct pending_check {
	vet_client	*c;
	const char	*id;
	vet_decision	 d;
	vet_status	 st;
	int		 code;
	int64_t		 done_ms;
};

static void *
check_thread(void *arg)
{
	struct pending_check *p = arg;

	p->code = check(p->c, p->id, &p->d, &p->st);
	p->done_ms = now_ms();
	return NULL;
}

/*
 * vetd is stopped with the Check in its socket, then killed: the caller
 * learns at once that the connection was lost (and that the request may
 * have been done), gets a fail-closed DENY, and the same client works as
 * soon as vetd is back.
 */
Test(transport_direct, vetd_killed_mid_call_then_restarted)
{
	const char *extra[3];
	char url[64], listen_arg[64];
	struct pending_check p = { 0 };
	pthread_t t;
	int64_t deadline, killed;
	int port;

	port = start_tcp(url, sizeof(url), extra, listen_arg,
	    sizeof(listen_arg));
	client = open_client(url, admin, 20000);
	put_cleared(client, "carol", 1);
	expect_allow(client, "carol");

	/* Stopped for sure before the Check goes, so it cannot be read. */
	cr_assert_eq(kill(vetd.pid, SIGSTOP), 0);
	deadline = now_ms() + 5000;
	while (!proc_all_stopped(vetd.pid)) {
		cr_assert_lt(now_ms(), deadline, "vetd did not stop");
		tick();
	}
	p.c = client;
	p.id = "carol";
	cr_assert_eq(pthread_create(&t, NULL, check_thread, &p), 0);
	deadline = now_ms() + 5000;
	while (!proc_tcp_unread(port)) {
		cr_assert_lt(now_ms(), deadline, "the Check never reached "
		    "vetd's socket");
		tick();
	}
	killed = now_ms();
	fixture_kill(&vetd);
	pthread_join(t, NULL);
	cr_assert_eq(p.code, VET_UNAVAILABLE, "%d: %s", p.code, p.st.message);
	cr_assert(strstr(p.st.message, "was lost before the answer came; the "
	    "request may have been done") != NULL, "%s", p.st.message);
	expect_no_answer(&p.d);
	cr_assert_lt(p.done_ms - killed, 5000, "the loss took %lld ms to see",
	    (long long)(p.done_ms - killed));

	cr_assert_eq(fixture_restart(&vetd, extra), 0);
	expect_allow(client, "carol");
	/* Restarted under an idle pooled connection: found closed before
	 * the request goes, so the call does not fail. */
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, extra), 0);
	expect_allow(client, "carol");
}

/* A vetd that is down: UNAVAILABLE within the timeout, and a DENY; a
 * call made while it restarts waits for it, as nng's redial did. */
Test(transport_direct, vetd_down_then_back)
{
	struct pending_check p = { 0 };
	vet_decision d;
	vet_status st;
	pthread_t t;
	int64_t t0;

	cr_assert_eq(fixture_start(&vetd, NULL), 0);
	client = open_client(vetd.url, NULL, 300);
	put_cleared(client, "dave", 1);
	expect_allow(client, "dave");
	/* SIGTERM: the pooled connection is closed under the client. */
	cr_assert_eq(fixture_stop(&vetd), 0);
	t0 = now_ms();
	cr_assert_eq(check(client, "dave", &d, &st), VET_UNAVAILABLE, "%s",
	    st.message);
	cr_assert(strstr(st.message, "not connected within 300 ms (the "
	    "request was not sent)") != NULL, "%s", st.message);
	expect_no_answer(&d);
	cr_assert_geq(now_ms() - t0, 200);
	cr_assert_lt(now_ms() - t0, 3000);

	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	vet_client_close(&client);
	client = open_client(vetd.url, NULL, 30000);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	/* Its pooled connection was stale: replaced before the send. */
	expect_allow(client, "dave");
	cr_assert_eq(fixture_stop(&vetd), 0);
	p.c = client;
	p.id = "dave";
	cr_assert_eq(pthread_create(&t, NULL, check_thread, &p), 0);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	pthread_join(t, NULL);
	cr_assert_eq(p.code, VET_OK, "%s", p.st.message);
	cr_assert_eq(p.d.effect, VET_ALLOW);
}

static void
huge_reply(int ipc)
{
	vet_decision d;
	vet_status st;
	int64_t t0;

	/* One byte over: refused from the header, the body never read. */
	sp_fake_start(&fake, SP_FAKE_HUGE_HEADER, ipc, REPLY_CAP + 1);
	client = open_client(fake.url, NULL, 10000);
	t0 = now_ms();
	cr_assert_eq(check(client, "erin", &d, &st), VET_RESOURCE_EXHAUSTED,
	    "%s", st.message);
	cr_assert_str_eq(st.message, "vetd's answer of 16777217 bytes is over "
	    "libvet's limit of 16777216 bytes; the request may have been "
	    "done");
	expect_no_answer(&d);
	cr_assert_lt(now_ms() - t0, 5000);
	vet_client_close(&client);
	sp_fake_stop(&fake);
	cr_assert_eq(fake.requests, 1);

	/* Exactly at the cap: read whole, decoded. */
	sp_fake_start(&fake, SP_FAKE_ANSWER, ipc, REPLY_CAP);
	client = open_client(fake.url, NULL, 20000);
	vet_health_info h;
	cr_assert_eq(vet_health(client, &h, &st), VET_OK, "%s", st.message);
	cr_assert_eq(strspn(st.message, "x"), sizeof(st.message) - 1);
	vet_client_close(&client);
	sp_fake_stop(&fake);
}

Test(transport_direct, reply_over_the_cap_is_refused_ipc)
{
	huge_reply(1);
}

Test(transport_direct, reply_over_the_cap_is_refused_tcp)
{
	huge_reply(0);
}

static void
silent_server(int ipc)
{
	vet_decision d;
	vet_status st;
	vet_client *c = NULL;
	vet_options o = { .timeout_ms = 400 };
	int64_t t0;

	/* Handshake done, request read, nothing more. */
	sp_fake_start(&fake, SP_FAKE_NO_REPLY, ipc, 0);
	client = open_client(fake.url, NULL, 400);
	t0 = now_ms();
	cr_assert_eq(check(client, "frank", &d, &st), VET_DEADLINE_EXCEEDED,
	    "%s", st.message);
	cr_assert_str_eq(st.message, "no answer from vetd within 400 ms");
	expect_no_answer(&d);
	cr_assert_geq(now_ms() - t0, 350);
	cr_assert_lt(now_ms() - t0, 3000);
	vet_client_close(&client);
	sp_fake_stop(&fake);
	cr_assert_eq(fake.requests, 1);

	/* Accepted, and not even the SP header back. */
	sp_fake_start(&fake, SP_FAKE_SILENT, ipc, 0);
	t0 = now_ms();
	cr_assert_eq(vet_client_open(&c, fake.url, &o, &st), VET_UNAVAILABLE);
	cr_assert(strstr(st.message, "no SP handshake within 400 ms") !=
	    NULL, "%s", st.message);
	cr_assert_null(c);
	cr_assert_lt(now_ms() - t0, 3000);
	sp_fake_stop(&fake);
	cr_assert_eq(fake.requests, 0);
}

Test(transport_direct, silent_server_deadline_ipc)
{
	silent_server(1);
}

Test(transport_direct, silent_server_deadline_tcp)
{
	silent_server(0);
}

/*
 * A server that reads a write and hangs up: UNAVAILABLE, and the write
 * went out once, never again on a new connection.
 */
Test(transport_direct, a_lost_write_is_not_resent)
{
	vet_person_spec spec = { .id = "gina", .display_name = "G" };
	vet_status st;

	sp_fake_start(&fake, SP_FAKE_HANG_UP, 1, 0);
	client = open_client(fake.url, NULL, 2000);
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st),
	    VET_UNAVAILABLE, "%s", st.message);
	cr_assert(strstr(st.message, "may have been done") != NULL, "%s",
	    st.message);
	vet_client_close(&client);
	sp_fake_stop(&fake);
	cr_assert_eq(fake.requests, 1, "the write was sent %d times",
	    atomic_load(&fake.requests));
	cr_assert_eq(fake.accepted, 1);
}

struct waiter {
	vet_client	*c;
	atomic_int	 tid;
	int		 code;
	vet_status	 st;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;
	vet_decision d;

	atomic_store(&w->tid, (int)syscall(SYS_gettid));
	w->code = check(w->c, "ivan", &d, &w->st);
	return NULL;
}

/*
 * waits_in has a thread call a server that reads the request and never
 * answers, and asserts that while it waits the caller's thread is
 * blocked in want (poll: the direct transport; futex: nng's hand-off).
 * Then the server goes, and the call ends UNAVAILABLE.
 */
static void
waits_in(int ipc, long want)
{
	struct waiter w = { 0 };
	pthread_t t;
	int64_t deadline;
	long nr = -1;

	sp_fake_start(&fake, SP_FAKE_NO_REPLY, ipc, 0);
	w.c = open_client(fake.url, NULL, 20000);
	cr_assert_eq(pthread_create(&t, NULL, waiter_main, &w), 0);
	deadline = now_ms() + 10000;
	while (atomic_load(&fake.requests) == 0 || atomic_load(&w.tid) == 0 ||
	    ((nr = proc_blocked_in(atomic_load(&w.tid))) != want &&
	    !(want == SYS_poll && nr == SYS_ppoll))) {
		cr_assert_lt(now_ms(), deadline, "%s: the caller waits in "
		    "system call %ld, not %ld", fake.url, nr, want);
		tick();
	}
	sp_fake_stop(&fake);
	pthread_join(t, NULL);
	cr_assert_eq(w.code, VET_UNAVAILABLE, "%s", w.st.message);
	vet_client_close(&w.c);
}

Test(transport_direct, the_caller_waits_in_its_own_poll)
{
	waits_in(1, SYS_poll);
	waits_in(0, SYS_poll);
}

struct hammer {
	vet_client	*c;
	int		 index;
	int		 failures;
	char		 why[560];
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	char allow[16], deny[16];
	vet_decision d;
	vet_status st;

	snprintf(allow, sizeof(allow), "ok%02d", h->index);
	snprintf(deny, sizeof(deny), "no%02d", h->index);
	for (int i = 0; i < CALLS; i++) {
		const char *id = i % 2 ? deny : allow;
		int want = i % 2 ? VET_DENY : VET_ALLOW;
		if (check(h->c, id, &d, &st) != VET_OK || d.effect !=
		    (vet_effect)want) {
			h->failures++;
			snprintf(h->why, sizeof(h->why), "%s: %.300s %.200s",
			    id, st.message, d.explanation);
		}
	}
	return NULL;
}

/* 16 threads on one client, each checking its own two people, so that a
 * reply delivered to the wrong caller would show as a wrong effect. */
Test(transport_direct, many_threads_share_one_client)
{
	struct hammer h[THREADS];
	pthread_t t[THREADS];
	char id[16];

	cr_assert_eq(fixture_start(&vetd, NULL), 0);
	client = open_client(vetd.url, NULL, 20000);
	for (int i = 0; i < THREADS; i++) {
		snprintf(id, sizeof(id), "ok%02d", i);
		put_cleared(client, id, 1);
		snprintf(id, sizeof(id), "no%02d", i);
		put_cleared(client, id, 0);
	}
	for (int i = 0; i < THREADS; i++) {
		h[i] = (struct hammer){ .c = client, .index = i };
		cr_assert_eq(pthread_create(&t[i], NULL, hammer_main, &h[i]),
		    0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(h[i].failures, 0, "thread %d: %d failures (%s)", i,
		    h[i].failures, h[i].why);
}

/* VET_TRANSPORT=nng: the same calls, through nng's REQ socket. */
Test(transport_direct, vet_transport_nng_still_works)
{
	const char *extra[3];
	char url[64], listen_arg[64];
	vet_client *ipc;

	setenv("VET_TRANSPORT", "nng", 1);
	start_tcp(url, sizeof(url), extra, listen_arg, sizeof(listen_arg));
	client = open_client(url, admin, 0);
	put_cleared(client, "hugo", 1);
	expect_allow(client, "hugo");
	ipc = open_client(vetd.url, NULL, 0);
	expect_allow(ipc, "hugo");
	vet_client_close(&ipc);
	waits_in(1, SYS_futex);
	waits_in(0, SYS_futex);
}
