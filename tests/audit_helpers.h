/*
 * audit_helpers.h: shared by test_audit.c and test_audit_events.c, the
 * audit log's end-to-end tests. One vetd (fixture.c) and one libvet
 * client per test; setup starts both, teardown stops them and removes
 * conf_dir if a test made one.
 */
#ifndef VET_TEST_AUDIT_HELPERS_H
#define VET_TEST_AUDIT_HELPERS_H

#include <nng/nng.h>
#include <stdint.h>

#include <vet/vet.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

#define WAIT_MS		10000	/* the bound on waiting for an event */

extern struct vetd_proc vetd;
extern vet_client *client;
extern nng_socket sock;			/* raw frames; raw_open opens it */
extern int sock_open;
extern char out[4 << 20], err[65536];	/* the last vetctl's output */
extern char conf_dir[64];		/* a config file's directory, or "" */

void	connect_client(void);
void	setup(void);
void	teardown(void);
int64_t	now_ms(void);
/* tick: 20 ms, between polls of something awaited with a bound. */
void	tick(void);
int64_t	date(const char *s);
/* glob: '*' matches any run of characters. */
int	glob(const char *p, const char *s);

/* vetctl runs vetctl -s URL args... and returns its exit status. */
#define vetctl(...) vetctl_argv((const char *[]){ __VA_ARGS__, NULL })
int	vetctl_argv(const char **args);

void	raw_open(void);
/* frame_call sends one request on s; the response, or NULL. */
Vet__V1__RpcResponse *frame_call(nng_socket s, const char *method,
	    const char *request_id, const ProtobufCMessage *m,
	    const char *token);
/* raw returns the status code of one raw call (-1: no answer). */
int	raw(const char *method, const char *request_id,
	    const ProtobufCMessage *m);

/* log_from: every entry with seq > after (of person, or all), one page. */
vet_audit_page *log_from(uint64_t after, const char *person);
uint64_t head(void);
/* count_method counts entries of method after seq after. */
size_t	count_method(const char *method, uint64_t after);
/* expect_verified: VerifyAudit says the chain of n entries is intact. */
void	expect_verified(uint64_t n);
/* dump: the log as text, for a failure message. */
char	*dump(void);

#endif /* VET_TEST_AUDIT_HELPERS_H */
