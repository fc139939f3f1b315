/*
 * ln_endpoints — the two namespaces at a chain's ends for ordinary
 * applications (`scc run --endpoints`, the spec's `endpoints` block;
 * docs/endpoints.md).
 *
 * ln_topo creates the namespaces (scc-CHAIN.ingress, scc-CHAIN.egress) and
 * their links, journaled like every other object, so exit, Ctrl-C and
 * kill -9 + `scc cleanup` remove them. This module gives each endpoint
 * what a host needs to talk through the chain:
 *   - its address (endpoints.ingress / .egress, /prefix_len);
 *   - a default route via its gateway (the last usable address of its
 *     subnet), so every destination beyond, a NAT pool included, goes into
 *     the chain;
 *   - a permanent neighbour entry for the gateway: the NFs answer no ARP.
 *     Over b2b it names the far endpoint's MAC (the NFs keep the frames'
 *     MACs, so the far kernel accepts them); over a bridge the next NF's
 *     port (the bridge steers by MAC; the NFs rewrite the destination);
 *   - checksum and segmentation offloads off on its interface: a kernel
 *     sending over veth would otherwise hand the chain 64 KiB TCP
 *     super-frames with unfinished checksums, which an NF's raw socket can
 *     neither hold (2 KiB buffers) nor forward intact.
 * Addresses, routes and neighbours live inside the namespaces and go with
 * them; nothing here needs a journal record of its own.
 */
#ifndef LN_ENDPOINTS_H
#define LN_ENDPOINTS_H

#include <stdio.h>

#include "launcher/ln_topo.h"

/* Configure both endpoints of plan (after ln_topo_create). Under
 * ln_dry_run the `ip` commands go to the dry-run output. Returns 0 or -1
 * (logged). */
int ln_endpoints_setup(const struct ln_plan *plan);

/* Print, for a person, the endpoints' addresses and the exact `scc exec`
 * lines to try (ping, iperf3, sockperf). */
void ln_endpoints_print(const struct ln_plan *plan, FILE *f);

/* The namespace of endpoint `which` ("ingress" or "egress") of the
 * running chain `chain`, or of the only running chain with endpoints when
 * chain is NULL: found through the state files (their launcher alive, the
 * namespace journaled as created). Returns 0, -ENOENT (no such chain or
 * none running with endpoints), -EBUSY (several: name one; their names
 * in err) or -EINVAL; a message in err. */
int ln_endpoints_find(const char *chain, const char *which, char *ns, size_t nslen, char *err,
                      size_t errlen);

#endif
