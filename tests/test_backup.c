/*
 * test_backup.c: hot backup (vetctl backup, vet_backup) and vetd
 * --restore against real vetd processes and real LMDB files. A backup is
 * taken while a writer thread keeps writing; the restored store must
 * hold exactly the writes acknowledged at or below the manifest's
 * revision, and its audit chain must verify. Every refusal of Backup
 * and of --restore is checked with its exact status or message, and a
 * refused restore must leave the data directory as it was.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <lmdb.h>
#include <mbedtls/sha256.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"

#define LOAD_MAX	4000		/* writes the load thread may make */
#define WAIT_MS		20000

static struct vetd_proc vetd;
static vet_client *client;

static void
setup(void)
{
	vet_options opts = { .timeout_ms = 60000 };
	vet_status st;

	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&client, vetd.url, &opts, &st), VET_OK,
	    "%s", st.message);
}

static void
teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

TestSuite(backup, .init = setup, .fini = teardown, .timeout = 120);

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
put(vet_client *c, const char *id)
{
	vet_person_spec spec = { .id = id, .display_name = "Backup Test",
	    .nationality = "GB" };
	vet_status st;

	cr_assert_eq(vet_person_put(c, &spec, NULL, &st), VET_OK, "%s",
	    st.message);
}

static void
backup_ok(const char *dir, vet_backup_info *b)
{
	vet_status st;

	cr_assert_eq(vet_backup(client, dir, b, &st), VET_OK, "%s: %s",
	    vet_status_name(st.code), st.message);
}

static void
backup_fails(const char *dir, int code, const char *words)
{
	vet_backup_info b;
	vet_status st;

	cr_assert_eq(vet_backup(client, dir, &b, &st), code,
	    "backup to %s: %s %s", dir, vet_status_name(st.code), st.message);
	cr_assert(strstr(st.message, words) != NULL, "message \"%s\" lacks "
	    "\"%s\"", st.message, words);
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	cr_assert_eq(stat(path, &sb), 0, "stat %s", path);
	return sb.st_mode & 07777;
}

/* run_restore runs vetd --restore; returns its exit status. */
static int
run_restore(const char *backup, const char *data, char *err, size_t errsz)
{
	const char *argv[] = { test_bin("VETD_BIN"), "--restore", backup,
	    "--data-dir", data, NULL };
	char out[4096];

	return run_cmd(argv, out, sizeof(out), err, errsz);
}

static void
file_sha256(const char *path, uint8_t out[32], long *size)
{
	FILE *f = fopen(path, "rb");
	mbedtls_sha256_context ctx;
	uint8_t buf[65536];
	size_t n;

	cr_assert_not_null(f, "open %s", path);
	*size = 0;
	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		mbedtls_sha256_update_ret(&ctx, buf, n);
		*size += (long)n;
	}
	mbedtls_sha256_finish_ret(&ctx, out);
	mbedtls_sha256_free(&ctx);
	fclose(f);
}

static void
hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* manifest_set rewrites one field of dir/MANIFEST.json. */
static void
manifest_set(const char *dir, const char *key, json_t *value)
{
	char path[512];
	json_error_t jerr;
	json_t *o;

	snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
	o = json_load_file(path, 0, &jerr);
	cr_assert_not_null(o, "%s: %s", path, jerr.text);
	cr_assert_eq(json_object_set_new(o, key, value), 0);
	cr_assert_eq(json_dump_file(o, path, JSON_INDENT(2)), 0);
	json_decref(o);
}

/* manifest_fix_checksum makes the manifest describe data.mdb as it is. */
static void
manifest_fix_checksum(const char *dir)
{
	char path[600], sha_hex[65];
	uint8_t sha[32];
	long size;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	file_sha256(path, sha, &size);
	hex(sha, 32, sha_hex);
	manifest_set(dir, "sha256", json_string(sha_hex));
	manifest_set(dir, "size", json_integer(size));
}

static json_int_t
manifest_int(const char *dir, const char *key)
{
	char path[512];
	json_error_t jerr;
	json_int_t v;
	json_t *o;

	snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
	o = json_load_file(path, 0, &jerr);
	cr_assert_not_null(o, "%s: %s", path, jerr.text);
	cr_assert(json_is_integer(json_object_get(o, key)), "%s: no %s",
	    path, key);
	v = json_integer_value(json_object_get(o, key));
	json_decref(o);
	return v;
}

/*
 * The load: one thread puts people p00000, p00001, ... and records the
 * revision each put was acknowledged at, until told to stop.
 */
struct load {
	vet_client	*c;
	atomic_int	 stop;
	atomic_int	 done;			/* puts acknowledged */
	uint64_t	 revision[LOAD_MAX];
	int		 failed;
	char		 message[600];
};

static void *
load_run(void *arg)
{
	struct load *l = arg;
	vet_person_spec spec = { .display_name = "Under Load",
	    .nationality = "GB" };
	char id[32];
	vet_status st;

	for (int i = 0; i < LOAD_MAX && !atomic_load(&l->stop); i++) {
		snprintf(id, sizeof(id), "p%05d", i);
		spec.id = id;
		if (vet_person_put(l->c, &spec, NULL, &st) != VET_OK) {
			l->failed = 1;
			snprintf(l->message, sizeof(l->message), "%s: %s", id,
			    st.message);
			break;
		}
		l->revision[i] = st.revision;
		atomic_store(&l->done, i + 1);
	}
	return NULL;
}

/* wait_for waits, with a bound, until the load has done n puts. */
static void
wait_for(struct load *l, int n)
{
	int64_t deadline = now_ms() + WAIT_MS;
	struct timespec tick = { 0, 2 * 1000 * 1000 };

	while (atomic_load(&l->done) < n && !l->failed &&
	    atomic_load(&l->done) < LOAD_MAX && now_ms() < deadline)
		nanosleep(&tick, NULL);
	cr_assert(!l->failed, "a put failed: %s", l->message);
	cr_assert(atomic_load(&l->done) >= n || atomic_load(&l->done) ==
	    LOAD_MAX, "only %d puts in %d ms", atomic_load(&l->done),
	    WAIT_MS);
}

Test(backup, under_write_load_restores_exactly_the_manifest_revision)
{
	static struct load l;
	vet_options opts = { .timeout_ms = 10000 };
	vet_audit_verify_result av;
	vet_backup_info b;
	vet_health_info h;
	vet_status st;
	pthread_t t;
	char dir[400], err[4096], path[600];
	uint64_t expect_people = 0;
	int at_backup, total;
	DIR *d;
	struct dirent *de;
	int before_restore = 0;

	cr_assert_eq(vet_client_open(&l.c, vetd.url, &opts, &st), VET_OK);
	cr_assert_eq(pthread_create(&t, NULL, load_run, &l), 0);
	wait_for(&l, 200);

	snprintf(dir, sizeof(dir), "%s/backup", vetd.dir);
	at_backup = atomic_load(&l.done);
	backup_ok(dir, &b);
	/* The load went on during and after the copy. */
	wait_for(&l, at_backup + 200);
	atomic_store(&l.stop, 1);
	pthread_join(t, NULL);
	vet_client_close(&l.c);
	cr_assert(!l.failed, "%s", l.message);
	total = atomic_load(&l.done);

	cr_assert_eq(mode_of(dir), 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	cr_assert_eq(mode_of(path), 0600);
	snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
	cr_assert_eq(mode_of(path), 0600);
	cr_assert_eq((uint64_t)manifest_int(dir, "revision"), b.revision);
	cr_assert_eq((uint64_t)manifest_int(dir, "audit_seq"), b.audit_seq);
	cr_assert_eq((uint64_t)manifest_int(dir, "people"), b.people);
	cr_assert_gt(b.audit_seq, 0, "the puts were audited");
	cr_assert_eq(strlen(b.sha256), 64);
	for (int i = 0; i < total; i++)
		if (l.revision[i] <= b.revision)
			expect_people++;
	cr_assert_eq(b.people, expect_people, "manifest says %llu people, "
	    "%llu puts were acknowledged at or below revision %llu",
	    (unsigned long long)b.people, (unsigned long long)expect_people,
	    (unsigned long long)b.revision);
	cr_assert_lt(expect_people, (uint64_t)total, "writes went on after "
	    "the copy");

	/* Restore over the live data directory, with vetd stopped. */
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 0,
	    "restore failed: %s", err);
	cr_assert(strstr(err, "restored into") != NULL, "%s", err);
	cr_assert_eq(mode_of(vetd.data_dir), 0700);
	d = opendir(vetd.dir);
	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "data.before-restore-", 20) == 0)
			before_restore++;
	closedir(d);
	cr_assert_eq(before_restore, 1, "the old data was kept aside");

	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(vet_client_open(&client, vetd.url, &opts, &st), VET_OK);
	cr_assert_eq(vet_health(client, &h, &st), VET_OK, "%s", st.message);
	cr_assert_eq(h.revision, b.revision);
	for (int i = 0; i < total; i++) {
		char id[32];
		vet_person *p = NULL;
		int rv;

		snprintf(id, sizeof(id), "p%05d", i);
		rv = vet_person_get(client, id, &p, &st);
		if (l.revision[i] <= b.revision)
			cr_assert_eq(rv, VET_OK, "%s (revision %llu) is missing",
			    id, (unsigned long long)l.revision[i]);
		else
			cr_assert_eq(rv, VET_NOT_FOUND, "%s (revision %llu) "
			    "is after the backup", id,
			    (unsigned long long)l.revision[i]);
		vet_person_free(p);
	}
	cr_assert_eq(vet_audit_verify(client, &av, &st), VET_OK, "%s",
	    st.message);
	cr_assert(av.ok, "audit chain: %s", av.problem);
	cr_assert_eq(av.last_seq, b.audit_seq);
}

/* small_backup: three people, a backup in vetd.dir/b, vetd stopped. */
static void
small_backup(char *dir, size_t size, vet_backup_info *b)
{
	put(client, "alice");
	put(client, "bob");
	put(client, "carol");
	snprintf(dir, size, "%s/b", vetd.dir);
	backup_ok(dir, b);
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
}

/* data_unchanged: the data directory still holds what vetd left. */
static void
assert_data_unchanged(const uint8_t before[32])
{
	char path[512];
	uint8_t after[32];
	long size;

	snprintf(path, sizeof(path), "%s/data.mdb", vetd.data_dir);
	file_sha256(path, after, &size);
	cr_assert_eq(memcmp(before, after, 32), 0, "the data changed");
}

static void
data_sha(uint8_t out[32])
{
	char path[512];
	long size;

	snprintf(path, sizeof(path), "%s/data.mdb", vetd.data_dir);
	file_sha256(path, out, &size);
}

Test(backup, restore_refuses_a_changed_data_file)
{
	vet_backup_info b;
	char dir[512], path[600], err[4096];
	uint8_t before[32];
	int fd;

	small_backup(dir, sizeof(dir), &b);
	data_sha(before);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "X", 1, 5000), 1);
	close(fd);
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "does not match its manifest") != NULL, "%s",
	    err);
	assert_data_unchanged(before);
}

Test(backup, restore_refuses_a_manifest_that_disagrees_with_the_copy)
{
	vet_backup_info b;
	char dir[512], err[4096];
	uint8_t before[32];

	small_backup(dir, sizeof(dir), &b);
	data_sha(before);
	manifest_set(dir, "revision", json_integer((json_int_t)b.revision +
	    5));
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "the copy is at revision") != NULL, "%s", err);
	assert_data_unchanged(before);

	manifest_set(dir, "revision", json_integer((json_int_t)b.revision));
	manifest_set(dir, "audit_seq", json_integer((json_int_t)b.audit_seq -
	    1));
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "audit log ends at entry") != NULL, "%s", err);

	manifest_set(dir, "audit_seq", json_string("many"));
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "\"audit_seq\" is missing or not a whole "
	    "number") != NULL, "%s", err);
	assert_data_unchanged(before);
}

/*
 * A copy whose audit entry was edited, with a manifest recomputed to
 * match the edited file: only the chain can tell.
 */
Test(backup, restore_refuses_a_broken_audit_chain)
{
	vet_backup_info b;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	uint8_t key[8] = { 0, 0, 0, 0, 0, 0, 0, 2 }, *copy, before[32];
	char dir[512], err[4096];
	int edited = 0;

	small_backup(dir, sizeof(dir), &b);
	data_sha(before);
	cr_assert_eq(mdb_env_create(&env), 0);
	cr_assert_eq(mdb_env_set_maxdbs(env, 16), 0);
	cr_assert_eq(mdb_env_open(env, dir, MDB_NOLOCK, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "audit", 0, &dbi), 0);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0, "no audit entry 2");
	copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	for (size_t i = 0; i + 3 <= v.mv_size; i++)
		if (memcmp(copy + i, "bob", 3) == 0) {
			copy[i] = 'r';		/* "rob" */
			edited = 1;
			break;
		}
	cr_assert(edited, "entry 2 does not name bob");
	v.mv_data = copy;
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(copy);
	manifest_fix_checksum(dir);

	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "audit chain") != NULL &&
	    strstr(err, "broken at entry 2") != NULL, "%s", err);
	assert_data_unchanged(before);
}

Test(backup, restore_refuses_a_directory_without_a_manifest)
{
	vet_backup_info b;
	char dir[512], path[600], err[4096];

	small_backup(dir, sizeof(dir), &b);
	snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "MANIFEST.json: No such file") != NULL, "%s",
	    err);

	snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"format\": \"vetd-backup-1\", ", f);	/* cut short */
	fclose(f);
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "is not valid JSON") != NULL, "%s", err);
}

Test(backup, restore_refuses_a_data_directory_in_use)
{
	vet_backup_info b;
	vet_person *p = NULL;
	vet_status st;
	char dir[512], err[4096];

	snprintf(dir, sizeof(dir), "%s/b", vetd.dir);
	put(client, "alice");
	backup_ok(dir, &b);
	put(client, "bob");
	cr_assert_eq(run_restore(dir, vetd.data_dir, err, sizeof(err)), 1);
	cr_assert(strstr(err, "is in use by process") != NULL, "%s", err);
	/* vetd still serves its own data, bob included. */
	cr_assert_eq(vet_person_get(client, "bob", &p, &st), VET_OK, "%s",
	    st.message);
	vet_person_free(p);
}

Test(backup, refuses_bad_directories_with_their_status)
{
	vet_backup_info b;
	char dir[512], path[600];
	FILE *f;

	backup_fails("relative/dir", VET_INVALID_ARGUMENT, "absolute path");
	backup_fails("", VET_INVALID_ARGUMENT, "absolute path");
	backup_fails("/tmp/../etc/vetd-backup", VET_INVALID_ARGUMENT,
	    "\"..\"");
	backup_fails("/tmp/./x", VET_INVALID_ARGUMENT, "\"..\"");
	snprintf(dir, sizeof(dir), "%s/trailing/", vetd.dir);
	backup_fails(dir, VET_INVALID_ARGUMENT, "end with");
	snprintf(dir, sizeof(dir), "%s/no/such/parent", vetd.dir);
	backup_fails(dir, VET_FAILED_PRECONDITION, "does not exist");

	/* Not empty: refused, and nothing in it touched. */
	snprintf(dir, sizeof(dir), "%s/full", vetd.dir);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/keep.txt", dir);
	f = fopen(path, "w");
	fputs("keep", f);
	fclose(f);
	backup_fails(dir, VET_FAILED_PRECONDITION, "not empty");
	cr_assert_eq(access(path, F_OK), 0);

	/* A file, not a directory. */
	backup_fails(path, VET_FAILED_PRECONDITION, "not a directory");

	/* An empty directory is used, and made 0700. */
	snprintf(dir, sizeof(dir), "%s/empty", vetd.dir);
	cr_assert_eq(mkdir(dir, 0755), 0);
	put(client, "alice");
	backup_ok(dir, &b);
	cr_assert_eq(mode_of(dir), 0700);
	cr_assert_eq(b.people, 1);
}

Test(backup, only_an_admin_may_back_up)
{
	vet_options opts = { .timeout_ms = 10000 };
	vet_backup_info b;
	vet_client *reader = NULL;
	vet_status st;
	char *token = NULL, dir[512];

	cr_assert_eq(vet_token_create(client, "backup-reader",
	    VET_ROLE_BIT(VET_ROLE_READER) | VET_ROLE_BIT(VET_ROLE_AUDITOR),
	    &token, NULL, &st), VET_OK, "%s", st.message);
	opts.token = token;
	cr_assert_eq(vet_client_open(&reader, vetd.url, &opts, &st), VET_OK);
	snprintf(dir, sizeof(dir), "%s/by-reader", vetd.dir);
	cr_assert_eq(vet_backup(reader, dir, &b, &st), VET_PERMISSION_DENIED,
	    "%s: %s", vet_status_name(st.code), st.message);
	cr_assert_eq(access(dir, F_OK), -1, "nothing was created");
	vet_client_close(&reader);
	vet_token_free(token);
}

Test(backup, vetctl_backup)
{
	const char *vetctl = test_bin("VETCTL_BIN");
	char dir[512], out[8192], err[4096];
	json_error_t jerr;
	json_t *o;

	put(client, "alice");
	{
		const char *argv[] = { vetctl, "-s", vetd.url, "backup",
		    "relative", NULL };
		cr_assert_eq(run_cmd(argv, out, sizeof(out), err,
		    sizeof(err)), 2);
		cr_assert(strstr(err, "absolute path") != NULL, "%s", err);
	}
	snprintf(dir, sizeof(dir), "%s/by-vetctl", vetd.dir);
	{
		const char *argv[] = { vetctl, "-s", vetd.url, "backup", dir,
		    NULL };
		cr_assert_eq(run_cmd(argv, out, sizeof(out), err,
		    sizeof(err)), 0, "%s", err);
		cr_assert(strstr(out, "backup written to") != NULL, "%s", out);
		cr_assert(strstr(out, "people     1") != NULL, "%s", out);
		cr_assert(strstr(out, "vetd --restore") != NULL, "%s", out);
	}
	{
		const char *argv[] = { vetctl, "-s", vetd.url, "backup", dir,
		    NULL };
		cr_assert_eq(run_cmd(argv, out, sizeof(out), err,
		    sizeof(err)), 3);
		cr_assert(strstr(err, "FAILED_PRECONDITION") != NULL, "%s",
		    err);
	}
	snprintf(dir, sizeof(dir), "%s/by-vetctl-json", vetd.dir);
	{
		const char *argv[] = { vetctl, "--json", "-s", vetd.url,
		    "backup", dir, NULL };
		cr_assert_eq(run_cmd(argv, out, sizeof(out), err,
		    sizeof(err)), 0, "%s", err);
	}
	o = json_loads(out, 0, &jerr);
	cr_assert_not_null(o, "%s: %s", out, jerr.text);
	cr_assert_str_eq(json_string_value(json_object_get(o, "dir")), dir);
	cr_assert_eq(json_integer_value(json_object_get(o, "people")), 1);
	cr_assert_eq(strlen(json_string_value(json_object_get(o, "sha256"))),
	    64);
	json_decref(o);
}

/* A fresh machine: no data directory yet; the backup itself is untouched. */
Test(backup, restore_into_a_new_data_directory)
{
	vet_backup_info b;
	vet_person *p = NULL;
	vet_status st;
	char dir[512], data[300], err[4096], path[600];
	uint8_t before[32], after[32];
	long size;

	small_backup(dir, sizeof(dir), &b);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	file_sha256(path, before, &size);
	snprintf(data, sizeof(data), "%s/elsewhere", vetd.dir);
	cr_assert_eq(run_restore(dir, data, err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(err, "previous data") == NULL, "%s", err);
	cr_assert_eq(mode_of(data), 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", data);
	cr_assert_eq(mode_of(path), 0600);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	file_sha256(path, after, &size);
	cr_assert_eq(memcmp(before, after, 32), 0, "the backup changed");
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	cr_assert_eq(access(path, F_OK), -1, "restore opened the backup "
	    "with a lock file");

	snprintf(vetd.data_dir, sizeof(vetd.data_dir), "%s", data);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vet_person_get(client, "carol", &p, &st), VET_OK, "%s",
	    st.message);
	vet_person_free(p);
}
