/* vetctl_output.c: placeholder, being written. */
