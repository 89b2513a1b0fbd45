/* rpc.c: placeholder, being written. */
