/*
 * nf_check — validate a pipeline string without running it, for
 * `scc validate`: syntax (nf_parse), element classes ("did you mean"), and
 * each element's own arguments.
 */
#ifndef NF_CHECK_H
#define NF_CHECK_H

#include <stddef.h>

/* Returns 0 when the pipeline would build, or -EINVAL with a one-line
 * reason in err (e.g. "unknown element 'IPFiltr' (did you mean IPFilter?)"). */
int nf_pipeline_validate(const char *pipeline, char *err, size_t errlen);

#endif
