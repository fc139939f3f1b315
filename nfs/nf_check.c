/*
 * nf_check — see nf_check.h. Syntax and class names are checked here; the
 * element framework's configure step checks arguments.
 */
#include "nfs/nf_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/scc_util.h"
#include "nfs/nf_parse.h"

static const char *const known_classes[] = {
    "FromIO", "ToIO", "Classifier", "CheckIPHeader", "IPFilter", "StaticIPLookup",
    "DecIPTTL", "EtherRewrite", "NAT", "Counter", "Discard", "RoundRobin", "Tee",
};

int nf_pipeline_validate(const char *pipeline, char *err, size_t errlen)
{
    struct nf_conf *conf;
    int rc = nf_conf_parse(pipeline, &conf, err, errlen);
    if (rc < 0)
        return rc;
    for (int i = 0; i < conf->nelems; i++) {
        const char *cls = conf->elems[i].cls;
        bool found = false;
        for (size_t k = 0; k < SCC_ARRAY_SIZE(known_classes); k++)
            if (strcmp(cls, known_classes[k]) == 0)
                found = true;
        if (!found) {
            const char *s = scc_suggest(cls, known_classes, SCC_ARRAY_SIZE(known_classes));
            if (s)
                snprintf(err, errlen, "unknown element '%s' (did you mean %s?)", cls, s);
            else
                snprintf(err, errlen, "unknown element '%s' (see docs/elements.md)", cls);
            nf_conf_free(conf);
            return -EINVAL;
        }
    }
    nf_conf_free(conf);
    return 0;
}
