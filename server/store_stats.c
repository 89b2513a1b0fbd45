/*
 * store_stats.c: how full the LMDB map is (see store_stats.h).
 */
#include <lmdb.h>

#include "store_internal.h"
#include "store_stats.h"

int
store_stats(struct store *s, struct store_stats *out)
{
	MDB_envinfo info;
	MDB_stat st;

	if (mdb_env_info(s->env, &info) != MDB_SUCCESS ||
	    mdb_env_stat(s->env, &st) != MDB_SUCCESS)
		return -1;
	out->map_size = info.me_mapsize;
	out->map_used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
	out->readers = info.me_numreaders;
	out->max_readers = info.me_maxreaders;
	return 0;
}
