/*
 * register_gen.c: vet-register-gen, a deterministic clearance register for
 * bench/register.sh: a header and --rows N rows in the format vetctl
 * import clearances reads (docs/REGISTER.md), on standard output. Person
 * i of seed s is always the same: about 3 in 4 people hold an nsv
 * clearance and a police one (two rows), the rest one; names, units and
 * nationalities vary; some dates are RFC 3339 date-times with an offset,
 * and some fields need quoting, so the reader's slower paths are in the
 * figure too. Lines end in CR LF, as a spreadsheet writes them.
 *
 *   vet-register-gen --rows N [--seed S]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen.h"
#include "vettime.h"

static const char *const units[] = { "Major Crime", "Counter Terrorism",
	"Professional Standards", "Digital Forensics", "Firearms",
	"Intelligence, Analysis", "Custody", "Roads Policing" };
static const char *const nations[] = { "GB", "GB", "GB", "GB", "IE", "",
	"FR", "GB" };
static const char *const nsv_levels[] = { "BPSS", "CTC", "SC", "SC", "DV" };
static const char *const police_levels[] = { "NPPV1", "NPPV2", "RV",
	"NPPV3", "MV" };
static const char *const first[] = { "Alice", "Bob", "Carol", "Dan", "Eve",
	"Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niamh" };
static const char *const last[] = { "Smith", "Jones", "O'Brien", "Taylor",
	"Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts" };

static void
usage(void)
{
	fprintf(stderr, "usage: vet-register-gen --rows N [--seed S]\n");
	exit(2);
}

static void
date(uint64_t *rng, int years_from, char *buf, size_t size)
{
	/* Days from 2015-01-01 (1420070400). */
	int64_t t = 1420070400 + (int64_t)gen_below(rng, 365 * 8) * 86400 +
	    (int64_t)years_from * 365 * 86400;

	if (gen_below(rng, 10) == 0) {
		t += 9 * 3600 + 30 * 60;
		vettime_format(t - 3600, buf, size);	/* as +01:00 */
		snprintf(buf + 19, size - 19, "+01:00");
		return;
	}
	vettime_format_date(t, buf, size);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "rows", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t rows = 0, seed = 1, written = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'n' && parse_u64(optarg, 1, 100000000, &rows) == 0)
			continue;
		if (ch == 's' && parse_u64(optarg, 0, UINT64_MAX, &seed) == 0)
			continue;
		usage();
	}
	if (rows == 0 || optind != argc)
		usage();
	printf("id,name,email,org unit,nationality,scheme,level,granted,"
	    "review due,authority,reference\r\n");
	for (uint64_t i = 0; written < rows; i++) {
		uint64_t rng = seed * 0x9e3779b97f4a7c15ULL + i;
		const char *f = first[gen_below(&rng, 12)];
		const char *l = last[gen_below(&rng, 10)];
		const char *unit = units[gen_below(&rng, 8)];
		const char *nat = nations[gen_below(&rng, 8)];
		char person[512], granted[32], review[32];
		int two = gen_below(&rng, 4) != 0;

		snprintf(person, sizeof(person), "E%08llu,\"%s %s\","
		    "%c.%s%llu@force.example,\"%s\",%s", (unsigned long long)i,
		    f, l, f[0], l, (unsigned long long)i, unit, nat);
		date(&rng, 0, granted, sizeof(granted));
		date(&rng, 10, review, sizeof(review));
		printf("%s,nsv,%s,%s,%s,UKSV,NSV-%llu\r\n", person,
		    nsv_levels[gen_below(&rng, 5)], granted, review,
		    (unsigned long long)i);
		if (++written == rows || !two)
			continue;
		date(&rng, 0, granted, sizeof(granted));
		date(&rng, 9, review, sizeof(review));
		printf("%s,police,%s,%s,%s,Force Vetting Unit,FV/%llu\r\n",
		    person, police_levels[gen_below(&rng, 5)], granted, review,
		    (unsigned long long)i);
		written++;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
