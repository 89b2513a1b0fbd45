/*
 * init_admin.h: vetd --init-admin NAME, the first run's step: create an
 * admin API token straight in the store and print it once.
 */
#ifndef VETD_INIT_ADMIN_H
#define VETD_INIT_ADMIN_H

struct config;

/*
 * init_admin_run opens c->data_dir (LMDB allows this beside a serving
 * vetd), creates an admin token named name, writes the token alone on
 * stdout and a note on stderr, and returns the exit status: 0, or 1 after
 * saying why (the name is taken, a bad name, the store failed).
 */
int init_admin_run(const struct config *c, const char *name);

#endif /* VETD_INIT_ADMIN_H */
