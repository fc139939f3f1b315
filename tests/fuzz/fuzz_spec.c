/*
 * fuzz_spec — libFuzzer target for the chain spec loader/validator
 * (launcher/scc_spec.c): arbitrary bytes as the spec's JSON text.
 * Invariants: never a crash; NULL comes with at least one diagnostic; a
 * chain it accepts serialises (scc_chain_to_json) to JSON that loads again
 * and serialises to the same text (the normalised form is a fixed point).
 * The online CPU set is fixed (0-3) and the calibration file is not opened,
 * so a run does not depend on the host.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_log.h"
#include "common/scc_util.h"
#include "launcher/scc_spec.h"

static struct scc_cpuset online;

static void quiet(enum scc_log_level l, const char *m, void *c)
{
    (void)l;
    (void)m;
    (void)c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    scc_log_set_callback(quiet, NULL);
    scc_cpuset_zero(&online);
    for (int i = 0; i < 4; i++)
        scc_cpuset_set(&online, i);
    return 0;
}

static struct scc_chain *load(const char *text, struct scc_diags **dout)
{
    struct scc_spec_opts o = {.sz = sizeof(o), .online = &online, .skip_file_checks = true};
    struct scc_diags *d = scc_diags_new();
    if (!d)
        return NULL;
    struct scc_chain *c = scc_spec_load_string(text, &o, d);
    /* an error without a word of why is a bug (exit-2 style: always say) */
    if (!c && scc_diags_count(d) == 0)
        abort();
    for (size_t i = 0; i < scc_diags_count(d); i++)
        if (!scc_diags_msg(d, i) || !scc_diags_path(d, i))
            abort();
    *dout = d;
    return c;
}

static char *to_text(const struct scc_chain *c)
{
    struct json_object *j = scc_chain_to_json(c);
    if (!j)
        abort();
    char *s = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
    json_object_put(j);
    if (!s)
        abort();
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct scc_diags *d = NULL;
    struct scc_chain *c = load(text, &d);
    if (c) {
        char *s1 = to_text(c);
        struct scc_diags *d2 = NULL;
        struct scc_chain *c2 = load(s1, &d2);
        if (!c2)
            abort(); /* the normalised form of an accepted spec is refused */
        char *s2 = to_text(c2);
        if (strcmp(s1, s2) != 0)
            abort(); /* the round trip changed the chain */
        free(s2);
        scc_chain_free(c2);
        scc_diags_free(d2);
        free(s1);
    }
    scc_chain_free(c);
    scc_diags_free(d);
    free(text);
    return 0;
}
