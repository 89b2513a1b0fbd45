/*
 * proc_watch.c: reading /proc for test_transport.c (proc_watch.h). Trusts
 * the kernel's files; a line that does not parse counts as "not yet".
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proc_watch.h"
#include "vettime.h"

int
proc_tcp_unread(int port)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	unsigned lport, state, rx;
	int found = 0;

	if (f == NULL)
		return 0;
	/* "sl: local:port remote:port st tx_queue:rx_queue ..." in hex. */
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %*x:%x", &lport,
		    &state, &rx) == 3 && (int)lport == port &&
		    state == 1 && rx > 0)
			found = 1;
	fclose(f);
	return found;
}

int
proc_all_stopped(pid_t pid)
{
	char path[300], line[512], *rp;
	struct dirent *e;
	DIR *d;
	FILE *t;
	int stopped = 1, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid,
		    e->d_name);
		if ((t = fopen(path, "r")) == NULL)
			continue;
		/* "TID (comm) STATE ...": the state follows the last ')'. */
		if (fgets(line, sizeof(line), t) == NULL ||
		    (rp = strrchr(line, ')')) == NULL || (rp[2] != 'T' &&
		    rp[2] != 't'))
			stopped = 0;
		fclose(t);
		n++;
	}
	closedir(d);
	return stopped && n > 0;
}

long
proc_blocked_in(int tid)
{
	char path[64], line[256];
	uint64_t nr;
	FILE *f;
	long rv = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	/* "NR args...", or "running", or "-1 ..." outside a call. */
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, " \n")] = '\0';
		if (parse_u64(line, 0, 4096, &nr) == 0)
			rv = (long)nr;
	}
	fclose(f);
	return rv;
}
