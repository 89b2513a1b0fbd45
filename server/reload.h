/*
 * reload.h: SIGHUP. main.c re-reads the configuration file (and re-applies
 * the command-line flags, which still win) into a fresh struct config; if
 * that fails the running configuration is kept and the error logged.
 * reload_apply then compares the fresh settings with the running ones,
 * applies those that are safe to change while serving, and logs one line
 * per changed setting, saying whether it took effect now or needs a
 * restart.
 */
#ifndef VETD_RELOAD_H
#define VETD_RELOAD_H

struct config;
struct vetd;

/*
 * reload_apply copies each live-reloadable setting that differs from
 * fresh into live and applies it; settings that need a restart are left
 * as they are in live. Returns how many settings differed. Runs on the
 * main thread only (the one that takes signals).
 */
int reload_apply(struct vetd *vd, struct config *live,
    const struct config *fresh);

#endif /* VETD_RELOAD_H */
