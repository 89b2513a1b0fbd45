/*
 * fuzz_sync_config.c: libFuzzer target for vetsync's configuration parser
 * (ldapsync/config.c config_load). Each input is written to a file of
 * mode 0600 in a temporary directory and loaded; an error must come back
 * with a message, never a crash. A password_file the input names is only
 * read, and only if it is a private regular file.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vetsync.h"

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
	snprintf(dir, sizeof(dir), "%s/vetsync-fuzzconf-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/vetsync.conf", dir);
	log_init(LOG_LEVEL_ERROR);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_config *c = NULL;
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
	if (config_load(path, &c, err, sizeof(err)) == 0)
		config_free(c);
	else if (err[0] == '\0')
		abort();	/* an error must say what is wrong */
	return 0;
}
