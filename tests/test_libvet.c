/* test_libvet.c: placeholder, being written. */
