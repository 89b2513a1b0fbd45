/*
 * init_admin.c: vetd --init-admin (see init_admin.h). The token goes to
 * stdout with write(2), not stdio, so no buffer outlives the zeroing; it
 * is never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "init_admin.h"
#include "status.h"
#include "store.h"

/* write_all writes n bytes to fd, or returns -1. */
static int
write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

int
init_admin_run(const struct config *c, const char *name)
{
	struct store_options so = { .dir = c->data_dir,
	    .map_size = c->map_size };
	struct store *s = NULL;
	char token[AUTH_TOKEN_LEN + 2], err[512];
	int rv;

	for (size_t i = 0; i < c->n_principals; i++)
		if (strcmp(c->principals[i].name, name) == 0) {
			fprintf(stderr, "vetd: cannot create admin token: %s "
			    "is a [principal] in the config; choose another "
			    "name\n", name);
			return 1;
		}
	if (store_open(&so, &s, err, sizeof(err)) != STATUS_OK) {
		fprintf(stderr, "vetd: %s\n", err);
		return 1;
	}
	rv = auth_init_admin(s, name, (vtime)time(NULL), token, err,
	    sizeof(err));
	store_close(&s);
	if (rv != STATUS_OK) {
		fprintf(stderr, "vetd: cannot create admin token: %s\n", err);
		return 1;
	}
	token[AUTH_TOKEN_LEN] = '\n';
	rv = write_all(STDOUT_FILENO, token, AUTH_TOKEN_LEN + 1);
	explicit_bzero(token, sizeof(token));
	if (rv != 0) {
		fprintf(stderr, "vetd: admin token %s was created but cannot "
		    "be printed (%s); revoke it with vetctl token revoke %s, "
		    "or create another\n", name, strerror(errno), name);
		return 1;
	}
	fprintf(stderr, "vetd: created admin token %s. It is shown this once: "
	    "keep it in a file only you can read (chmod 600) and give it to "
	    "vetctl with --token-file FILE.\n", name);
	return 0;
}
