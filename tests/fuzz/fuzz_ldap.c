/*
 * fuzz_ldap.c: libFuzzer target for what vetsync takes from a directory
 * server, all of it untrusted. The first byte picks the parser, the rest
 * is its input:
 *   0  the Sync State control of an entry (syncrepl_parse_state)
 *   1  a Sync Info intermediate message (syncrepl_parse_info: newCookie,
 *      refreshDelete, refreshPresent, syncIdSet)
 *   2  the Sync Done control (syncrepl_parse_done)
 *   3  the Simple Paged Results response control (paged_cookie, which
 *      paged.c uses: libldap's parser behind a guard, cookie capped)
 *   4  an entry's attributes mapped to a person (mapping_entry): the
 *      bytes are split at NUL into values dealt round the mapped
 *      attributes, so ids, names, mail, nationality and the disabled
 *      flag all see arbitrary bytes.
 */
#include <lber.h>
#include <ldap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vetsync.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUES	4

static struct sync_config *config;
static LDAP *ld;
static char *attrs[8];
static size_t n_attrs;

static const char conf_text[] =
    "[directory]\n"
    "uri = ldap://127.0.0.1:1/\n"
    "bind = anonymous\n"
    "base = ou=people,dc=example,dc=org\n"
    "[map]\n"
    "id = entryUUID\n"
    "name = displayName\n"
    "mail = mail\n"
    "org_unit = departmentNumber\n"
    "nationality = c\n"
    "disabled_attribute = pwdAccountLockedTime\n"
    "[vetd]\n"
    "url = ipc:///nonexistent/vetd.sock\n"
    "[sync]\n"
    "state_dir = /nonexistent\n";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[64], path[96], err[512];
	FILE *f;

	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_ERROR);
	snprintf(dir, sizeof(dir), "/tmp/vetsync-fuzz-XXXXXX");
	if (mkdtemp(dir) == NULL)
		exit(1);
	snprintf(path, sizeof(path), "%s/vetsync.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		exit(1);
	fputs(conf_text, f);
	fclose(f);
	int rv = config_load(path, &config, err, sizeof(err));
	unlink(path);
	rmdir(dir);
	if (rv != 0) {
		fprintf(stderr, "fuzz_ldap: %s\n", err);
		exit(1);
	}
	mapping_attrs(config, attrs);
	while (n_attrs < 8 && attrs[n_attrs] != NULL)
		n_attrs++;
	/* A handle for libldap's control parser; it never connects. */
	if (ldap_initialize(&ld, "ldap://127.0.0.1:1/") != LDAP_SUCCESS)
		exit(1);
	return 0;
}

struct entry {
	struct berval values[8][MAX_VALUES];
	struct berval *lists[8][MAX_VALUES + 1];
};

static struct berval **
entry_get(void *arg, const char *attr)
{
	struct entry *e = arg;

	for (size_t i = 0; i < n_attrs; i++)
		if (strcasecmp(attrs[i], attr) == 0)
			return e->lists[i][0] != NULL ? e->lists[i] : NULL;
	return NULL;
}

static void
fuzz_mapping(const uint8_t *data, size_t size)
{
	static struct entry e;
	struct sync_entry out;
	size_t count[8] = { 0 }, start = 0, k = 0;
	uint8_t uuid[SYNC_UUID_LEN];
	char why[256];
	char *copy;

	if (n_attrs == 0 || (copy = malloc(size + 1)) == NULL)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	memset(&e, 0, sizeof(e));
	for (size_t i = 0; i <= size; i++) {
		if (i < size && copy[i] != '\0')
			continue;
		size_t a = k++ % n_attrs;
		if (count[a] < MAX_VALUES) {
			struct berval *bv = &e.values[a][count[a]];
			bv->bv_val = copy + start;
			bv->bv_len = i - start;
			e.lists[a][count[a]++] = bv;
		}
		start = i + 1;
	}
	memset(uuid, 0xab, sizeof(uuid));
	memset(&out, 0, sizeof(out));
	if (mapping_entry(config, entry_get, &e, size % 2 ? uuid : NULL, &out,
	    why, sizeof(why)) == 0 && !mapping_valid_id(out.id))
		abort();	/* a person with an id vetd would refuse */
	sync_entry_clear(&out);
	free(copy);
}

static void
fuzz_paged(const uint8_t *data, size_t size)
{
	LDAPControl c = { 0 };
	struct berval *cookie = NULL;

	c.ldctl_oid = LDAP_CONTROL_PAGEDRESULTS;
	c.ldctl_value.bv_val = (char *)data;	/* never NULL, as libldap
						 * gives an empty value */
	c.ldctl_value.bv_len = size;
	if (paged_cookie(ld, &c, &cookie) == 0 && cookie != NULL &&
	    (cookie->bv_len == 0 || cookie->bv_len > 65536))
		abort();
	ber_bvfree(cookie);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berval value;

	if (size < 1 || size > 256 * 1024)
		return -1;
	value.bv_val = (char *)data + 1;
	value.bv_len = size - 1;
	switch (data[0] % 5) {
	case 0: {
		struct sync_state s;
		if (syncrepl_parse_state(&value, &s) == 0) {
			if (s.state > SYNC_STATE_DELETE)
				abort();
			sync_state_clear(&s);
		}
		break;
	}
	case 1: {
		struct sync_info i;
		if (syncrepl_parse_info(&value, &i) == 0) {
			if (i.n_uuids > 0 && i.uuids == NULL)
				abort();
			sync_info_clear(&i);
		}
		break;
	}
	case 2: {
		struct sync_done d;
		if (syncrepl_parse_done(&value, &d) == 0)
			sync_done_clear(&d);
		break;
	}
	case 3:
		fuzz_paged(data + 1, size - 1);
		break;
	default:
		fuzz_mapping(data + 1, size - 1);
		break;
	}
	return 0;
}
