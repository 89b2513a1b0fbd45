/*
 * gen.h: the deterministic people of the benchmarks. Person i of seed s is
 * always the same person, whichever program asks (the dataset generator
 * that loads vetd, slapd and redis, and the load generator that picks
 * look-ups), so every server answers about the same population. Times are
 * fixed dates, not "now", so the mix of answers holds for years.
 */
#ifndef VET_BENCH_GEN_H
#define VET_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

/* Compartments the dataset defines (vetctl caveat define ...). */
#define GEN_COMPARTMENTS	3
extern const char *const gen_compartment_names[GEN_COMPARTMENTS];
/* gen_compartment_min[k]: "nsv:SC" style minimum, or "" */
extern const char *const gen_compartment_min[GEN_COMPARTMENTS];

enum gen_status { GEN_ACTIVE = 1, GEN_SUSPENDED = 2, GEN_LEAVER = 3 };
enum gen_cstatus { GEN_GRANTED = 1, GEN_CSUSPENDED = 2, GEN_WITHDRAWN = 3,
	GEN_LAPSED = 4 };

struct gen_clearance {
	const char *scheme;		/* "nsv", "police" */
	const char *level;
	int	rank;			/* in its ladder, lowest 0 */
	int64_t	granted_at;
	int64_t	review_due;
	enum gen_cstatus status;
	char	reference[24];
};

struct gen_briefing {
	int	compartment;		/* index into gen_compartment_names */
	int64_t	briefed_at;
	int64_t	expires_at;		/* 0: none */
	int64_t	debriefed_at;		/* 0: still briefed */
};

struct gen_person {
	uint32_t index;
	char	id[16];			/* "p0000042" */
	char	display_name[48];
	char	email[80];
	const char *org_unit;
	const char *nationality;	/* "GB", "IE", ... or "" */
	enum gen_status status;
	int64_t	created_at;
	size_t	n_clearances;
	struct gen_clearance clearances[2];
	size_t	n_briefings;
	struct gen_briefing briefings[GEN_COMPARTMENTS];
};

/* gen_person fills *p with person index of seed. */
void gen_person(uint64_t seed, uint32_t index, struct gen_person *p);

/* gen_nsv: the person's nsv clearance, or NULL. */
const struct gen_clearance *gen_nsv(const struct gen_person *p);

/* gen_valid_nsv_rank: rank of a granted nsv clearance in force at now,
 * or -1. */
int gen_valid_nsv_rank(const struct gen_person *p, int64_t now);

/* gen_briefed: the person holds a current briefing into compartment k. */
int gen_briefed(const struct gen_person *p, int k, int64_t now);

/*
 * A look-up as the load generator sends it: a Check for vetd, a Compare
 * of employeeType against want_clearance for slapd, an HGET of the
 * clearance field for redis. About 80% of vetd's answers are ALLOW.
 */
struct gen_query {
	char	person_id[16];
	const char *marking;
	size_t	n_caveats;
	const char *caveats[2];
	char	want_clearance[24];	/* "nsv:SC" */
};

void gen_query(uint64_t *rng, uint64_t seed, uint32_t people, int64_t now,
    struct gen_query *q);

/* The generator's PRNG (splitmix64). */
uint64_t gen_next(uint64_t *state);
/* gen_below: uniform in [0, n). */
uint32_t gen_below(uint64_t *state, uint32_t n);

#endif /* VET_BENCH_GEN_H */
