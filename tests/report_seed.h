/*
 * report_seed.h: what test_reports.c and test_reports_vetctl.c share
 * (report_seed.c). Dates are days from `today`, midnight UTC before the
 * seeding.
 */
#ifndef VET_TEST_REPORT_SEED_H
#define VET_TEST_REPORT_SEED_H

#include <stddef.h>
#include <stdint.h>

#include <vet/vet.h>

#include "fixture.h"

#define DAY	86400

extern struct vetd_proc vetd;
extern vet_client *client;
extern int64_t today;
extern int64_t seeded_from, seeded_to;	/* the seeding's wall clock */

/* The suite's init and fini: vetd started, client opened; both gone. */
void	rs_setup(void);
void	rs_teardown(void);

/* OK(call): call, with &st_ for its status, must return VET_OK. */
#define OK(call) do {							\
	vet_status st_;							\
	int rv_ = (call);						\
	cr_assert_eq(rv_, VET_OK, "%s: %s", #call, st_.message);	\
	(void)st_;							\
} while (0)

/* Writes through libvet, asserting each succeeds. */
void	person(const char *id, const char *name, const char *unit);
void	grant(const char *id, const char *scheme, const char *level,
	    int granted, int due);
void	clearance(const char *id, const char *scheme, vet_action a);
/* seed writes the dataset (report_seed.c says what it holds). */
void	seed(void);
/* add appends a space and the formatted text to buf. */
void	add(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* VET_TEST_REPORT_SEED_H */
