/*
 * person_rule_view.h: compares a person as the generic record decoder
 * writes it with the same person as the check path's decoder writes it
 * (record_decode_person_rule): equal in every field the rule reads, the
 * other strings empty. Shared by test_record_decode.c and the
 * fuzz_record_decode target.
 */
#ifndef VETD_TEST_PERSON_RULE_VIEW_H
#define VETD_TEST_PERSON_RULE_VIEW_H

#include <string.h>

#include "model.h"

/* person_rule_view_diff: NULL when rule is full's rule view, else the
 * first field that is not. */
static inline const char *
person_rule_view_diff(const struct person *full, const struct person *rule)
{
	size_t i;

	if (strcmp(full->id, rule->id) != 0)
		return "id";
	if (strcmp(full->nationality, rule->nationality) != 0)
		return "nationality";
	if (full->status != rule->status || full->source != rule->source)
		return "status or source";
	if (full->created_at != rule->created_at ||
	    full->updated_at != rule->updated_at ||
	    full->status_changed_at != rule->status_changed_at)
		return "a person's time";
	if (rule->display_name[0] != '\0' || rule->email[0] != '\0' ||
	    rule->org_unit[0] != '\0' || rule->status_reason[0] != '\0')
		return "a string the rule does not read is not empty";
	if (full->n_clearances != rule->n_clearances ||
	    full->n_briefings != rule->n_briefings)
		return "the number of clearances or briefings";
	for (i = 0; i < full->n_clearances; i++) {
		const struct clearance *a = &full->clearances[i];
		const struct clearance *b = &rule->clearances[i];

		if (strcmp(a->scheme, b->scheme) != 0 ||
		    strcmp(a->level, b->level) != 0 ||
		    a->granted_at != b->granted_at ||
		    a->review_due != b->review_due ||
		    a->status != b->status ||
		    a->status_changed_at != b->status_changed_at)
			return "a clearance";
		if (b->authority[0] != '\0' || b->reference[0] != '\0' ||
		    b->status_reason[0] != '\0')
			return "a clearance's unread string is not empty";
	}
	for (i = 0; i < full->n_briefings; i++) {
		const struct briefing *a = &full->briefings[i];
		const struct briefing *b = &rule->briefings[i];

		if (strcmp(a->compartment, b->compartment) != 0 ||
		    a->briefed_at != b->briefed_at ||
		    a->expires_at != b->expires_at ||
		    a->debriefed_at != b->debriefed_at)
			return "a briefing";
		if (b->debrief_reason[0] != '\0')
			return "a briefing's unread string is not empty";
	}
	return NULL;
}

#endif /* VETD_TEST_PERSON_RULE_VIEW_H */
