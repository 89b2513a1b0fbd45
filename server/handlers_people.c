/* handlers_people.c: placeholder, being written. */
