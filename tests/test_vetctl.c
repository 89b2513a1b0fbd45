/* test_vetctl.c: placeholder, being written. */
