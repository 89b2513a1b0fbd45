/*
 * vetctl.h: vetctl's private interfaces, grouped by the file that defines
 * them. vetctl.c parses the command line and calls libvet; vetctl_output.c
 * turns libvet's results into human text or JSON.
 */
#ifndef VETCTL_H
#define VETCTL_H

#include <stdio.h>

#include <jansson.h>

#include "vet/vet.h"

/* Exit codes. */
#define EXIT_OK		0	/* success; check: ALLOW */
#define EXIT_DENY	1	/* check: DENY */
#define EXIT_USAGE	2	/* usage error, bad local file */
#define EXIT_SERVER	3	/* error status from vetd, or no answer */

/*
 * vetctl_output.c. Strings from vetd are untrusted: the human printers
 * replace control characters, and JSON strings that are not valid UTF-8
 * have their non-ASCII bytes replaced.
 */
void	 output_error(const vet_status *);
void	 output_safe(FILE *, const char *);
/* output_json prints o on stdout and frees it; returns an exit code. */
int	 output_json(json_t *o);
/* json_* return new references (NULL only when out of memory). */
json_t	*json_person(const vet_person *);
json_t	*json_caveat(const vet_caveat *);
json_t	*json_decision(const vet_decision *);
json_t	*json_health(const vet_health_info *);
/* json_set and json_append take v's reference; NULL v means no memory. */
void	 json_set(json_t *o, const char *key, json_t *v);
void	 json_append(json_t *a, json_t *v);
void	 print_person(FILE *, const vet_person *);
void	 print_people(FILE *, const vet_person *, size_t n, int header);
void	 print_caveats(FILE *, const vet_caveat *, size_t n);
void	 print_decision(FILE *, const vet_decision *);
void	 print_health(FILE *, const vet_health_info *);

#endif /* VETCTL_H */
