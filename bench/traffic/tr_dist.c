/*
 * tr_dist — frame size distributions (see tr_dist.h): parsing the text
 * forms, and sampling by a binary search over cumulative weights.
 */
#include "bench/traffic/tr_dist.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/traffic/tr_pace.h"
#include "common/scc_util.h"

static const char IMIX[] = "64:7,594:4,1518:1";
/* Web-server rack mix: 55 % of frames at or below 120 B, so the median is
 * 120 B; the weights are ours, the shape (mostly small, a full-MTU tail)
 * is the paper's. */
static const char DATACENTER[] = "64:30,90:10,120:15,200:10,300:8,576:7,1000:5,1518:15";

static int parse_list(const char *text, struct tr_dist *d, char *err, size_t errlen)
{
    char buf[256];
    if (scc_strlcpy(buf, text, sizeof(buf)) >= sizeof(buf)) {
        snprintf(err, errlen, "size list too long: '%s'", text);
        return -EINVAL;
    }
    d->n = 0;
    uint64_t total = 0;
    /* Split by hand: strtok would skip empty entries ("64,,") silently. */
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        if (d->n >= TR_DIST_MAX) {
            snprintf(err, errlen, "size list has more than %d entries", TR_DIST_MAX);
            return -EINVAL;
        }
        char *colon = strchr(tok, ':');
        if (colon)
            *colon = '\0';
        long sz, w = 1;
        if (scc_parse_long(tok, TR_SIZE_MIN, TR_SIZE_MAX, &sz) < 0) {
            snprintf(err, errlen,
                     "frame size '%s' is not a number in %u..%u (sizes include the FCS, "
                     "RFC 2544)",
                     tok, TR_SIZE_MIN, TR_SIZE_MAX);
            return -EINVAL;
        }
        if (colon && scc_parse_long(colon + 1, 1, 1000000, &w) < 0) {
            snprintf(err, errlen, "weight '%s' for size %ld is not a number in 1..1000000",
                     colon + 1, sz);
            return -EINVAL;
        }
        d->size[d->n] = (uint16_t)sz;
        d->weight[d->n] = (uint32_t)w;
        total += (uint64_t)w;
        d->cum[d->n] = total;
        d->n++;
    }
    if (d->n == 0) {
        snprintf(err, errlen, "empty size list");
        return -EINVAL;
    }
    return 0;
}

int tr_dist_parse(const char *text, struct tr_dist *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof(*d));
    if (!text || !*text) {
        snprintf(err, errlen, "empty size");
        return -EINVAL;
    }
    const char *list = text, *name = "custom";
    if (!strcmp(text, "imix")) {
        list = IMIX;
        name = "imix";
    } else if (!strcmp(text, "datacenter")) {
        list = DATACENTER;
        name = "datacenter";
    } else if (!strchr(text, ',') && !strchr(text, ':')) {
        name = text;
    }
    int r = parse_list(list, d, err, errlen);
    if (r < 0)
        return r;
    scc_strlcpy(d->name, name, sizeof(d->name));
    return 0;
}

unsigned tr_dist_sample(const struct tr_dist *d, uint64_t *rng)
{
    if (d->n == 1)
        return d->size[0];
    uint64_t total = d->cum[d->n - 1];
    /* Multiply-shift maps 64 random bits to [0, total) without a division
     * and with negligible bias for totals far below 2^32. */
    uint64_t x = (uint64_t)(((unsigned __int128)tr_rng_next(rng) * total) >> 64);
    unsigned lo = 0, hi = d->n - 1;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (x < d->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return d->size[lo];
}

double tr_dist_mean(const struct tr_dist *d)
{
    double s = 0;
    for (unsigned i = 0; i < d->n; i++)
        s += (double)d->size[i] * d->weight[i];
    return d->n ? s / (double)d->cum[d->n - 1] : 0;
}

unsigned tr_dist_max(const struct tr_dist *d)
{
    unsigned m = 0;
    for (unsigned i = 0; i < d->n; i++)
        if (d->size[i] > m)
            m = d->size[i];
    return m;
}

unsigned tr_dist_median(const struct tr_dist *d)
{
    /* Entries may come in any order: pick the smallest size whose weight
     * of sizes <= it reaches half the total. */
    uint64_t total = d->n ? d->cum[d->n - 1] : 0;
    unsigned best = 0;
    for (unsigned i = 0; i < d->n; i++) {
        uint64_t below = 0;
        for (unsigned j = 0; j < d->n; j++)
            if (d->size[j] <= d->size[i])
                below += d->weight[j];
        if (2 * below >= total && (best == 0 || d->size[i] < best))
            best = d->size[i];
    }
    return best;
}
