/* record.c: placeholder, being written. */
