/* convert.c: placeholder, being written. */
