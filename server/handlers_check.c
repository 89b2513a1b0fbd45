/* handlers_check.c: placeholder, being written. */
