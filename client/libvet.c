/* libvet.c: placeholder, being written. */
