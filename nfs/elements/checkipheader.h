/*
 * CheckIPHeader — lets through only Ethernet frames that carry a
 * well-formed IPv4 packet (RFC 791, RFC 1812 5.2.2), so the elements after
 * it can read the header without checking it again.
 *
 * Ports: 1 input; output 0 (good packets) and an optional output 1 (bad
 * ones, as in Click). With output 1 connected, a refused packet is pushed
 * there instead of being dropped, so a pipeline can count or answer it;
 * without it, it is dropped and counted under its reason.
 * Arguments (keywords, any order, each at most once):
 *   OPTIONS pass|drop     packets with IP options (IHL > 5); default pass
 *   FRAGMENTS pass|drop   fragments (MF set or offset != 0); default pass
 * RFC 1812 5.2.2 and 5.2.6: a router forwards options and fragments
 * unchanged (Click's CheckIPHeader passes both too); the keywords exist for
 * NFs that really cannot handle them.
 * Drops (each its own counter):
 *   "not an IPv4 frame"        EtherType is not 0x0800
 *   "truncated IPv4 header"    frame shorter than 14 + 20 bytes
 *   "bad IP version"           version field is not 4
 *   "bad IP header length"     IHL < 5, or the header runs past the frame
 *   "bad IP total length"      total length < header length or > frame - 14
 *   "bad IP header checksum"   RFC 1071 sum over the header is not 0xffff
 *   "IP options"               IHL > 5, only with OPTIONS drop
 *   "IP fragment"              MF set or fragment offset != 0, only with
 *                              FRAGMENTS drop
 * Ethernet padding after the IP packet (64-byte frames) is allowed.
 * Example: FromIO -> CheckIPHeader -> DecIPTTL -> ToIO
 *          c :: CheckIPHeader(FRAGMENTS drop); ... c[1] -> Counter -> Discard
 */
#ifndef NF_ELEM_CHECKIPHEADER_H
#define NF_ELEM_CHECKIPHEADER_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_checkipheader_ops;

enum nf_cih_reason {
    NF_CIH_NOT_IP, NF_CIH_TRUNCATED, NF_CIH_VERSION, NF_CIH_IHL, NF_CIH_TOTLEN,
    NF_CIH_CSUM, NF_CIH_OPTIONS, NF_CIH_FRAGMENT,
    NF_CIH_NREASONS /* the count; the reason table must have exactly this many */
};
#endif
