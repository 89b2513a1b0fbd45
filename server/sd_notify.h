/*
 * sd_notify.h: tell the service manager (systemd, Type=notify) that vetd
 * is ready, reloading or stopping. The protocol is one datagram of
 * "KEY=VALUE\n" lines to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (sd_notify(3), "the notification protocol"); written here in a few
 * lines so vetd does not link libsystemd. Without $NOTIFY_SOCKET (a
 * terminal, the tests) every call does nothing.
 */
#ifndef VETD_SD_NOTIFY_H
#define VETD_SD_NOTIFY_H

/*
 * sd_notify_send sends state ("READY=1", "STOPPING=1\nSTATUS=...") to
 * $NOTIFY_SOCKET. Returns 1 when sent, 0 when there is no socket to send
 * to, -1 (errno set) when sending failed; vetd logs and carries on.
 */
int sd_notify_send(const char *state);

/* sd_notify_sendf formats state first (at most 1 KiB). */
int sd_notify_sendf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* VETD_SD_NOTIFY_H */
