/* test_vettime.c: placeholder, being written. */
