/*
 * libvet_batch.c: vet_batch_check, up to CLIENT_BATCH_MAX checks in one
 * call. The request is packed by hand (batch_pack.c) and the reply
 * read by hand straight into the caller's decisions (batch_reply.c);
 * a reply of any shape but vetd's plain one is decoded by protobuf-c as
 * every other method's is, then batch_reply_finish (the same outcome).
 */
#include <stdint.h>
#include <stdlib.h>

#include "libvet_internal.h"
#include "batch_wire.h"

/*
 * A reply batch_reply_read declines is decoded by protobuf-c (hundreds
 * of small allocations) into chunks owned by the call, freed together at
 * its end, instead of a malloc and a free each. The first chunk is sized
 * for the batch, so a call takes one; a call whose reply is read by hand
 * takes none.
 */
#define CALL_ARENA_ALIGN	16
#define CALL_ARENA_PER_CHECK	768	/* a decoded decision */

struct call_chunk {
	struct call_chunk *next;
	size_t		 pad;	/* keeps the data CALL_ARENA_ALIGN-aligned */
};

struct call_arena {
	ProtobufCAllocator pa;
	unsigned char	*cur;
	size_t		 avail;
	size_t		 next_size;
	struct call_chunk *chunks;
};

static void *
call_arena_alloc(void *data, size_t size)
{
	struct call_arena *a = data;
	struct call_chunk *ch;
	size_t need, csize;
	void *p;

	if (size > SIZE_MAX / 4)
		return NULL;
	need = (size + CALL_ARENA_ALIGN - 1) & ~(size_t)(CALL_ARENA_ALIGN - 1);
	if (need == 0)
		need = CALL_ARENA_ALIGN;
	if (need > a->avail) {
		csize = need > a->next_size ? need : a->next_size;
		if ((ch = malloc(sizeof(*ch) + csize)) == NULL)
			return NULL;
		ch->next = a->chunks;
		a->chunks = ch;
		a->cur = (unsigned char *)(ch + 1);
		a->avail = csize;
		if (a->next_size < SIZE_MAX / 4)
			a->next_size *= 2;
	}
	p = a->cur;
	a->cur += need;
	a->avail -= need;
	return p;
}

static void
call_arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

static void
call_arena_init(struct call_arena *a, size_t n)
{
	a->pa.alloc = call_arena_alloc;
	a->pa.free = call_arena_free;
	a->pa.allocator_data = a;
	a->cur = NULL;
	a->avail = 0;
	a->next_size = 4096 + n * CALL_ARENA_PER_CHECK;
	a->chunks = NULL;
}

static void
call_arena_release(struct call_arena *a)
{
	struct call_chunk *ch;

	while ((ch = a->chunks) != NULL) {
		a->chunks = ch->next;
		free(ch);
	}
}


/* What batch_take needs to read a reply into the caller's decisions. */
struct batch_call {
	const vet_check_request *reqs;
	size_t		 n;
	vet_decision	*out;
	int		 taken;	/* batch_reply_read took the reply */
};

static int
batch_take(void *arg, const uint8_t *data, size_t len,
    const char *request_id, vet_status *st)
{
	struct batch_call *b = arg;

	b->taken = batch_reply_read(data, len, request_id, b->reqs, b->n,
	    b->out, st);
	return b->taken;
}

int
vet_batch_check(vet_client *c, const vet_check_request *reqs, size_t n,
    vet_decision *out, vet_status *st)
{
	struct batch_call b = { reqs, n, out, 0 };
	ProtobufCMessage *m = NULL;
	struct call_arena arena;
	uint8_t *payload = NULL;
	size_t plen;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (n > 0 && out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the decisions");
	call_arena_init(&arena, n <= CLIENT_BATCH_MAX ? n : 0);
	if (n > CLIENT_BATCH_MAX) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "a batch holds at most %d checks, not %zu",
		    CLIENT_BATCH_MAX, n);
		goto deny;
	}
	if (n > 0 && reqs == NULL) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "no checks given");
		goto deny;
	}
	if (batch_request_pack(reqs, n, &payload, &plen, st) != VET_OK)
		goto deny;
	client_call_packed(c, "BatchCheck", payload, plen, batch_take, &b, &m,
	    &arena.pa, st);
	free(payload);
	/* Else no reply came, or protobuf-c decoded it into m (or not). */
	if (!b.taken)
		batch_reply_finish((Vet__V1__BatchCheckResponse *)m, reqs, n,
		    out, st);
	goto done;
deny:
	for (size_t i = 0; i < n; i++)
		decision_deny(&out[i], st);
done:
	/* m lives in the arena. */
	call_arena_release(&arena);
	return st->code;
}
