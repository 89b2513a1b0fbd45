/*
 * methods.h: the one table that says, for each method of vet.v1.Vetting,
 * whether it reads or writes the store. A method missing from the table is
 * refused at start-up, so the table and the .proto cannot drift apart.
 */
#ifndef VETD_METHODS_H
#define VETD_METHODS_H

enum method_kind {
	METHOD_READ = 1,	/* runs at once on a read snapshot */
	METHOD_WRITE = 2,	/* runs on the writer thread, idempotent by id */
};

struct method {
	const char	*name;	/* as in the service: "Check" */
	enum method_kind kind;
};

/* methods_find returns the entry for a method name, or NULL. */
const struct method *methods_find(const char *name);

#endif /* VETD_METHODS_H */
