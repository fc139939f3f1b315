/*
 * nf_check — see nf_check.h. Validation is a real build: the pipeline is
 * parsed, every element configured and every port checked exactly as
 * scc-nf will do it, then torn down, so `scc validate` and the NF can never
 * disagree about what is valid. A small batch keeps the build cheap.
 * Two outputs, as scc-nf has: ToIO(0) forward, ToIO(1) back toward the
 * sender (ICMP errors).
 */
#include "nfs/nf_check.h"

#include <errno.h>

#include "nfs/nf_pipeline.h"

int nf_pipeline_validate(const char *pipeline, char *err, size_t errlen)
{
    struct nf_pipeline *p;
    struct nf_pipeline_opts o = {.sz = sizeof(o), .batch = 1, .noutputs = 2};
    int rc = nf_pipeline_build(pipeline, &o, &p, err, errlen);
    if (rc < 0)
        return rc == -ENOMEM ? rc : -EINVAL;
    nf_pipeline_destroy(p);
    return 0;
}
