/*
 * tr_dist — frame size distributions for the generator.
 *
 * Sizes follow RFC 2544 section 9: an Ethernet frame size INCLUDES the
 * 4-byte FCS, so 64..1518. The bytes handed to the kernel are size - 4
 * (60..1514; the NIC or veth adds no FCS we could see anyway).
 *
 * Text forms accepted by tr_dist_parse():
 *   "64" .. "1518"     one fixed size
 *   "imix"             simple IMIX, 7:4:1 of 64, 594, 1518
 *   "datacenter"       small-packet heavy mix with a 120 B median, shaped
 *                      after the web-server racks in Roy et al., "Inside the
 *                      Social Network's (Datacenter) Network", SIGCOMM 2015
 *                      (mostly sub-200 B packets, a tail of full frames)
 *   "S:W,S:W,..."      any weighted list, e.g. "64:7,594:4,1518:1"
 */
#ifndef TR_DIST_H
#define TR_DIST_H

#include <stddef.h>
#include <stdint.h>

#define TR_SIZE_MIN 64u
#define TR_SIZE_MAX 1518u
#define TR_FCS_LEN 4u
#define TR_DIST_MAX 16

struct tr_dist {
    unsigned n;                     /* entries in use, 1..TR_DIST_MAX */
    uint16_t size[TR_DIST_MAX];     /* frame size incl. FCS */
    uint32_t weight[TR_DIST_MAX];
    uint64_t cum[TR_DIST_MAX];      /* running sums of weight */
    char name[32];                  /* "64", "imix", "datacenter", "custom" */
};

/* 0, or -EINVAL with a message in err (sizes out of 64..1518, bad text). */
int tr_dist_parse(const char *text, struct tr_dist *d, char *err, size_t errlen);
/* One frame size (incl. FCS) drawn with the distribution's weights. */
unsigned tr_dist_sample(const struct tr_dist *d, uint64_t *rng);
double tr_dist_mean(const struct tr_dist *d);   /* weighted mean size */
unsigned tr_dist_max(const struct tr_dist *d);
/* Weighted median size (the smallest size with cumulative weight >= 1/2). */
unsigned tr_dist_median(const struct tr_dist *d);

#endif
