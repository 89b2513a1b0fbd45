/*
 * fuzz_config.c: libFuzzer target for vetd's configuration parser
 * (config_load, then the checks vetd runs before it starts,
 * config_auth_check). Each input is written to a file of mode 0600 in a
 * temporary directory and loaded; every error must come back as a status
 * with a message, never a crash. vetsync's parser has its own target
 * (fuzz_sync_config.c): the two share function names.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/vetd-fuzzconf-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/fuzz.conf", dir);
	log_init(0, LOG_LEVEL_ERROR);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	char err[512];
	int fd;

	if (size > 64 * 1024)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror(path);
		abort();
	}
	close(fd);
	err[0] = '\0';
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return 0;
	config_defaults(c);
	if (config_load(c, path, err, sizeof(err)) == 0)
		(void)config_auth_check(c, err, sizeof(err));
	else if (err[0] == '\0')
		abort();	/* an error must say what is wrong */
	free(c);
	return 0;
}
