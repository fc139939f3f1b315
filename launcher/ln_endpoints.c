/*
 * ln_endpoints — see ln_endpoints.h. The `ip` work goes through ln_exec
 * with argv arrays; the offloads are switched off with the ethtool ioctl
 * (no ethtool binary needed) from a child that joins the namespace.
 */
#include "launcher/ln_endpoints.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "launcher/ln_exec.h"
#include "launcher/ln_state.h"

/* In a child that joined ns: tx checksum, scatter-gather, TSO, GSO off on
 * ifname (legacy ethtool commands; the kernel maps them to features). */
static int offloads_off(const char *ns, const char *ifname)
{
    char path[LN_NS_MAX + 16];
    snprintf(path, sizeof(path), "/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
        scc_err("open(%s): %s", path, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        scc_err("fork: %s", strerror(errno));
        close(nsfd);
        return -1;
    }
    if (pid == 0) {
        if (setns(nsfd, CLONE_NEWNET) < 0)
            _exit(10);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            _exit(11);
        static const unsigned cmds[] = {ETHTOOL_STXCSUM, ETHTOOL_SSG, ETHTOOL_STSO,
                                        ETHTOOL_SGSO};
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
            struct ethtool_value ev = {.cmd = cmds[i], .data = 0};
            struct ifreq ifr;
            memset(&ifr, 0, sizeof(ifr));
            scc_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
            ifr.ifr_data = (char *)&ev;
            if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 && cmds[i] == ETHTOOL_STXCSUM)
                _exit(12); /* the one that matters: the others follow from it */
        }
        _exit(0);
    }
    close(nsfd);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            scc_err("waitpid: %s", strerror(errno));
            return -1;
        }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        scc_err("%s in %s: could not turn checksum offload off (step %d); TCP through the "
                "chain would carry unfinished checksums", ifname, ns,
                WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return -1;
    }
    return 0;
}

static int ip_ns(const char *ns, const char *const *args)
{
    const char *argv[20];
    int k = 0;
    argv[k++] = "ip";
    argv[k++] = "-n";
    argv[k++] = ns;
    for (int i = 0; args[i] && k < 19; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    return ln_run_tool(argv, false) == 0 ? 0 : -1;
}

#define IPN(ns, ...)                                                                            \
    do {                                                                                        \
        const char *args_[] = {__VA_ARGS__, NULL};                                              \
        if (ip_ns((ns), args_) < 0)                                                             \
            return -1;                                                                          \
    } while (0)

int ln_endpoints_setup(const struct ln_plan *p)
{
    const struct scc_endpoints_spec *e = &p->chain->endpoints;
    if (!p->endpoints)
        return 0;
    const uint32_t addr[2] = {e->ingress, e->egress};
    const int stage[2] = {0, p->nstages - 1};
    for (int k = 0; k < 2; k++) {
        const char *ns = p->stages[stage[k]].netns, *ifn = p->ep_if[k];
        char a[20], cidr[32], gw[20], mac[20];
        scc_ipv4_format(addr[k], a, sizeof(a));
        snprintf(cidr, sizeof(cidr), "%s/%u", a, e->prefix_len);
        scc_ipv4_format(scc_endpoint_gateway(addr[k], e->prefix_len), gw, sizeof(gw));
        scc_mac_format(p->ep_gw_mac[k], mac, sizeof(mac));
        IPN(ns, "addr", "add", cidr, "dev", ifn);
        IPN(ns, "neigh", "replace", gw, "lladdr", mac, "dev", ifn, "nud", "permanent");
        IPN(ns, "route", "add", "default", "via", gw, "dev", ifn);
        if (!ln_dry_run && offloads_off(ns, ifn) < 0)
            return -1;
    }
    return 0;
}

void ln_endpoints_print(const struct ln_plan *p, FILE *f)
{
    const struct scc_endpoints_spec *e = &p->chain->endpoints;
    const char *chain = p->state_name;
    char in[20], eg[20];
    scc_ipv4_format(e->ingress, in, sizeof(in));
    scc_ipv4_format(e->egress, eg, sizeof(eg));
    fprintf(f, "endpoints: ingress %s/%u (namespace %s, %s), egress %s/%u (namespace %s, %s)\n",
            in, e->prefix_len, p->stages[0].netns, p->ep_if[0], eg, e->prefix_len,
            p->stages[p->nstages - 1].netns, p->ep_if[1]);
    fprintf(f, "try, in another terminal:\n"
               "  scc exec ingress --chain %s -- ping -c 3 %s\n"
               "  scc exec egress --chain %s -- iperf3 -s -1 -D\n"
               "  scc exec ingress --chain %s -- iperf3 -c %s -t 5        (add -R for the "
               "other way, -u -b 100M for UDP)\n"
               "  scc exec egress --chain %s -- sockperf server -i %s --daemonize\n"
               "  scc exec ingress --chain %s -- sockperf ping-pong -i %s -t 5\n"
               "  scc stats NF                                 (counters per direction)\n",
            chain, eg, chain, chain, eg, chain, eg, chain, eg);
    fflush(f);
}

/* Does the state file at path journal the creation of namespace ns? */
static bool journals_ns(const char *path, const char *ns)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[512], want[LN_NS_MAX + 16];
    /* "netns NAME" or, since the intent carries the namespace's birth
     * clock, "netns NAME CLOCK" */
    int wl = snprintf(want, sizeof(want), "netns %s", ns);
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = wl > 0 && strncmp(line, want, (size_t)wl) == 0 &&
                (line[wl] == '\n' || line[wl] == ' ' || line[wl] == '\0');
    fclose(f);
    return found;
}

int ln_endpoints_find(const char *chain, const char *which, char *ns, size_t nslen, char *err,
                      size_t errlen)
{
    if (strcmp(which, "ingress") != 0 && strcmp(which, "egress") != 0) {
        snprintf(err, errlen, "'%s': the endpoints are 'ingress' and 'egress'", which);
        return -EINVAL;
    }
    const char *dir = ln_state_dir();
    char found[4][SCC_NAME_MAX * 2 + 2];
    int nfound = 0;
    if (chain) {
        if (strchr(chain, '/') || !chain[0]) {
            snprintf(err, errlen, "'%s' is not a chain name", chain);
            return -EINVAL;
        }
        char path[600], cand[LN_NS_MAX + 16];
        snprintf(path, sizeof(path), "%s/%s.state", dir, chain);
        snprintf(cand, sizeof(cand), "scc-%s.%s", chain, which);
        if (access(path, F_OK) != 0 || !ln_state_owner_alive(path)) {
            snprintf(err, errlen, "chain '%s' is not running (no live state in %s); start it "
                                  "with `scc run CHAIN.json --endpoints`", chain, dir);
            return -ENOENT;
        }
        if (!journals_ns(path, cand)) {
            snprintf(err, errlen, "chain '%s' runs without endpoints; restart it with "
                                  "`scc run CHAIN.json --endpoints`", chain);
            return -ENOENT;
        }
        snprintf(ns, nslen, "%s", cand);
        return 0;
    }
    DIR *dd = opendir(dir);
    struct dirent *de;
    while (dd && (de = readdir(dd))) {
        size_t l = strlen(de->d_name);
        if (l <= 6 || strcmp(de->d_name + l - 6, ".state") != 0 || l - 6 >= sizeof(found[0]))
            continue;
        char name[sizeof(found[0])], path[600], cand[LN_NS_MAX + 16];
        memcpy(name, de->d_name, l - 6);
        name[l - 6] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        snprintf(cand, sizeof(cand), "scc-%s.%s", name, which);
        if (!ln_state_owner_alive(path) || !journals_ns(path, cand))
            continue;
        if (nfound < 4)
            snprintf(found[nfound], sizeof(found[0]), "%s", name);
        nfound++;
    }
    if (dd)
        closedir(dd);
    if (nfound == 0) {
        snprintf(err, errlen, "no chain with endpoints is running; start one with "
                              "`scc run CHAIN.json --endpoints`");
        return -ENOENT;
    }
    if (nfound > 1) {
        snprintf(err, errlen, "%d chains with endpoints are running (%s, %s%s); say which "
                              "with --chain NAME", nfound, found[0], found[1],
                 nfound > 2 ? ", ..." : "");
        return -EBUSY;
    }
    snprintf(ns, nslen, "scc-%s.%s", found[0], which);
    return 0;
}
