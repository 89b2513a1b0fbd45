/*
 * vetctl.h: vetctl's private interfaces, grouped by the file that defines
 * them. vetctl.c parses the command line; vetctl_people.c and
 * vetctl_vetting.c run the commands through libvet; vetctl_output.c turns
 * libvet's results into human text or JSON.
 */
#ifndef VETCTL_H
#define VETCTL_H

#include <stdint.h>
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
/* output_table prints nrows rows of ncol cells (row 0 the header, at
 * most 8 columns) as aligned columns, through output_safe. */
void	 output_table(FILE *, size_t ncol, const char *const *cells,
	    size_t nrows);


/* vetctl.c: the command line, shared by every command. */
struct ctl {
	const char	*url;
	vet_options	 opts;
	const char	*token_file;
	char		*token;		/* secret */
	vet_client	*client;
	int		 json;
};

struct command;
typedef int command_fn(struct ctl *, const struct command *, int, char **);

struct command {
	const char	*name;		/* "person put" */
	const char	*usage;		/* what follows the name */
	const char	*args[4];	/* required positional arguments */
	int		 more;		/* more positional arguments allowed */
	command_fn	*run;
};
/* A command's option, filled by args_parse. */
struct flag {
	const char	*name;
	int		 has_arg;
	int		 required;
	const char	*value;		/* "" for a flag without a value */
};


int out_of_memory(void);
int usage_error(const struct command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *flag_value(const struct flag *flags, const char *name);
int args_parse(const struct command *cmd, int argc, char **argv, struct flag *flags, char ***pos, int *npos);
int date_parse(const struct command *cmd, const char *name, const char *s, int64_t *out);
int ctl_connect(struct ctl *ctl);
int server_error(const vet_status *st);
int show_person(struct ctl *ctl, const char *done, vet_person *p, const vet_status *st);

/* The commands, one per entry of vetctl.c's command table. */
/* vetctl_people.c: HR and applications. */
command_fn cmd_health, cmd_person_put, cmd_person_show;
command_fn cmd_person_list, cmd_person_status, cmd_leaver, cmd_check;
/* vetctl_vetting.c: the vetting unit. */
command_fn cmd_clearance_grant, cmd_clearance_status, cmd_caveat_define;
/* vetctl_history.c: clearance renew; a person's history. */
command_fn cmd_clearance_renew;
json_t	*json_history(const vet_person *);
void	 print_history(FILE *, const vet_person *);
command_fn cmd_caveat_list, cmd_brief, cmd_debrief;
/* vetctl_backup.c: the administrator. */
command_fn cmd_backup;
/* vetctl_register.c, vetctl_register_export.c: the clearance register. */
command_fn cmd_import_clearances, cmd_export_clearances;
/* vetctl_audit.c: auditors. json_audit_entry: an entry as JSON, with
 * canonical its hashed bytes in hex too. */
command_fn cmd_audit_list, cmd_audit_verify, cmd_audit_export;
json_t	*json_audit_entry(const vet_audit_entry *e, int canonical);
/* vetctl_records.c: the records manager: subject access, retention. */
command_fn cmd_sar, cmd_retention_due, cmd_retention_purge;
/* vetctl_report.c: reports for the vetting unit and auditors. */
command_fn cmd_report_due, cmd_report_holders, cmd_report_summary;
command_fn cmd_report_unvetted;
/* vetctl_token.c: the administrator's API tokens. */
command_fn cmd_token_create, cmd_token_list, cmd_token_revoke;

#endif /* VETCTL_H */
