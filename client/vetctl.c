/* vetctl.c: placeholder, being written. */
