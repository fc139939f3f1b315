/*
 * tr_sys — reading the kernel's loss counters for the traffic tools (see
 * tr_sys.h). /proc/net/snmp holds pairs of lines, a header of field names
 * and a line of values, each starting with the protocol ("Udp:").
 */
#include "bench/traffic/tr_sys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"

int tr_sys_udp_errors(uint64_t *rcvbuf_errors, uint64_t *in_errors)
{
    FILE *f = fopen("/proc/net/snmp", "re");
    if (!f)
        return -errno;
    char hdr[1024], val[1024];
    int r = -ENOENT;
    while (fgets(hdr, sizeof(hdr), f)) {
        if (strncmp(hdr, "Udp:", 4) != 0)
            continue;
        if (!fgets(val, sizeof(val), f))
            break;
        char *hs = NULL, *vs = NULL;
        char *h = strtok_r(hdr, " \n", &hs), *v = strtok_r(val, " \n", &vs);
        int found = 0;
        while (h && v) {
            uint64_t x;
            if (scc_parse_u64(v, &x) == 0) {
                if (!strcmp(h, "RcvbufErrors")) {
                    *rcvbuf_errors = x;
                    found |= 1;
                } else if (!strcmp(h, "InErrors")) {
                    *in_errors = x;
                    found |= 2;
                }
            }
            h = strtok_r(NULL, " \n", &hs);
            v = strtok_r(NULL, " \n", &vs);
        }
        r = found == 3 ? 0 : -ENOENT;
        break;
    }
    fclose(f);
    return r;
}

int tr_sys_if_stat(const char *ifname, const char *name, uint64_t *out)
{
    char path[256], buf[64];
    int n = snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, name);
    if (n < 0 || (size_t)n >= sizeof(path) || strchr(ifname, '/'))
        return -EINVAL;
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int r = -EIO;
    if (fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\n")] = '\0';
        r = scc_parse_u64(buf, out);
    }
    fclose(f);
    return r;
}
