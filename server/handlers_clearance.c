/* handlers_clearance.c: placeholder, being written. */
