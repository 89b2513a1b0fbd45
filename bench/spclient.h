/*
 * spclient.h: a bare blocking SP REQ0 client for vet-loadgen's
 * echo-direct target (spclient.c).
 */
#ifndef VET_BENCH_SPCLIENT_H
#define VET_BENCH_SPCLIENT_H

#include <stddef.h>
#include <stdint.h>

struct spclient {
	int	fd;
	int	ipc;
	uint32_t id;
	uint8_t	buf[4096];
};

/* spclient_dial connects to ipc://PATH or tcp://HOST:PORT and exchanges
 * SP headers; -1 with err set. */
int spclient_dial(struct spclient *c, const char *url, char *err,
    size_t errsz);
/* spclient_roundtrip sends size bytes and reads the echo; 0 or -1. */
int spclient_roundtrip(struct spclient *c, size_t size);
void spclient_close(struct spclient *c);

#endif /* VET_BENCH_SPCLIENT_H */
