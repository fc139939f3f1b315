/*
 * fuzz_calib — libFuzzer target for the calibration file reader
 * (profiler/prof_calib.c, prof_calib_load_string; prof_calib_load reads the
 * file and hands the text to the same code). Invariants: no crash; a
 * refused input leaves an error message and an empty calibration; an
 * accepted one re-written (prof_calib_to_string) re-reads, and writes the
 * same text again (the writer and the reader agree).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiler/prof_calib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct prof_calib c;
    char err[256] = "";
    prof_calib_init(&c);
    if (prof_calib_load_string(text, &c, err, sizeof(err)) < 0) {
        if (err[0] == '\0')
            abort(); /* refused without a reason */
    } else {
        char *s1 = prof_calib_to_string(&c);
        if (!s1)
            abort();
        struct prof_calib c2;
        prof_calib_init(&c2);
        if (prof_calib_load_string(s1, &c2, err, sizeof(err)) < 0)
            abort(); /* what we wrote does not read back */
        char *s2 = prof_calib_to_string(&c2);
        if (!s2 || strcmp(s1, s2) != 0)
            abort(); /* the round trip changed the calibration */
        free(s2);
        free(s1);
        prof_calib_free(&c2);
    }
    prof_calib_free(&c);
    free(text);
    return 0;
}
