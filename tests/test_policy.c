/* test_policy.c: placeholder, being written. */
