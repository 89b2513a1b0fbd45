/*
 * fuzz_batch_request.c: libFuzzer target holding BatchCheck's wire reader
 * (server/batch_request.c) to the generic way rpc.c takes otherwise
 * (validate_wire_strings, protobuf-c's unpack, the handler's count check,
 * convert_check). Whenever the reader takes an input, the generic way
 * must take it too, with the same number of entries, each the same
 * fields, the same convert_check outcome and error text; and the
 * reader's "valid" must be exactly convert_check's yes, with the same
 * strings, caveats and time. Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch_request.h"
#include "convert.h"
#include "model.h"
#include "validate.h"
#include "vetting.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILL	0xa5

static struct batch_entry e;
static struct check_request rg, rf;

static int
str_eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static void
same_entry(const Vet__V1__CheckRequest *g)
{
	const Vet__V1__CheckRequest *f = &e.msg;
	char eg[256], ef[256];
	int vg, vf;

	if (!str_eq(f->person_id, g->person_id) ||
	    !str_eq(f->marking, g->marking) ||
	    f->n_caveats != g->n_caveats || f->min_revision != g->min_revision ||
	    f->at != g->at)
		abort();
	for (size_t k = 0; k < g->n_caveats; k++)
		if (!str_eq(f->caveats[k], g->caveats[k]))
			abort();
	memset(&rg, FILL, sizeof(rg));
	memset(&rf, FILL, sizeof(rf));
	vg = convert_check(g, &rg, eg, sizeof(eg));
	vf = convert_check(f, &rf, ef, sizeof(ef));
	if (vf != vg || (vg != 0 && !str_eq(ef, eg)) ||
	    (vg == 0 && memcmp(&rf, &rg, sizeof(rg)) != 0))
		abort();
	if (e.valid != (vg == 0))
		abort();
	if (!e.valid)
		return;
	if (!str_eq(e.req.person_id, rg.person_id) ||
	    !str_eq(e.req.marking, rg.marking) ||
	    e.req.n_caveats != rg.n_caveats || e.req.at != rg.at)
		abort();
	for (size_t k = 0; k < rg.n_caveats; k++)
		if (!str_eq(e.req.caveats[k], rg.caveats[k]))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Vet__V1__BatchCheckRequest *g;
	struct batch_request br;
	char err[256];
	size_t i = 0;

	if (!batch_request_scan(&br, data, size))
		return 0;	/* not mine: the generic way answers alone */
	if (validate_wire_strings(&vet__v1__batch_check_request__descriptor,
	    data, size, err, sizeof(err)) != 0)
		abort();
	if ((g = vet__v1__batch_check_request__unpack(NULL, size, data)) ==
	    NULL)
		abort();
	if (g->n_checks < 1 || g->n_checks > BATCH_CHECK_MAX ||
	    br.n != g->n_checks)
		abort();
	while (batch_request_next(&br, &e)) {
		if (i >= g->n_checks)
			abort();
		same_entry(g->checks[i++]);
	}
	if (i != g->n_checks)
		abort();
	vet__v1__batch_check_request__free_unpacked(g, NULL);
	return 0;
}
