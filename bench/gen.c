/*
 * gen.c: the deterministic people of the benchmarks (see gen.h). The
 * proportions follow a police force's register roughly: most staff hold
 * NSV (SC the commonest level), a quarter also hold police vetting, a few
 * are suspended or have left, a few clearances are overdue for review,
 * and DV holders are often briefed into compartments.
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"

#define DAY		86400
#define YEAR		(365 * DAY)
#define BASE		((int64_t)1735689600)	/* 2025-01-01 */
#define FAR		((int64_t)1893456000)	/* 2030-01-01 */

const char *const gen_compartment_names[GEN_COMPARTMENTS] = {
	"ATOMAL", "KESTREL", "BLUEFIN",
};
const char *const gen_compartment_min[GEN_COMPARTMENTS] = {
	"nsv:SC", "nsv:DV", "",
};

static const char *const first_names[] = {
	"Alice", "Amir", "Bethan", "Callum", "Chloe", "Daniel", "Deepa",
	"Eilidh", "Fatima", "George", "Hannah", "Ibrahim", "Jack", "Kerry",
	"Liam", "Mei", "Niamh", "Oliver", "Priya", "Rhys", "Sophie", "Tomasz",
	"Uzma", "Yusuf",
};
static const char *const last_names[] = {
	"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans",
	"Wilson", "Thomas", "Roberts", "Johnson", "Lewis", "Walker", "Khan",
	"Patel", "Hughes", "Edwards", "Green", "Hall", "Wood", "Murphy",
	"O'Brien", "Kowalski", "Nowak",
};
static const char *const org_units[] = {
	"Major Crime", "Counter Terrorism", "Economic Crime", "Intelligence",
	"Professional Standards", "Digital Forensics", "Roads Policing",
	"Public Protection", "Custody", "Vetting Unit", "HR", "ICT",
};
static const char *const other_nationalities[] = {
	"IE", "FR", "US", "AU", "DE", "PL", "IN", "NG",
};
static const struct {
	const char *level;
	int	period_years;
} nsv_levels[] = {
	{ "BPSS", 10 }, { "CTC", 5 }, { "SC", 10 }, { "DV", 7 }, { "eDV", 7 },
};
static const char *const police_levels[] = {
	"NPPV1", "NPPV2", "RV", "NPPV3", "MV",
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

uint64_t
gen_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t
gen_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(((gen_next(state) >> 32) * (uint64_t)n) >> 32);
}

/* pct: true with probability p percent. */
static int
pct(uint64_t *r, unsigned p)
{
	return gen_below(r, 10000) < p * 100;
}

void
gen_person(uint64_t seed, uint32_t index, struct gen_person *p)
{
	uint64_t r = seed ^ ((uint64_t)index * UINT64_C(0xd1342543de82ef95));
	const char *first, *last;
	unsigned roll;

	memset(p, 0, sizeof(*p));
	gen_next(&r);
	p->index = index;
	snprintf(p->id, sizeof(p->id), "p%07u", index);
	first = first_names[gen_below(&r, N(first_names))];
	last = last_names[gen_below(&r, N(last_names))];
	snprintf(p->display_name, sizeof(p->display_name), "%s %s", first,
	    last);
	snprintf(p->email, sizeof(p->email), "%c.%s%u@force.example",
	    first[0] | 0x20, last, index);
	for (char *c = p->email; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c | 0x20);
		else if (*c == '\'')
			*c = '-';
	p->org_unit = org_units[gen_below(&r, N(org_units))];
	roll = gen_below(&r, 100);
	p->nationality = roll < 88 ? "GB" : roll < 94 ?
	    other_nationalities[gen_below(&r, N(other_nationalities))] : "";
	roll = gen_below(&r, 100);
	p->status = roll < 92 ? GEN_ACTIVE : roll < 94 ? GEN_SUSPENDED :
	    GEN_LEAVER;
	p->created_at = BASE - 15 * (int64_t)YEAR +
	    (int64_t)gen_below(&r, 14 * 365) * DAY;

	/* NSV: 97% hold one. */
	if (pct(&r, 97)) {
		struct gen_clearance *c = &p->clearances[p->n_clearances++];
		roll = gen_below(&r, 100);
		c->rank = roll < 25 ? 0 : roll < 35 ? 1 : roll < 80 ? 2 :
		    roll < 97 ? 3 : 4;
		c->scheme = "nsv";
		c->level = nsv_levels[c->rank].level;
		c->granted_at = p->created_at +
		    (int64_t)gen_below(&r, 365) * DAY;
		if (pct(&r, 3))		/* overdue for review */
			c->review_due = BASE - (int64_t)(1 +
			    gen_below(&r, 700)) * DAY;
		else
			c->review_due = FAR + (int64_t)gen_below(&r,
			    (uint32_t)nsv_levels[c->rank].period_years * 365) *
			    DAY;
		if (c->review_due <= c->granted_at)
			c->granted_at = c->review_due - YEAR;
		roll = gen_below(&r, 100);
		c->status = roll < 2 ? GEN_CSUSPENDED : roll < 3 ?
		    GEN_WITHDRAWN : GEN_GRANTED;
		snprintf(c->reference, sizeof(c->reference), "%s-%u-%06u",
		    c->level, 2000 + (unsigned)((c->granted_at - 946684800) /
		    YEAR), gen_below(&r, 1000000));
	}
	/* Police vetting: a quarter. */
	if (pct(&r, 25)) {
		struct gen_clearance *c = &p->clearances[p->n_clearances++];
		c->rank = (int)gen_below(&r, N(police_levels));
		c->scheme = "police";
		c->level = police_levels[c->rank];
		c->granted_at = p->created_at +
		    (int64_t)gen_below(&r, 365) * DAY;
		c->review_due = FAR + (int64_t)gen_below(&r, 3650) * DAY;
		c->status = GEN_GRANTED;
		snprintf(c->reference, sizeof(c->reference), "FV-%06u",
		    gen_below(&r, 1000000));
	}
	/* Compartments for SC and above. */
	const struct gen_clearance *nsv = gen_nsv(p);
	for (int k = 0; nsv != NULL && k < GEN_COMPARTMENTS; k++) {
		unsigned chance = k == 1 ? (nsv->rank >= 3 ? 60 : 0) :
		    nsv->rank >= 3 ? 50 : nsv->rank == 2 ? 25 : 0;
		if (!pct(&r, chance))
			continue;
		struct gen_briefing *b = &p->briefings[p->n_briefings++];
		b->compartment = k;
		b->briefed_at = nsv->granted_at +
		    (int64_t)gen_below(&r, 365) * DAY;
		if (pct(&r, 5))
			b->expires_at = BASE - (int64_t)gen_below(&r, 365) * DAY;
		else if (pct(&r, 50))
			b->expires_at = FAR + (int64_t)gen_below(&r, 3650) * DAY;
		if (b->expires_at != 0 && b->expires_at <= b->briefed_at)
			b->expires_at = b->briefed_at + YEAR;
	}
	/* A leaver holds nothing any more. */
	if (p->status == GEN_LEAVER) {
		int64_t left = BASE - (int64_t)gen_below(&r, 3 * 365) * DAY;
		for (size_t i = 0; i < p->n_clearances; i++)
			if (p->clearances[i].status == GEN_GRANTED ||
			    p->clearances[i].status == GEN_CSUSPENDED)
				p->clearances[i].status = GEN_LAPSED;
		for (size_t i = 0; i < p->n_briefings; i++) {
			struct gen_briefing *b = &p->briefings[i];
			b->debriefed_at = left > b->briefed_at ? left :
			    b->briefed_at;
		}
	}
}

const struct gen_clearance *
gen_nsv(const struct gen_person *p)
{
	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcmp(p->clearances[i].scheme, "nsv") == 0)
			return &p->clearances[i];
	return NULL;
}

int
gen_valid_nsv_rank(const struct gen_person *p, int64_t now)
{
	const struct gen_clearance *c = gen_nsv(p);

	if (c == NULL || c->status != GEN_GRANTED || c->granted_at > now ||
	    c->review_due <= now)
		return -1;
	return c->rank;
}

int
gen_briefed(const struct gen_person *p, int k, int64_t now)
{
	for (size_t i = 0; i < p->n_briefings; i++) {
		const struct gen_briefing *b = &p->briefings[i];
		if (b->compartment == k && b->briefed_at <= now &&
		    b->debriefed_at == 0 &&
		    (b->expires_at == 0 || now < b->expires_at))
			return 1;
	}
	return 0;
}

static const char *
marking_for_rank(uint64_t *r, int rank)
{
	/* The markings a rank may see, picked at random. */
	static const char *const official[] = { "OFFICIAL",
	    "OFFICIAL-SENSITIVE" };
	if (rank >= 3 && pct(r, 50))
		return "TOP SECRET";
	if (rank >= 2 && pct(r, 60))
		return "SECRET";
	return official[gen_below(r, 2)];
}

void
gen_query(uint64_t *r, uint64_t seed, uint32_t people, int64_t now,
    struct gen_query *q)
{
	struct gen_person p;
	const struct gen_clearance *nsv;
	uint32_t index = gen_below(r, people);
	int rank;

	memset(q, 0, sizeof(*q));
	gen_person(seed, index, &p);
	snprintf(q->person_id, sizeof(q->person_id), "%s", p.id);
	nsv = gen_nsv(&p);
	snprintf(q->want_clearance, sizeof(q->want_clearance), "nsv:%s",
	    nsv != NULL ? nsv->level : "SC");
	rank = p.status == GEN_ACTIVE ? gen_valid_nsv_rank(&p, now) : -1;

	/* About 10% of look-ups are meant to be refused, in several ways;
	 * with the people who are refused anyway (leavers, suspensions,
	 * overdue reviews) about 80% of answers are ALLOW. */
	if (pct(r, 10)) {
		switch (gen_below(r, 4)) {
		case 0:
			snprintf(q->person_id, sizeof(q->person_id), "x%07u",
			    index);
			q->marking = "OFFICIAL";
			return;
		case 1:
			q->marking = rank >= 3 ? "SECRET" : "TOP SECRET";
			if (rank >= 3) {
				q->caveats[q->n_caveats++] = "KESTREL";
				if (gen_briefed(&p, 1, now))
					q->caveats[0] = "ATOMAL";
			}
			return;
		case 2:
			q->marking = "OFFICIAL";
			q->caveats[q->n_caveats++] = gen_briefed(&p, 2, now) ?
			    "KESTREL" : "BLUEFIN";
			return;
		default:
			q->marking = "OFFICIAL";
			q->caveats[q->n_caveats++] = "UK EYES ONLY";
			return;
		}
	}
	q->marking = marking_for_rank(r, rank < 0 ? 0 : rank);
	for (int k = 0; k < GEN_COMPARTMENTS && q->n_caveats < 1; k++)
		if (gen_briefed(&p, k, now) && pct(r, 30) &&
		    (k != 1 || rank >= 3) && (k != 0 || rank >= 2))
			q->caveats[q->n_caveats++] = gen_compartment_names[k];
	if (strcmp(p.nationality, "GB") == 0 && pct(r, 20))
		q->caveats[q->n_caveats++] = "UK EYES ONLY";
}
