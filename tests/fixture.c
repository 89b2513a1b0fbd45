/* fixture.c: placeholder, being written. */
