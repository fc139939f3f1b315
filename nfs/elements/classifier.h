/*
 * Classifier — sends each packet to the output of the first pattern it
 * matches (Click's Classifier syntax).
 *
 * Ports: 1 input; one output per argument.
 * Arguments: one pattern per output, tried in order:
 *   OFFSET/HEXVALUE[%HEXMASK]  bytes at OFFSET (decimal) equal HEXVALUE
 *                              (an even number of hex digits), after ANDing
 *                              with HEXMASK when given (same length);
 *   several such clauses separated by spaces must all match;
 *   a clause starting with '!' matches when the bytes differ;
 *   `-` matches every packet.
 * Drops: "no pattern matched" (and no `-`).
 * Example: c :: Classifier(12/0800, 12/0806, -);
 *          FromIO -> c; c[0] -> CheckIPHeader -> ToIO; c[1] -> ToIO; c[2] -> Discard
 */
#ifndef NF_ELEM_CLASSIFIER_H
#define NF_ELEM_CLASSIFIER_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_classifier_ops;
#endif
