/* writer.c: placeholder, being written. */
