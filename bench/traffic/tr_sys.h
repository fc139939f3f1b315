/*
 * tr_sys — kernel counters that say where packets were lost: the UDP MIB
 * (/proc/net/snmp, per network namespace) and an interface's statistics
 * (/sys/class/net/IF/statistics). Values are read at the start and end of
 * a run and reported as deltas.
 */
#ifndef TR_SYS_H
#define TR_SYS_H

#include <stdint.h>

/* Udp RcvbufErrors and InErrors of the caller's namespace. 0 or -errno. */
int tr_sys_udp_errors(uint64_t *rcvbuf_errors, uint64_t *in_errors);
/* /sys/class/net/IF/statistics/NAME (rx_dropped, tx_dropped, ...). 0 or -errno. */
int tr_sys_if_stat(const char *ifname, const char *name, uint64_t *out);

#endif
