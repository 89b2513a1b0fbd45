/* test_envelope.c: placeholder, being written. */
