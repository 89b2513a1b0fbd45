/*
 * test_register_faults.c: vetctl import clearances when things go wrong
 * between or during its two passes, against a stand-in for vetd (an nng
 * REP socket in this process that answers ImportClearances as each test
 * decides): vetd going away (every batch sent again, then a server
 * error), vetd failing or refusing a batch in the middle of writing (the
 * rows before it written, the message says where to start again), and
 * the file changing after it was checked, noticed either by its size and
 * time or, when those were put back, by the rows of the batch about to be
 * written: never is a row written that the first pass did not check.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

#define HEADER	"id,name,email,org unit,nationality,scheme,level,granted," \
		"review due,authority,reference\n"

static char dir[256], url[320], path[320];
static char out[65536], err[65536];

struct fake;
/* decide fills the answer to one ImportClearances; 0 or a status code. */
typedef int decide_fn(struct fake *f, const Vet__V1__ImportClearancesRequest *,
    Vet__V1__ImportClearancesResponse *, Vet__V1__RowError *);

struct fake {
	nng_socket sock;
	pthread_t thread;
	decide_fn *decide;
	int	 checks;		/* validate_only requests */
	int	 writes;		/* write requests */
	int	 modified;
};

static void *
fake_serve(void *arg)
{
	struct fake *f = arg;
	nng_msg *msg;

	while (nng_recvmsg(f->sock, &msg, 0) == 0) {
		Vet__V1__RpcRequest *req = vet__v1__rpc_request__unpack(NULL,
		    nng_msg_len(msg), nng_msg_body(msg));
		Vet__V1__ImportClearancesRequest *in = NULL;
		Vet__V1__ImportClearancesResponse r =
		    VET__V1__IMPORT_CLEARANCES_RESPONSE__INIT;
		Vet__V1__RowError e = VET__V1__ROW_ERROR__INIT, *ep = &e;
		Vet__V1__RpcResponse resp = VET__V1__RPC_RESPONSE__INIT;
		Vet__V1__Status status = VET__V1__STATUS__INIT;
		static uint8_t payload[4096], buf[8192];

		nng_msg_free(msg);
		if (req == NULL)
			continue;
		if (strcmp(req->method, "/vet.v1.Vetting/ImportClearances") == 0)
			in = vet__v1__import_clearances_request__unpack(NULL,
			    req->payload.len, req->payload.data);
		if (in == NULL) {
			status.code = 12;
			status.message = "only ImportClearances here";
		} else {
			if (in->validate_only)
				f->checks++;
			else
				f->writes++;
			status.code = f->decide(f, in, &r, &e);
			status.message = status.code == 0 ? "" :
			    status.code == 14 ? "vetd is shutting down; retry "
			    "shortly" : "1 of 1000 rows are bad; nothing was "
			    "written";
			if (e.message != NULL) {
				r.n_errors = 1;
				r.errors = &ep;
			}
			resp.payload.len = vet__v1__import_clearances_response__pack(
			    &r, payload);
			resp.payload.data = payload;
			vet__v1__import_clearances_request__free_unpacked(in,
			    NULL);
		}
		resp.request_id = req->request_id;
		resp.status = &status;
		size_t n = vet__v1__rpc_response__pack(&resp, buf);
		vet__v1__rpc_request__free_unpacked(req, NULL);
		if (nng_send(f->sock, buf, n, 0) != 0)
			break;
	}
	return NULL;
}

static void
fake_start(struct fake *f, decide_fn *decide)
{
	f->decide = decide;
	cr_assert_eq(nng_rep0_open(&f->sock), 0);
	cr_assert_eq(nng_listen(f->sock, url, NULL, 0), 0, "%s", url);
	cr_assert_eq(pthread_create(&f->thread, NULL, fake_serve, f), 0);
}

static void
fake_stop(struct fake *f)
{
	nng_close(f->sock);
	pthread_join(f->thread, NULL);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vetd-regfault-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "ipc://%s/fake.sock", dir);
	snprintf(path, sizeof(path), "%s/register.csv", dir);
}

static void
teardown(void)
{
	char sock[400];

	unlink(path);
	snprintf(sock, sizeof(sock), "%s/fake.sock", dir);
	unlink(sock);
	rmdir(dir);
}

TestSuite(register_faults, .init = setup, .fini = teardown, .timeout = 60);

/* write_rows writes n rows, row i (on line i + 2) for person E<i>. */
static void
write_rows(int n)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(HEADER, f);
	for (int i = 0; i < n; i++)
		fprintf(f, "E%06d,Person %d,,,,nsv,SC,2020-01-01,2030-01-01,,\n",
		    i, i);
	cr_assert_eq(fclose(f), 0);
}

static int
import(void)
{
	const char *argv[] = { test_bin("VETCTL_BIN"), "-s", url, "import",
	    "clearances", path, NULL };

	return run_cmd(argv, out, sizeof(out), err, sizeof(err));
}

static void
starts_with(const char *text, const char *want)
{
	cr_assert(strncmp(text, want, strlen(want)) == 0, "got:\n%s\nwant:\n%s",
	    text, want);
}

/* Every batch of pass 1 is fine; so is pass 2's. */
static int
all_good(struct fake *f, const Vet__V1__ImportClearancesRequest *in,
    Vet__V1__ImportClearancesResponse *r, Vet__V1__RowError *e)
{
	(void)f;
	(void)e;
	r->created = (uint32_t)in->n_rows;
	return 0;
}

static int
always_away(struct fake *f, const Vet__V1__ImportClearancesRequest *in,
    Vet__V1__ImportClearancesResponse *r, Vet__V1__RowError *e)
{
	(void)f;
	(void)in;
	(void)r;
	(void)e;
	return 14;
}

Test(register_faults, vetd_away_every_batch_sent_again_then_error)
{
	struct fake f = { 0 };

	write_rows(3);
	fake_start(&f, always_away);
	cr_assert_eq(import(), 3, "%s", err);
	fake_stop(&f);
	cr_assert_eq(f.checks, 5, "sent once and again 4 times");
	cr_assert_eq(f.writes, 0);
	starts_with(err, "vetctl: no answer for the rows from line 2 (vetd is "
	    "shutting down; retry shortly); sending them again\n");
	cr_assert(strstr(err, "\nvetctl: UNAVAILABLE: vetd is shutting down; "
	    "retry shortly\n") != NULL, "%s", err);
}

/* Writing: the first batch goes in, the rest find vetd going away. */
static int
away_after_first_write(struct fake *f, const Vet__V1__ImportClearancesRequest *in,
    Vet__V1__ImportClearancesResponse *r, Vet__V1__RowError *e)
{
	if (in->validate_only || strcmp(in->rows[0]->person_id,
	    "E000000") == 0)
		return all_good(f, in, r, e);
	return 14;
}

Test(register_faults, vetd_gone_while_writing_says_where_to_resume)
{
	struct fake f = { 0 };

	write_rows(3000);
	fake_start(&f, away_after_first_write);
	cr_assert_eq(import(), 3, "%s", err);
	fake_stop(&f);
	cr_assert_eq(f.checks, 3);
	cr_assert(strstr(err, "vetctl: UNAVAILABLE: vetd is shutting down; "
	    "retry shortly\nvetctl: the rows from line 1002 on were not all "
	    "written; the 1000 rows before them were: run the same command "
	    "again to finish\n") != NULL, "%s", err);
	cr_assert_eq(strstr(strstr(err, "not all written") + 1,
	    "not all written"), NULL, "said once");
}

/* Writing: vetd refuses a row it accepted in pass 1 (it changed since). */
static int
refuse_second_write(struct fake *f, const Vet__V1__ImportClearancesRequest *in,
    Vet__V1__ImportClearancesResponse *r, Vet__V1__RowError *e)
{
	if (in->validate_only || strcmp(in->rows[0]->person_id,
	    "E001000") != 0)
		return all_good(f, in, r, e);
	e->index = 5;
	e->message = "person E001005 is a leaver: the register cannot give "
	    "them a clearance";
	return 3;
}

Test(register_faults, refused_while_writing_reports_the_row)
{
	struct fake f = { 0 };

	write_rows(3000);
	fake_start(&f, refuse_second_write);
	cr_assert_eq(import(), 2, "%s", err);
	fake_stop(&f);
	starts_with(err, "line 1007: person E001005 is a leaver: the register "
	    "cannot give them a clearance\n"
	    "vetctl: vetd refused the rows from line 1002 although it had "
	    "accepted them: it has changed since (above)\n"
	    "vetctl: the rows from line 1002 on were not all written; the 1000 "
	    "rows before them were: run the same command again to finish\n");
}

/* vetd already holds every row of the first batch, none of the second. */
static int
first_batch_held(struct fake *f, const Vet__V1__ImportClearancesRequest *in,
    Vet__V1__ImportClearancesResponse *r, Vet__V1__RowError *e)
{
	(void)f;
	(void)e;
	if (strcmp(in->rows[0]->person_id, "E000000") == 0)
		r->unchanged = (uint32_t)in->n_rows;
	else
		r->created = (uint32_t)in->n_rows;
	return 0;
}

/* A batch vetd found it already held when checking is not sent again. */
Test(register_faults, batches_vetd_holds_are_not_sent_again)
{
	struct fake f = { 0 };

	write_rows(1500);
	fake_start(&f, first_batch_held);
	cr_assert_eq(import(), 0, "%s", err);
	fake_stop(&f);
	cr_assert_eq(f.checks, 2);
	cr_assert_eq(f.writes, 1, "only the batch that changes something");
	cr_assert(strstr(out, ": 500 created, 0 updated, 1000 unchanged") !=
	    NULL, "%s", out);
}

/* The file changes after pass 1: its size and time give it away. */
static int
touch_on_last_check(struct fake *f, const Vet__V1__ImportClearancesRequest *in,
    Vet__V1__ImportClearancesResponse *r, Vet__V1__RowError *e)
{
	if (in->validate_only && in->n_rows < 1000) {
		FILE *fp = fopen(path, "a");

		fputs("E999999,Late Row,,,,nsv,SC,2020-01-01,2030-01-01,,\n",
		    fp);
		fclose(fp);
		f->modified = 1;
	}
	return all_good(f, in, r, e);
}

Test(register_faults, file_changed_after_check_nothing_written)
{
	struct fake f = { 0 };

	write_rows(1500);
	fake_start(&f, touch_on_last_check);
	cr_assert_eq(import(), 2, "%s", err);
	fake_stop(&f);
	cr_assert(f.modified);
	cr_assert_eq(f.writes, 0);
	starts_with(err, "vetctl: ");
	cr_assert(strstr(err, "register.csv changed while it was checked; "
	    "nothing was imported\n") != NULL, "%s", err);
}

/*
 * The file changes while pass 2 writes, and its time is put back: the
 * batch holding the changed row no longer matches what pass 1 checked
 * and is not sent. vetctl reads at most 17 batches (and a 64 KiB chunk)
 * ahead of the first answer, so line 25000 is changed before it is
 * read.
 */
static int
change_quietly_on_first_write(struct fake *f,
    const Vet__V1__ImportClearancesRequest *in,
    Vet__V1__ImportClearancesResponse *r, Vet__V1__RowError *e)
{
	if (!in->validate_only && !f->modified) {
		struct stat sb;
		struct timespec times[2];
		char row[128];
		int fd = open(path, O_WRONLY);
		long at = (long)strlen(HEADER);

		cr_assert_eq(fstat(fd, &sb), 0);
		/* Rows of E000000..E024997 before line 25000 (E024998). */
		for (int i = 0; i < 24998; i++)
			at += snprintf(row, sizeof(row), "E%06d,Person %d,,,,nsv,"
			    "SC,2020-01-01,2030-01-01,,\n", i, i);
		snprintf(row, sizeof(row), "E%06d,Person %d,,,,nsv,DV", 24998,
		    24998);
		cr_assert_eq(pwrite(fd, row, strlen(row), at),
		    (ssize_t)strlen(row));
		times[0] = sb.st_atim;
		times[1] = sb.st_mtim;
		cr_assert_eq(futimens(fd, times), 0);
		close(fd);
		f->modified = 1;
	}
	return all_good(f, in, r, e);
}

Test(register_faults, file_changed_while_writing_stops_before_it)
{
	struct fake f = { 0 };
	char want[512];

	write_rows(30000);
	fake_start(&f, change_quietly_on_first_write);
	cr_assert_eq(import(), 2, "%s", err);
	fake_stop(&f);
	cr_assert(f.modified);
	cr_assert_eq(f.checks, 30);
	cr_assert_eq(f.writes, 24, "batches 1 to 24 only");
	snprintf(want, sizeof(want), "vetctl: %s changed since it was checked "
	    "(at line 24002); stopped: the 24000 rows before that line were "
	    "written\n", path);
	cr_assert_str_eq(err, want);
}
