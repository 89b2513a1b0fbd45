/* test_store.c: placeholder, being written. */
