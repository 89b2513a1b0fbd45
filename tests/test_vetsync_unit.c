/*
 * test_vetsync_unit.c: vetsync's pure parts without a directory: the
 * config file (each error with its file and line), entry mapping and the
 * disabled rules, UUID/GUID formatting, the RFC 4533 parsers on crafted
 * and malformed BER, the mass-leaver rule, the state file and the table.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vetsync.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vetsync-unit-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(vetsync_config, .init = setup, .fini = teardown);
TestSuite(vetsync_state, .init = setup, .fini = teardown);

static const char *
write_conf(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
	return path;
}

#define MINIMAL "[directory]\nuri = ldapi:///\nbind = sasl-external\n" \
	"base = dc=example,dc=org\n"

static void
expect_error(const char *text, const char *want)
{
	struct sync_config *c = NULL;
	char err[512];
	const char *path = write_conf("bad.conf", text, 0600);

	cr_assert_eq(config_load(path, &c, err, sizeof(err)), -1, "%s", text);
	cr_assert_null(c);
	cr_assert(strstr(err, want) != NULL, "got \"%s\", want \"%s\"", err,
	    want);
}

Test(vetsync_config, defaults)
{
	struct sync_config *c = NULL;
	char err[512];

	cr_assert_eq(config_load(write_conf("ok.conf", MINIMAL, 0600), &c, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c->attr_id, "entryUUID");
	cr_assert_str_eq(c->attr_name, "cn");
	cr_assert_str_eq(c->filter, "(objectClass=inetOrgPerson)");
	cr_assert_eq(c->scope, LDAP_SCOPE_SUBTREE);
	cr_assert_eq(c->mode, MODE_AUTO);
	cr_assert_eq(c->max_leavers, 10);
	cr_assert_eq(c->max_leaver_percent, 2);
	cr_assert_eq(c->full_refresh_interval, 86400);
	cr_assert_eq(c->bind, BIND_SASL_EXTERNAL);
	config_free(c);
	config_free(NULL);
}

Test(vetsync_config, errors_name_file_and_line)
{
	expect_error(MINIMAL "[map]\nid = entry UUID\n",
	    "bad.conf:6: id \"entry UUID\" is not an attribute name");
	expect_error(MINIMAL "scope = deep\n",
	    "bad.conf:5: scope must be base, one or sub, not \"deep\"");
	expect_error(MINIMAL "[sync]\nmax_leaver_percent = 101\n",
	    "bad.conf:6: max_leaver_percent must be a whole number from 0 "
	    "to 100");
	expect_error(MINIMAL "[sync]\nmax_leavers = -1\n", "bad.conf:6:");
	expect_error(MINIMAL "[ldap]\nx = 1\n", "bad.conf:6: unknown section "
	    "[ldap]");
	expect_error(MINIMAL "filter = objectClass=*\n",
	    "bad.conf:5: filter must be in parentheses");
	expect_error(MINIMAL "[vetd]\nurl = http://x\n",
	    "bad.conf:6: url must start with ipc://");
	expect_error(MINIMAL "this is not ini\n", "bad.conf:5: syntax error");
	expect_error(MINIMAL "mode = dirsync\n", "bad.conf:5: mode must be");
	expect_error(MINIMAL "bind = kerberos\n", "bad.conf:5: bind must be");
	expect_error(MINIMAL "starttls = maybe\n",
	    "bad.conf:5: starttls must be yes or no");
}

Test(vetsync_config, rules_across_keys)
{
	expect_error("[directory]\nbase = dc=x\n", "[directory] uri is "
	    "required");
	expect_error("[directory]\nuri = ldap://h/\nbind = anonymous\n",
	    "[directory] base is required");
	expect_error("[directory]\nuri = ldaps://h/\nbind = anonymous\n"
	    "base = dc=x\nstarttls = yes\n", "starttls needs an ldap:// uri");
	expect_error("[directory]\nuri = ldap://h/\nbase = dc=x\n",
	    "bind = simple needs bind_dn and password_file");
	expect_error("[directory]\nuri = ldap://h/\nbase = dc=x\n"
	    "bind = sasl-external\n", "bind = sasl-external needs an ldapi://");
	expect_error(MINIMAL "retry_min = 10\nretry_max = 5\n",
	    "retry_min is larger than retry_max");
	expect_error(MINIMAL "[map]\ndisabled_value = TRUE\n",
	    "disabled_value and disabled_mask need disabled_attribute");
	expect_error(MINIMAL "[map]\ndisabled_attribute = uac\n"
	    "disabled_value = x\ndisabled_mask = 2\n", "not both");
	expect_error(MINIMAL "[vetd]\nurl = tls+tcp://h:1\n",
	    "needs [vetd] ca_file");
}

Test(vetsync_config, refuses_a_file_others_can_write)
{
	struct sync_config *c = NULL;
	char err[512];

	cr_assert_eq(config_load(write_conf("w.conf", MINIMAL, 0622), &c, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "w.conf: writable by group or others") != NULL,
	    "%s", err);
	cr_assert_eq(config_load("/nonexistent/v.conf", &c, err, sizeof(err)),
	    -1);
	cr_assert(strstr(err, "No such file") != NULL, "%s", err);
}

Test(vetsync_config, secret_files)
{
	char *s = NULL, err[512];

	cr_assert_eq(config_read_secret(write_conf("pw", "hunter2\n", 0600),
	    &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(s, "hunter2");
	secret_free(s);
	s = NULL;
	cr_assert_eq(config_read_secret(write_conf("pw", "hunter2\n", 0640),
	    &s, err, sizeof(err)), -1);
	cr_assert(strstr(err, "(mode 640); chmod 600 it") != NULL, "%s", err);
	cr_assert_null(s);
	cr_assert_eq(config_read_secret(write_conf("pw", "\n", 0600), &s, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "empty") != NULL, "%s", err);
	cr_assert_eq(config_read_secret(dir, &s, err, sizeof(err)), -1);
	secret_free(NULL);
}

/*
 * Mapping, with a fake entry: attribute name -> values.
 */
struct fake {
	const char *attr[8];
	struct berval *vals[8][3];
};

static struct berval **
fake_get(void *arg, const char *attr)
{
	struct fake *f = arg;

	for (int i = 0; i < 8 && f->attr[i] != NULL; i++)
		if (strcasecmp(f->attr[i], attr) == 0)
			return f->vals[i];
	return NULL;
}

static struct berval *
bv(const char *s)
{
	static struct berval pool[64];
	static size_t used;
	struct berval *b = &pool[used++ % 64];

	b->bv_val = (char *)s;
	b->bv_len = strlen(s);
	return b;
}

static struct sync_config *
map_config(const char *extra)
{
	struct sync_config *c = NULL;
	char text[1024], err[512];

	snprintf(text, sizeof(text), MINIMAL "[map]\n%s", extra);
	cr_assert_eq(config_load(write_conf("m.conf", text, 0600), &c, err,
	    sizeof(err)), 0, "%s", err);
	return c;
}

TestSuite(vetsync_mapping, .init = setup, .fini = teardown);

Test(vetsync_mapping, uuid_and_guid_formats)
{
	const uint8_t u[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe };
	char s[SYNC_UUID_STR];

	mapping_uuid_format(u, s);
	cr_assert_str_eq(s, "01234567-89ab-cdef-1032-547698badcfe");
	cr_assert(mapping_valid_id(s));
	mapping_guid_format(u, s);
	cr_assert_str_eq(s, "67452301-ab89-efcd-1032-547698badcfe");
	cr_assert(!mapping_valid_id(""));
	cr_assert(!mapping_valid_id("a b"));
	cr_assert(mapping_valid_id("emp.0042@force:x_y-z"));
}

Test(vetsync_mapping, maps_and_cleans_text)
{
	struct sync_config *c = map_config("nationality = c\n");
	struct fake f = { .attr = { "entryUUID", "cn", "mail", "ou", "c" } };
	struct sync_entry e;
	char why[256];

	f.vals[0][0] = bv("0A1B2C3D-0000-4000-8000-00000000ABCD");
	f.vals[1][0] = bv("  Alice\tSmith \x01 ");
	f.vals[2][0] = bv("alice@example.org");
	f.vals[3][0] = bv("Major Crime");
	f.vals[4][0] = bv("gb");
	cr_assert_eq(mapping_entry(c, fake_get, &f, NULL, &e, why,
	    sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(e.id, "0a1b2c3d-0000-4000-8000-00000000abcd");
	cr_assert_str_eq(e.name, "Alice Smith");
	cr_assert_str_eq(e.mail, "alice@example.org");
	cr_assert_str_eq(e.org_unit, "Major Crime");
	cr_assert_str_eq(e.nationality, "GB");
	cr_assert_eq(e.disabled, 0);
	sync_entry_clear(&e);

	/* Not a country code: unknown, not an error. */
	f.vals[4][0] = bv("GBR");
	cr_assert_eq(mapping_entry(c, fake_get, &f, NULL, &e, why,
	    sizeof(why)), 0);
	cr_assert_str_eq(e.nationality, "");
	sync_entry_clear(&e);

	/* An org unit longer than 128 bytes is cut at a character. */
	static char longou[200];
	memset(longou, 0, sizeof(longou));
	for (int i = 0; i < 127; i++)
		longou[i] = 'x';
	strcat(longou, "\xc3\xa9tail");	/* é straddles byte 128 */
	f.vals[3][0] = bv(longou);
	cr_assert_eq(mapping_entry(c, fake_get, &f, NULL, &e, why,
	    sizeof(why)), 0);
	cr_assert_eq(strlen(e.org_unit), 127);
	sync_entry_clear(&e);
	config_free(c);
}

Test(vetsync_mapping, skips_what_vetd_cannot_take)
{
	struct sync_config *c = map_config("id = uid\n");
	struct fake f = { .attr = { "uid", "cn" } };
	struct sync_entry e;
	char why[256];

	f.vals[0][0] = bv("bad id!");
	f.vals[1][0] = bv("Bob");
	cr_assert_eq(mapping_entry(c, fake_get, &f, NULL, &e, why,
	    sizeof(why)), -1);
	cr_assert_null(e.id);
	cr_assert(strstr(why, "not a valid vetd id") != NULL, "%s", why);

	/* Two ids: ambiguous. */
	f.vals[0][0] = bv("bob");
	f.vals[0][1] = bv("robert");
	cr_assert_eq(mapping_entry(c, fake_get, &f, NULL, &e, why,
	    sizeof(why)), -1);
	cr_assert(strstr(why, "uid has 2 values, not one") != NULL, "%s", why);
	f.vals[0][1] = NULL;

	/* No usable name: skipped, but the id is known (counts as seen). */
	f.vals[1][0] = bv("\xff\xfe");
	cr_assert_eq(mapping_entry(c, fake_get, &f, NULL, &e, why,
	    sizeof(why)), -1);
	cr_assert_str_eq(e.id, "bob");
	cr_assert(strstr(why, "no usable cn") != NULL, "%s", why);
	sync_entry_clear(&e);
	config_free(c);

	/* entryUUID absent from the entry: the syncUUID is the id. */
	c = map_config("");
	struct fake g = { .attr = { "cn" } };
	const uint8_t u[16] = { 0xaa, [15] = 0x01 };
	g.vals[0][0] = bv("Carol");
	cr_assert_eq(mapping_entry(c, fake_get, &g, u, &e, why, sizeof(why)),
	    0, "%s", why);
	cr_assert_str_eq(e.id, "aa000000-0000-0000-0000-000000000001");
	sync_entry_clear(&e);
	config_free(c);
}

static int
disabled_with(const char *rule, const char *attr, const char *value)
{
	struct sync_config *c = map_config(rule);
	struct fake f = { .attr = { "entryUUID", "cn", attr } };
	struct sync_entry e;
	char why[256];
	int rv;

	f.vals[0][0] = bv("00000000-0000-0000-0000-000000000001");
	f.vals[1][0] = bv("Dan");
	if (value != NULL)
		f.vals[2][0] = bv(value);
	rv = mapping_entry(c, fake_get, &f, NULL, &e, why, sizeof(why));
	if (rv == 0)
		rv = e.disabled;
	else
		rv = -1;
	sync_entry_clear(&e);
	config_free(c);
	return rv;
}

Test(vetsync_mapping, disabled_rules)
{
	const char *present = "disabled_attribute = pwdAccountLockedTime\n";
	const char *equals = "disabled_attribute = nsAccountLock\n"
	    "disabled_value = TRUE\n";
	const char *mask = "disabled_attribute = userAccountControl\n"
	    "disabled_mask = 2\n";

	cr_assert_eq(disabled_with(present, "pwdAccountLockedTime",
	    "20260101000000Z"), 1);
	cr_assert_eq(disabled_with(present, "pwdAccountLockedTime", NULL), 0);
	cr_assert_eq(disabled_with(equals, "nsAccountLock", "true"), 1);
	cr_assert_eq(disabled_with(equals, "nsAccountLock", "FALSE"), 0);
	cr_assert_eq(disabled_with(equals, "nsAccountLock", NULL), 0);
	cr_assert_eq(disabled_with(mask, "userAccountControl", "514"), 1);
	cr_assert_eq(disabled_with(mask, "userAccountControl", "512"), 0);
	cr_assert_eq(disabled_with(mask, "userAccountControl", "66048"), 0);
	cr_assert_eq(disabled_with(mask, "userAccountControl", "66050"), 1);
	/* 0xFFFFFFFE as a signed 32-bit value: bit 2 set. */
	cr_assert_eq(disabled_with(mask, "userAccountControl", "-2"), 1);
	cr_assert_eq(disabled_with(mask, "userAccountControl", "x12"), -1);
	cr_assert_eq(disabled_with(mask, "userAccountControl", ""), -1);
}

/*
 * RFC 4533 values built with lber, then parsed.
 */
TestSuite(vetsync_syncrepl);

static struct berval
flatten(BerElement *ber)
{
	struct berval v = { 0, NULL };

	cr_assert_neq(ber_flatten2(ber, &v, 1), -1);
	ber_free(ber, 1);
	return v;
}

static const char uuid16[16] = "0123456789abcdef";

Test(vetsync_syncrepl, state_values)
{
	struct berval u = { 16, (char *)uuid16 }, cookie = { 11,
	    "rid=000,csn" }, v;
	struct sync_state s;
	BerElement *ber;

	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "{eOO}", 3, &u, &cookie), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_state(&v, &s), 0);
	cr_assert_eq(s.state, SYNC_STATE_DELETE);
	cr_assert_eq(memcmp(s.uuid, uuid16, 16), 0);
	cr_assert_eq(s.has_cookie, 1);
	cr_assert_eq(s.cookie.bv_len, 11);
	cr_assert_eq(memcmp(s.cookie.bv_val, "rid=000,csn", 11), 0);
	sync_state_clear(&s);
	ber_memfree(v.bv_val);

	/* No cookie. */
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "{eO}", 1, &u), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_state(&v, &s), 0);
	cr_assert_eq(s.state, SYNC_STATE_ADD);
	cr_assert_eq(s.has_cookie, 0);
	sync_state_clear(&s);

	/* Every truncation is refused. */
	for (ber_len_t n = 0; n < v.bv_len; n++) {
		struct berval t = { n, v.bv_val };
		cr_assert_eq(syncrepl_parse_state(&t, &s), -1, "len %lu",
		    (unsigned long)n);
	}
	ber_memfree(v.bv_val);

	/* A 15-byte UUID, a state out of range, trailing data. */
	struct berval u15 = { 15, (char *)uuid16 };
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "{eO}", 1, &u15), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_state(&v, &s), -1);
	ber_memfree(v.bv_val);
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "{eO}", 7, &u), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_state(&v, &s), -1);
	ber_memfree(v.bv_val);
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "{eOOi}", 1, &u, &cookie, 5), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_state(&v, &s), -1);
	ber_memfree(v.bv_val);
	cr_assert_eq(syncrepl_parse_state(NULL, &s), -1);
}

Test(vetsync_syncrepl, info_values)
{
	struct berval cookie = { 3, "abc" }, v, u = { 16, (char *)uuid16 };
	struct sync_info i;
	BerElement *ber;

	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "tO", (ber_tag_t)LDAP_TAG_SYNC_NEW_COOKIE,
	    &cookie), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_info(&v, &i), 0);
	cr_assert_eq(i.kind, SYNC_INFO_NEW_COOKIE);
	cr_assert_eq(i.cookie.bv_len, 3);
	sync_info_clear(&i);
	ber_memfree(v.bv_val);

	/* refreshDelete with refreshDone absent: DEFAULT TRUE. */
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "t{O}",
	    (ber_tag_t)LDAP_TAG_SYNC_REFRESH_DELETE, &cookie), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_info(&v, &i), 0);
	cr_assert_eq(i.kind, SYNC_INFO_REFRESH_DELETE);
	cr_assert_eq(i.refresh_done, 1);
	cr_assert_eq(i.has_cookie, 1);
	sync_info_clear(&i);
	ber_memfree(v.bv_val);

	/* refreshPresent, refreshDone FALSE, no cookie. */
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "t{b}",
	    (ber_tag_t)LDAP_TAG_SYNC_REFRESH_PRESENT, (ber_int_t)0), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_info(&v, &i), 0);
	cr_assert_eq(i.kind, SYNC_INFO_REFRESH_PRESENT);
	cr_assert_eq(i.refresh_done, 0);
	cr_assert_eq(i.has_cookie, 0);
	sync_info_clear(&i);
	ber_memfree(v.bv_val);

	/* syncIdSet with refreshDeletes TRUE and two UUIDs. */
	struct berval set[3] = { u, u, { 0, NULL } };
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "t{Ob[W]}", (ber_tag_t)LDAP_TAG_SYNC_ID_SET,
	    &cookie, (ber_int_t)1, set), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_info(&v, &i), 0);
	cr_assert_eq(i.kind, SYNC_INFO_ID_SET);
	cr_assert_eq(i.refresh_deletes, 1);
	cr_assert_eq(i.n_uuids, 2);
	cr_assert_eq(memcmp(i.uuids[1], uuid16, 16), 0);
	sync_info_clear(&i);
	for (ber_len_t n = 0; n < v.bv_len; n++) {
		struct berval t = { n, v.bv_val };
		cr_assert_eq(syncrepl_parse_info(&t, &i), -1);
	}
	ber_memfree(v.bv_val);

	/* A UUID of the wrong size inside the set. */
	struct berval bad[2] = { { 4, "abcd" }, { 0, NULL } };
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "t{[W]}", (ber_tag_t)LDAP_TAG_SYNC_ID_SET,
	    bad), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_info(&v, &i), -1);
	ber_memfree(v.bv_val);

	/* An unknown choice. */
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "t{}", (ber_tag_t)0xa7), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_info(&v, &i), -1);
	ber_memfree(v.bv_val);

	/* A cookie longer than SYNC_COOKIE_MAX. */
	static char big[SYNC_COOKIE_MAX + 1];
	memset(big, 'c', sizeof(big));
	struct berval bigc = { sizeof(big), big };
	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "tO", (ber_tag_t)LDAP_TAG_SYNC_NEW_COOKIE,
	    &bigc), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_info(&v, &i), -1);
	ber_memfree(v.bv_val);
}

Test(vetsync_syncrepl, done_and_request_values)
{
	struct berval cookie = { 5, "c=123" }, v;
	struct sync_done d;
	BerElement *ber;
	ber_int_t mode;
	struct berval got;

	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "{Ob}", &cookie, (ber_int_t)1), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_done(&v, &d), 0);
	cr_assert_eq(d.refresh_deletes, 1);
	cr_assert_eq(d.cookie.bv_len, 5);
	sync_done_clear(&d);
	ber_memfree(v.bv_val);

	ber = ber_alloc_t(LBER_USE_DER);
	cr_assert_neq(ber_printf(ber, "{}"), -1);
	v = flatten(ber);
	cr_assert_eq(syncrepl_parse_done(&v, &d), 0);
	cr_assert_eq(d.refresh_deletes, 0);
	cr_assert_eq(d.has_cookie, 0);
	sync_done_clear(&d);
	ber_memfree(v.bv_val);

	cr_assert_eq(syncrepl_request(LDAP_SYNC_REFRESH_AND_PERSIST, &cookie,
	    &v), 0);
	ber = ber_init(&v);
	cr_assert_neq(ber_scanf(ber, "{em}", &mode, &got), LBER_ERROR);
	cr_assert_eq(mode, LDAP_SYNC_REFRESH_AND_PERSIST);
	cr_assert_eq(got.bv_len, 5);
	ber_free(ber, 1);
	ber_memfree(v.bv_val);
}

Test(vetsync_syncrepl, guard_rule)
{
	/* More than max_leavers AND more than max_percent of people. */
	cr_assert_eq(guard_trips(11, 300, 10, 2), 1);
	cr_assert_eq(guard_trips(10, 300, 10, 2), 0);
	cr_assert_eq(guard_trips(11, 1000, 10, 2), 0);
	cr_assert_eq(guard_trips(21, 1000, 10, 2), 1);
	cr_assert_eq(guard_trips(20, 1000, 10, 2), 0);
	cr_assert_eq(guard_trips(0, 0, 10, 2), 0);
	cr_assert_eq(guard_trips(11, 0, 10, 2), 1);
	cr_assert_eq(guard_trips(1, 1, 0, 0), 1);
}

Test(vetsync_syncrepl, table)
{
	struct table *t = table_new();
	char key[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cr_assert_eq(table_put(t, key, (void *)(intptr_t)(i + 1), NULL),
		    0);
	}
	for (int i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof(key), "k%d", i);
		cr_assert_eq(table_del(t, key), (void *)(intptr_t)(i + 1));
	}
	cr_assert_eq(table_count(t), 2500);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cr_assert_eq(table_get(t, key), i % 2 ? (void *)(intptr_t)(i +
		    1) : NULL);
	}
	table_free(t, NULL);
	table_free(NULL, NULL);
}

/*
 * The state file.
 */
Test(vetsync_state, round_trip_mode_and_corruption)
{
	struct sync_config *c;
	struct sync_state_file s, r;
	struct berval cookie = { 7, "rid=000" };
	char text[512], err[512], path[128];
	struct stat sb;
	FILE *f;

	snprintf(text, sizeof(text), MINIMAL "[sync]\nstate_dir = %s\n", dir);
	cr_assert_eq(config_load(write_conf("s.conf", text, 0600), &c, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_load(&s, c), 0);
	cr_assert_eq(s.cookie.bv_len, 0);
	cr_assert_eq(state_set_cookie(&s, &cookie), 0);
	cr_assert_eq(state_map(&s, "00000000-0000-0000-0000-000000000001",
	    "emp42"), 0);
	s.full_at = 1234;
	cr_assert_eq(state_save(&s), 0);
	snprintf(path, sizeof(path), "%s/vetsync.state", dir);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);

	cr_assert_eq(state_load(&r, c), 0);
	cr_assert_eq(r.cookie.bv_len, 7);
	cr_assert_eq(memcmp(r.cookie.bv_val, "rid=000", 7), 0);
	cr_assert_eq(r.full_at, 1234);
	cr_assert_str_eq(table_get(r.uuids,
	    "00000000-0000-0000-0000-000000000001"), "emp42");
	state_clear(&r);

	/* Another filter: the cookie no longer applies. */
	free(c->filter);
	c->filter = strdup("(uid=*)");
	cr_assert_eq(state_load(&r, c), 0);
	cr_assert_eq(r.cookie.bv_len, 0);
	cr_assert_eq(table_count(r.uuids), 0);
	state_clear(&r);
	free(c->filter);
	c->filter = strdup("(objectClass=inetOrgPerson)");

	/* A cut-short or garbled file: no state, a full refresh. */
	cr_assert_not_null(f = fopen(path, "r+"));
	cr_assert_eq(ftruncate(fileno(f), 60), 0);
	fclose(f);
	cr_assert_eq(state_load(&r, c), 0);
	cr_assert_eq(r.cookie.bv_len, 0);
	state_clear(&r);
	write_conf("vetsync.state", "vetsync-state 1\nfingerprint zz\n", 0600);
	cr_assert_eq(state_load(&r, c), 0);
	cr_assert_eq(r.cookie.bv_len, 0);
	state_clear(&r);
	state_clear(&s);
	config_free(c);
}
