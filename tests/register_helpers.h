/*
 * register_helpers.h: what the clearance register's end-to-end tests
 * share (test_register.c: vetctl import and export; test_register_rpc.c:
 * ImportClearances through libvet, and the roles): running vetctl,
 * files in the test's directory, the store's revision and audit head
 * (which must not move when nothing is written), and a small register.
 */
#ifndef VET_TEST_REGISTER_HELPERS_H
#define VET_TEST_REGISTER_HELPERS_H

#include <stdint.h>

#include <vet/vet.h>

#define HEADER	"id,name,email,org unit,nationality,scheme,level,granted," \
		"review due,authority,reference\n"

/* Set by each suite's set-up: where its files go, and the client that
 * state_now and get use (on a vetd whose ipc uid is an admin). */
extern char workdir[256];
extern vet_client *client;
/* What the last vetctl printed. */
extern char out[256 * 1024], err[2 * 1024 * 1024];

/* vetctl_on(URL, args...) runs vetctl -s URL args... and returns its exit
 * status. */
#define vetctl_on(url, ...) vetctl_argv(url, (const char *[]){ __VA_ARGS__, \
	NULL })
int	vetctl_argv(const char *url, const char **args);

/* path_of: a file in workdir (removed with it); write_file writes text
 * there and returns the path; read_file returns a file's text (free it). */
const char *path_of(const char *name);
const char *write_file(const char *name, const char *text);
char	*read_file(const char *path);
/* starts_with asserts that text begins with want. */
void	starts_with(const char *text, const char *want);

struct state {
	uint64_t revision;
	uint64_t audit_seq;
};
struct state state_now(void);
/* expect_same_state asserts nothing was written since before. */
void	expect_same_state(struct state before);
vet_person *get(const char *id);
const vet_clearance *clearance_of(const vet_person *p, const char *scheme);

/* A small register (BOM, CR LF, a blank line, quoting, an offset) and
 * what export writes for it. */
extern const char *const good;
extern const char *const good_exported;

#endif /* VET_TEST_REGISTER_HELPERS_H */
