/*
 * sp_wire.h: the constants and byte orders of nng's SP REQ/REP wire
 * protocol, shared by vetd's listener (server/sp_conn.c), libvet's direct
 * transport (client/libvet_sp.c) and the tests' scripted server. The
 * format is in docs/TRANSPORT.md.
 */
#ifndef VET_SP_WIRE_H
#define VET_SP_WIRE_H

#include <stdint.h>

#define SP_REQ0		0x30	/* NNG_REQ0_SELF: a client */
#define SP_REP0		0x31	/* NNG_REP0_SELF: vetd */
#define SP_HELLO_LEN	8	/* 0, 'S', 'P', 0, protocol (16 bits), 0, 0 */
#define SP_ID_LEN	4	/* the REQ0 request id before the body */
#define SP_ID_LAST	0x80000000u	/* set on the last id of a backtrace */
#define SP_IPC_TYPE	1	/* an ipc frame: this byte, then the length */

static inline void
sp_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline void
sp_put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t
sp_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline uint32_t
sp_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

#endif /* VET_SP_WIRE_H */
