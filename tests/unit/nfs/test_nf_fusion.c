/* nfs: a fused group (scc-nf --stage ...) against the same NFs as separate
 * processes in a row, over UDP loopback. The same frames go into both;
 * what comes out must be the same frames byte for byte, in the same
 * order, and every stage's row on the fused NF's stats page (rx, tx,
 * drops, each element's counters and drops per reason) must equal what the
 * matching separate NF's page says. The frame mix makes every stage drop
 * something of its own (a bad header checksum in the firewall, a TTL of 1
 * in the first router, a TTL of 2 in the second), so a drop counted in the
 * wrong stage fails the test. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nfs/nf_stats.h"
#include "nf_testlib.h"

#define NFRAMES 48
#define MAXOUT 64

static const char *const FW =
    "FromIO -> CheckIPHeader -> IPFilter(deny udp dst port 666, allow all) -> ToIO";
static const char *const RT =
    "rt :: StaticIPLookup(10.0.0.0/8 0 02:00:00:00:00:0b, 0.0.0.0/0 1); FromIO -> "
    "CheckIPHeader -> rt; rt[0] -> DecIPTTL -> EtherRewrite(SRC 02:00:00:00:00:0a) -> ToIO; "
    "rt[1] -> Discard";
static const char *const RT2 =
    "rt :: StaticIPLookup(10.1.0.0/16 0 02:00:00:00:00:0c, 10.0.0.0/8 0); FromIO -> "
    "CheckIPHeader -> rt; rt[0] -> DecIPTTL -> EtherRewrite(SRC 02:00:00:00:00:0d) -> ToIO";
static const char *const L2 = "FromIO -> EtherRewrite(DST 02:00:00:00:00:99) -> ToIO";

struct nf {
    pid_t pid;
    char name[40];
};

static bool read_page(const char *name, struct nf_stats_page *pg)
{
    char err[256];
    return nf_stats_read(name, pg, err, sizeof(err)) == 0;
}

/* Start scc-nf NAME with the given pipeline options (NULL-terminated),
 * reading udp port in_port and sending to out_port; wait until ready. */
static void start(struct nf *nf, const char *tag, unsigned in_port, unsigned out_port,
                  const char *const *popts)
{
    const char *bin = getenv("SCC_BINARY_DIR");
    char exe[512], in[64], out[64];
    snprintf(exe, sizeof(exe), "%s/bin/scc-nf", bin ? bin : "build");
    snprintf(nf->name, sizeof(nf->name), "ut-fu%s-%d", tag, (int)getpid());
    snprintf(in, sizeof(in), "udp:127.0.0.1:%u", in_port);
    snprintf(out, sizeof(out), "udp:127.0.0.1:%u", out_port);
    nf->pid = fork();
    ck_assert_int_ge(nf->pid, 0);
    if (nf->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        const char *argv[40] = {exe, "--name", nf->name, "--in", in, "--out", out,
                                "--batch", "8", "-q"};
        int k = 10;
        for (int i = 0; popts[i] && k < 36; i++)
            argv[k++] = popts[i];
#if defined(__SANITIZE_ADDRESS__)
        argv[k++] = "--no-seccomp";
#endif
        argv[k] = NULL;
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    struct nf_stats_page *pg = malloc(sizeof(*pg));
    for (int i = 0; i < 500; i++) {
        if (read_page(nf->name, pg) && pg->ready) {
            free(pg);
            return;
        }
        int st;
        ck_assert_msg(waitpid(nf->pid, &st, WNOHANG) == 0, "%s exited early", exe);
        usleep(10000);
    }
    free(pg);
    ck_abort_msg("scc-nf %s never became ready", nf->name);
}

static void stop(struct nf *nf)
{
    kill(nf->pid, SIGTERM);
    int st;
    ck_assert_int_eq(waitpid(nf->pid, &st, 0), nf->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The frame mix: each kind lands in a known stage. */
static void make_frames(struct tframes *t)
{
    memset(t, 0, sizeof(*t));
    for (int i = 0; i < NFRAMES; i++) {
        uint32_t dst = i % 5 == 0 ? ip4(10, 1, 0, (i & 0xff)) : ip4(10, 2, 0, (i & 0xff));
        uint8_t ttl = 64;
        uint16_t dport = (uint16_t)(5000 + i);
        switch (i % 8) {
        case 1: ttl = 1; break;                   /* first router: TTL expired */
        case 2: ttl = 2; break;                   /* second router: TTL expired */
        case 3: dport = 666; break;               /* firewall: denied */
        case 4: dst = ip4(192, 168, 1, 1); break; /* first router: no 10/8 route -> Discard */
        default: break;
        }
        struct nf_pkt *k = t_frame(t, NF_IPPROTO_UDP, ip4(10, 9, 0, 1), dst, 4000, dport, ttl,
                                   (uint32_t)(60 + i * 3));
        if (i % 8 == 6) { /* firewall's CheckIPHeader: bad header checksum */
            k->data[14 + 10] ^= 0x5a;
        }
    }
}

struct outframes {
    int n;
    uint32_t len[MAXOUT];
    uint8_t data[MAXOUT][NF_FRAME_MAX];
};

/* Send every frame (VXLAN VNI 1) to port, then collect what reaches the
 * sink until it has been quiet for 300 ms. */
static void drive(unsigned port, int sink, const struct tframes *t, struct outframes *o)
{
    int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < t->n; i++) {
        uint8_t d[8 + NF_FRAME_MAX] = {0x08, 0, 0, 0, 0, 0, 1, 0};
        memcpy(d + 8, t->buf[i], t->pkt[i].len);
        ck_assert_int_eq(sendto(tx, d, 8 + t->pkt[i].len, 0, (struct sockaddr *)&to,
                                sizeof(to)), (ssize_t)(8 + t->pkt[i].len));
        usleep(1000); /* the NFs read one at a time: batches do not depend on timing */
    }
    close(tx);
    memset(o, 0, sizeof(*o));
    for (;;) {
        struct pollfd p = {.fd = sink, .events = POLLIN};
        if (poll(&p, 1, 300) != 1)
            break;
        uint8_t buf[8 + NF_FRAME_MAX];
        ssize_t r = recv(sink, buf, sizeof(buf), 0);
        ck_assert_int_ge(r, 8);
        ck_assert_int_lt(o->n, MAXOUT);
        o->len[o->n] = (uint32_t)(r - 8);
        memcpy(o->data[o->n], buf + 8, (size_t)(r - 8));
        o->n++;
    }
}

/* Wait until NAME's page shows rx packets received and read it. */
static void settled_page(const char *name, uint64_t rx, struct nf_stats_page *pg)
{
    for (int i = 0; i < 200; i++) {
        if (read_page(name, pg) && pg->rx_pkts >= rx)
            return;
        usleep(5000);
    }
    ck_abort_msg("%s never counted %llu packets", name, (unsigned long long)rx);
}

/* The fused page's stage k against a separate NF's page. */
static void check_stage(const struct nf_stats_page *fused, unsigned k, const char *stage,
                        const struct nf_stats_page *sep)
{
    ck_assert_uint_eq(sep->nstages, 1);
    const struct nf_stats_stage *fs = &fused->stages[k];
    ck_assert_str_eq(fs->name, stage);
    ck_assert_uint_eq(fs->rx_pkts, sep->stages[0].rx_pkts);
    ck_assert_uint_eq(fs->tx_pkts, sep->stages[0].tx_pkts);
    ck_assert_uint_eq(fs->drops, sep->stages[0].drops);
    ck_assert_uint_eq(fs->drops, sep->drops);
    /* a separate NF's rx/tx are its sockets' */
    ck_assert_uint_eq(fs->rx_pkts, sep->rx_pkts);
    ck_assert_uint_eq(fs->tx_pkts, sep->tx_pkts);
    ck_assert_uint_eq(fs->nelems, sep->nelems);
    for (uint32_t i = 0; i < fs->nelems; i++) {
        const struct nf_stats_elem *a = &fused->elems[fs->first_elem + i], *b = &sep->elems[i];
        char want[2 * NF_STATS_NAME + 2];
        snprintf(want, sizeof(want), "%s/%s", stage, b->name);
        ck_assert_str_eq(a->name, want);
        ck_assert_str_eq(a->cls, b->cls);
        ck_assert_uint_eq(a->in_pkts, b->in_pkts);
        ck_assert_uint_eq(a->out_pkts, b->out_pkts);
        ck_assert_uint_eq(a->nreasons, b->nreasons);
        for (uint32_t r = 0; r < a->nreasons; r++) {
            ck_assert_str_eq(a->reason[r], b->reason[r]);
            ck_assert_uint_eq(a->drops[r], b->drops[r]);
        }
    }
}

static uint64_t elem_drop(const struct nf_stats_page *p, const char *elem, const char *reason)
{
    for (uint32_t i = 0; i < p->nelems; i++)
        if (!strcmp(p->elems[i].name, elem))
            for (uint32_t r = 0; r < p->elems[i].nreasons; r++)
                if (!strcmp(p->elems[i].reason[r], reason))
                    return p->elems[i].drops[r];
    ck_abort_msg("no element %s with drop reason '%s'", elem, reason);
    return 0;
}

/* Run names[0..n) with pipelines texts[] fused and separately. */
static void fused_vs_separate(int n, const char *const *names, const char *const *texts,
                              const char *tag, struct nf_stats_page **fused_out)
{
    struct tframes *t = malloc(sizeof(*t));
    struct outframes *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    make_frames(t);

    /* fused: one process, n stages */
    struct sockaddr_in sa;
    int sink = t_bound_udp(&sa);
    unsigned in = t_free_port();
    char stage_args[4][1024];
    const char *popts[12];
    int k = 0;
    for (int i = 0; i < n; i++) {
        snprintf(stage_args[i], sizeof(stage_args[i]), "%s=%s", names[i], texts[i]);
        popts[k++] = "--stage";
        popts[k++] = stage_args[i];
    }
    popts[k] = NULL;
    struct nf fused;
    char ftag[16];
    snprintf(ftag, sizeof(ftag), "%sf", tag);
    start(&fused, ftag, in, ntohs(sa.sin_port), popts);
    drive(in, sink, t, a);
    struct nf_stats_page *fp = malloc(sizeof(*fp));
    settled_page(fused.name, NFRAMES, fp);
    for (int i = 0; i < 100 && (read_page(fused.name, fp), fp->tx_pkts < (uint64_t)a->n); i++)
        usleep(5000);
    ck_assert_uint_eq(fp->nstages, (unsigned)n);
    ck_assert_uint_eq(fp->rx_pkts, NFRAMES);
    ck_assert_uint_eq(fp->tx_pkts, (uint64_t)a->n);
    ck_assert_uint_eq(fp->stages[0].rx_pkts, NFRAMES);
    ck_assert_uint_eq(fp->stages[n - 1].tx_pkts, (uint64_t)a->n);
    stop(&fused);
    close(sink);

    /* separate: n processes in a row, each stage's output the next one's input */
    sink = t_bound_udp(&sa);
    unsigned ports[5];
    for (int i = 0; i < n; i++)
        ports[i] = t_free_port();
    ports[n] = ntohs(sa.sin_port);
    struct nf sep[4];
    for (int i = n - 1; i >= 0; i--) { /* downstream first: nothing sent into the void */
        const char *po[3] = {"--pipeline", texts[i], NULL};
        char stag[16];
        snprintf(stag, sizeof(stag), "%s%d", tag, i);
        start(&sep[i], stag, ports[i], ports[i + 1], po);
    }
    drive(ports[0], sink, t, b);

    /* the same frames, byte for byte, in the same order */
    ck_assert_int_gt(a->n, 0);
    ck_assert_int_lt(a->n, NFRAMES); /* the mix drops some */
    ck_assert_int_eq(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        ck_assert_uint_eq(a->len[i], b->len[i]);
        ck_assert_msg(memcmp(a->data[i], b->data[i], a->len[i]) == 0,
                      "output frame %d differs between fused and separate", i);
    }
    struct nf_stats_page *sp = malloc(sizeof(*sp));
    uint64_t want_rx = NFRAMES;
    for (int i = 0; i < n; i++) {
        settled_page(sep[i].name, want_rx, sp);
        for (int w = 0; w < 100 && (read_page(sep[i].name, sp), sp->tx_pkts < sp->stages[0].tx_pkts); w++)
            usleep(5000);
        check_stage(fp, (unsigned)i, names[i], sp);
        want_rx = sp->tx_pkts;
    }
    for (int i = 0; i < n; i++)
        stop(&sep[i]);
    close(sink);
    free(sp);
    free(t);
    free(a);
    free(b);
    *fused_out = fp;
}

START_TEST(two_routers)
{
    const char *names[] = {"rt1", "rt2"}, *texts[] = {RT, RT2};
    struct nf_stats_page *fp;
    fused_vs_separate(2, names, texts, "2", &fp);
    /* TTL 1 dies in the first router, TTL 2 in the second */
    ck_assert_uint_eq(elem_drop(fp, "rt1/DecIPTTL@3", "TTL expired"), NFRAMES / 8);
    ck_assert_uint_eq(elem_drop(fp, "rt2/DecIPTTL@3", "TTL expired"), NFRAMES / 8);
    /* the bad checksum is caught by the first CheckIPHeader, never reaches the second */
    ck_assert_uint_eq(elem_drop(fp, "rt1/CheckIPHeader@2", "bad IP header checksum"),
                      NFRAMES / 8);
    ck_assert_uint_eq(elem_drop(fp, "rt2/CheckIPHeader@2", "bad IP header checksum"), 0);
    ck_assert_uint_eq(fp->drops, fp->stages[0].drops + fp->stages[1].drops);
    /* the text form shows the stages */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nf_stats_print(fp, f, false);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "2 fused stages"));
    ck_assert_ptr_nonnull(strstr(text, "rt2/DecIPTTL@3"));
    free(text);
    free(fp);
}
END_TEST

START_TEST(firewall_router_l2)
{
    const char *names[] = {"fw", "rt", "l2"}, *texts[] = {FW, RT, L2};
    struct nf_stats_page *fp;
    fused_vs_separate(3, names, texts, "3", &fp);
    ck_assert_uint_eq(elem_drop(fp, "fw/CheckIPHeader@2", "bad IP header checksum"),
                      NFRAMES / 8);
    ck_assert_uint_eq(elem_drop(fp, "fw/IPFilter@3", "denied by a rule"), NFRAMES / 8);
    ck_assert_uint_eq(elem_drop(fp, "rt/CheckIPHeader@2", "bad IP header checksum"), 0);
    ck_assert_uint_eq(elem_drop(fp, "rt/DecIPTTL@3", "TTL expired"), NFRAMES / 8);
    ck_assert_uint_eq(fp->stages[2].drops, 0);
    ck_assert_uint_eq(fp->stages[1].tx_pkts, fp->stages[2].rx_pkts);
    /* JSON: a stages array, the names as given */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(nf_stats_print(fp, f, true), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "\"stages\": [ { \"name\": \"fw\""));
    ck_assert_ptr_nonnull(strstr(text, "\"version\": 7"));
    free(text);
    free(fp);
}
END_TEST

/* Bad --stage arguments are refused with status 2, before anything opens. */
START_TEST(stage_args)
{
    const char *bin = getenv("SCC_BINARY_DIR");
    char exe[512];
    snprintf(exe, sizeof(exe), "%s/bin/scc-nf", bin ? bin : "build");
    const char *bad[][4] = {
        {"--stage", "noequals", NULL},
        {"--stage", "=FromIO -> ToIO", NULL},
        {"--stage", "a/b=FromIO -> ToIO", NULL},
        {"--stage", "a=FromIO -> ToIO", "--pipeline", "FromIO -> ToIO"},
        {"--stage", "a=FromIO -> ToIO", "--stage", "a=FromIO -> ToIO"},
        {"--stage", "a=FromIO -> Nope -> ToIO", NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pid_t p = fork();
        ck_assert_int_ge(p, 0);
        if (p == 0) {
            const char *argv[12] = {exe, "--in", "udp:127.0.0.1:1", "--out", "udp:127.0.0.1:2",
                                    "-q"};
            int k = 6;
            for (int j = 0; j < 4 && bad[i][j]; j++)
                argv[k++] = bad[i][j];
            argv[k] = NULL;
            int devnull = open("/dev/null", 1);
            dup2(devnull, 2);
            execv(exe, (char *const *)argv);
            _exit(127);
        }
        int st;
        ck_assert_int_eq(waitpid(p, &st, 0), p);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "case %zu: status %d", i, st);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nf_fusion");
    TCase *tc = tcase_create("fusion");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, two_routers);
    tcase_add_test(tc, firewall_router_l2);
    tcase_add_test(tc, stage_args);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
