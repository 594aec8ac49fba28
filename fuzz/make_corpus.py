#!/usr/bin/env python3
"""Writes the seed corpus of the pasa-addrcodec fuzz targets into fuzz/corpus/<target>/.

Usage:
    python3 fuzz/make_corpus.py            # (re)write every seed file
    python3 fuzz/make_corpus.py --check    # exit 1 if a seed file is missing or differs
    python3 fuzz/make_corpus.py --prune N  # after fuzzing: keep the seeds plus the N smallest
                                           # other files (inputs libFuzzer added) per target
    python3 fuzz/make_corpus.py --list     # print every seed name with its length

Standard library only. The seeds are built from the vectors of SPEC.md §8 (embedded below; when
/work/shared/vectors/vectors.json or $PASA_VECTORS is readable they are checked against it) and
from the bad-input catalogue of RELIABILITY.md (rows B08-B12, B19-B20, B26-B30, B50, B53, B58).
File names say what a seed is: `spec_8_4_frame.bin`, `b10_truncated_lorh_3.bin`, ...

Input layout expected by each body (see addrcodec/src/fuzz.rs):
    addr_text   UTF-8 address text ("101011", "0x2b", "0b1011")
    decide      8 octets CA (big-endian) then 8 octets DA; missing octets are zero
    lorh        a PASA-6LoRH (type 0x50) or an IP-in-IP 6LoRH at offset 0
    iphc        1 octet = PASA destination (0 = none), then LOWPAN_IPHC [+ NHC octet]
    nhc_udp     an NHC UDP header and payload
    nd_options  a list of ND options
    frame       a whole page-1 frame: F1, 6LoRHs, IPHC, NHC UDP, payload

Router core targets (bodies in router/src/fuzz.rs; the fixture nodes and their link-layer
addresses 02:00:00:00:00:00:00:<n> = fe80::<n> are described there):
    router_forward  1 selector octet (bits 0-1 sender: parent 10, child 101011, child 10100,
                    unknown; bit 2 multicast; bit 3 interface 1; bit 4 late clock), then a
                    frame received by router 1010
    router_border   1 selector octet (bits 0-1: receive_external at the root, send at the root,
                    at router 1010, at host 101011; bit 4 late clock), then a native IPv6 packet
    router_control  1 selector octet (bits 0-1 receiver: root, router 1010, soliciting joiner,
                    requesting joiner; bits 2-3 sender: joiner, root, short address, router 10;
                    bit 4 multicast; bit 5 a store whose writes fail), then a page-0 ND frame
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
TARGETS = ["addr_text", "decide", "lorh", "iphc", "nhc_udp", "nd_options", "frame",
           "router_forward", "router_border", "router_control"]

TT = 0x50  # PASA-6LoRH type (TBD1), DEFAULT_PASA_LORH_TYPE
GAAO = 0xFD  # GAAO option type placeholder (253)
EARO = 33
CIO = 36
SLLAO = 1

# ---------------------------------------------------------------------------------------------
# SPEC.md §8 vectors (copied from vectors.json; checked against it when it is readable)
# ---------------------------------------------------------------------------------------------

TAAF_FIG6 = ["1", "10", "11", "100", "101", "110", "111", "1001", "1010", "1011", "1100",
             "1101", "10011", "10101", "101011"]

FORWARDING = [
    ("1", "101011"), ("10", "101011"), ("1010", "101011"), ("101011", "101011"), ("1", "11"),
    ("1", "111"), ("1", "1101"), ("1", "110"), ("10", "1011"), ("10", "10101"), ("10", "100"),
    ("10", "11"), ("10", "110"), ("100", "10011"), ("100", "1001"), ("100", "101"),
    ("1001", "10011"), ("1011", "1010"), ("101011", "1"), ("110", "10"), ("1010", "1011"),
    ("101", "10101"), ("11", "110"), ("110", "111"), ("1", "1"), ("111", "1"), ("1010", "100"),
    ("10", "1"),
]

LITERAL_FAILURES = [("11", "110"), ("11", "111"), ("11", "1100"), ("11", "1101"), ("101", "1010"),
                    ("101", "1011"), ("101", "10101"), ("101", "101011"), ("1001", "10011"),
                    ("10101", "101011")]

LORH = [  # (binary address, PASA-6LoRH bytes with TT)
    ("1", "80 TT 01"),
    ("1011", "80 TT 0B"),
    ("101011", "80 TT 2B"),
    ("111110", "80 TT 3E"),
    ("10000000", "80 TT 80"),
    ("100000000", "81 TT 01 00"),
    ("1000000000000001", "81 TT 80 01"),
    ("100000000000000011", "82 TT 02 00 03"),
    ("1" + "0" * 30 + "1", "83 TT 80 00 00 01"),
    ("1" + "0" * 38 + "1", "84 TT 80 00 00 00 01"),
    ("1" + "0" * 46 + "1", "85 TT 80 00 00 00 00 01"),
    ("1" + "0" * 54 + "1", "86 TT 80 00 00 00 00 00 01"),
    ("1" + "0" * 62 + "1", "87 TT 80 00 00 00 00 00 00 01"),
    ("1" + "0" * 63, "87 TT 80 00 00 00 00 00 00 00"),
]

FRAME_CTX0 = "F1 80 50 2B 7C 57 40 00 00 00 00 00 00 00 0B F3 12 1F 47 50 41 53 41"
FRAME_CTX1 = "F1 80 50 2B 7C E7 10 40 00 0B F3 12 1F 47 50 41 53 41"
UPSTREAM = ("F1 A1 06 40 7C 50 40 00 00 00 00 00 00 00 0B 20 01 0D B8 FF FF 00 00 00 00 00 00 00"
            " 00 00 01 F3 12 1F 71 50 41 53 41")
INBOUND = ("F1 80 50 2B 7C 07 3F 20 01 0D B8 FF FF 00 00 00 00 00 00 00 00 00 01 F3 21 1F 51 50"
           " 41 53 41")
GAAO_NS = "FD 02 00 00 00 00 00 00 02 00 00 FF FE 00 00 0B"
GAAO_NA = ("FD 04 00 00 84 0F 05 A0 02 00 00 FF FE 00 00 0B 20 01 0D B8 00 00 00 00 00 00 00 00"
           " 00 00 00 0A")
EARO_NS = "21 02 00 00 03 01 05 A0 02 00 00 FF FE 00 00 0B"


def check_against_json():
    """Fails loudly if the embedded vectors drifted from vectors.json (when it is readable)."""
    path = os.environ.get("PASA_VECTORS", "/work/shared/vectors/vectors.json")
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except OSError:
        return False
    problems = []

    def same(what, ours, theirs):
        if ours != theirs:
            problems.append(f"{what}: embedded {ours!r} != vectors.json {theirs!r}")

    same("taaf_fig6", TAAF_FIG6, [e["bin"] for e in d["taaf_fig6"]])
    same("forwarding", FORWARDING, [(e["ca"], e["da"]) for e in d["forwarding"]])
    same("literal_failures", LITERAL_FAILURES, [tuple(x) for x in d["literal_failures"]])
    same("lorh", LORH, [(e["bin"], e["bytes"]) for e in d["lorh"]])
    same("frame ctx0", FRAME_CTX0, d["frames"]["ctx0_/64_SAM=01"]["hex"])
    same("frame ctx1", FRAME_CTX1, d["frames"]["ctx1_/112_SAM=10"]["hex"])
    same("upstream", UPSTREAM, d["upstream_frame"])
    same("inbound", INBOUND, d["inbound_frame"])
    same("gaao_ns", GAAO_NS, d["gaao_ns"])
    same("gaao_na", GAAO_NA, d["gaao_na"])
    same("earo_ns", EARO_NS, d["earo_ns"])
    if problems:
        sys.exit("make_corpus.py: embedded vectors differ from " + path + ":\n  "
                 + "\n  ".join(problems))
    return True


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def h(s):
    """Hex text ("F1 80 TT 2B") to bytes; TT is the PASA-6LoRH type."""
    return bytes(int(b, 16) for b in s.replace("TT", f"{TT:02X}").split())


def addr(binary):
    return int(binary, 2)


def be64(v):
    return v.to_bytes(8, "big")


def pasa_lorh(value, size=None, rsvd=0, lorh_type=TT):
    """A PASA-6LoRH for `value`: minimal unless `size` (address octets) is given."""
    n = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return bytes([0x80 | (rsvd << 3) | (n - 1), lorh_type]) + value.to_bytes(n, "big")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s & 0xFFFF) or 0xFFFF


DOC = bytes.fromhex("20010db800000000")


def udp_checksum(src16, dst16, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = src16 + dst16 + length.to_bytes(4, "big") + b"\0\0\0\x11"
    hdr = sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + length.to_bytes(2, "big") + b"\0\0"
    return checksum(pseudo + hdr + payload)


def intra_frame(dst_value, src_iid=0x0B, payload=b"PASA", size=None, hop_limit=64):
    """Page-1 frame to PASA `dst_value` (SPEC.md §8.4 layout), correct UDP checksum."""
    src = DOC + be64(src_iid)
    dst = DOC + be64(dst_value)
    ck = udp_checksum(src, dst, 0xF0B1, 0xF0B2, payload)
    return (bytes([0xF1]) + pasa_lorh(dst_value, size) + bytes([0x7C, 0x57, hop_limit])
            + be64(src_iid) + bytes([0xF3, 0x12]) + ck.to_bytes(2, "big") + payload)


def nd_option(otype, body_units, body=b""):
    """An ND option of Length `body_units`, body zero-padded to Length * 8 - 2 octets."""
    total = body_units * 8
    b = bytes([otype, body_units]) + body
    return b[:total] + b"\0" * max(0, total - len(b)) if body_units else b


# ---------------------------------------------------------------------------------------------
# Seeds per target: name -> bytes
# ---------------------------------------------------------------------------------------------

def seeds_addr_text():
    s = {}
    for b in TAAF_FIG6:
        s[f"fig6_bin_{b}.bin"] = b.encode()
    # Hex forms, in the printed form ({:#x}) and upper case; the 0b prefix.
    for b in ["101011", "1101"]:
        s[f"fig6_hex_{b}.bin"] = f"{addr(b):#x}".encode()
    s["fig6_hex_upper_0X2B.bin"] = b"0X2B"
    s["fig6_0b_prefix_101011.bin"] = b"0b101011"
    # SPEC §8.3 addresses of 9 to 64 bits, binary and hex.
    for i in (5, 7, 9, 12):
        b = LORH[i][0]
        s[f"spec_8_3_bin_len{len(b)}.bin"] = b.encode()
    for i in (6, 11):
        b = LORH[i][0]
        s[f"spec_8_3_hex_len{len(b)}.bin"] = f"{addr(b):#x}".encode()
    s["max_hex_ffffffffffffffff.bin"] = b"0xffffffffffffffff"
    # B19: 65-bit address text, 17-digit hex.
    s["b19_65_bit_bin.bin"] = b"1" + b"0" * 64
    s["b19_65_bit_0b.bin"] = b"0b" + b"1" * 65
    s["b19_17_digit_hex.bin"] = b"0x10000000000000000"
    # B20: zero, leading zeros, empty, stray characters.
    s["b20_hex_0x0.bin"] = b"0x0"
    s["b20_bin_0.bin"] = b"0"
    s["b20_leading_zero_bin_0101011.bin"] = b"0101011"
    s["b20_0b_leading_zero.bin"] = b"0b0101011"
    s["b20_hex_leading_zeros_0x002b.bin"] = b"0x002b"
    s["b20_empty.bin"] = b""
    s["b20_0x_only.bin"] = b"0x"
    s["b20_invalid_digit_1012.bin"] = b"1012"
    s["b20_hex_sign_0x+1.bin"] = b"0x+1"
    s["b20_trailing_newline.bin"] = b"101011\n"
    s["b20_unicode_digit.bin"] = "0x\u0661".encode()
    s["b20_not_utf8.bin"] = b"\x31\xff\x30"
    return s


def seeds_decide():
    s = {}
    for ca, da in FORWARDING:
        s[f"spec_8_2_{ca}_to_{da}.bin"] = be64(addr(ca)) + be64(addr(da))
    for ca, da in LITERAL_FAILURES[::3]:
        s[f"spec_8_2_host_prefix_{ca}_to_{da}.bin"] = be64(addr(ca)) + be64(addr(da))
    top = addr("1" + "0" * 63)
    s["root_to_64bit_host.bin"] = be64(1) + be64(2 ** 64 - 1)
    s["root_to_64bit_router.bin"] = be64(1) + be64(top)
    s["64bit_to_root.bin"] = be64(2 ** 64 - 1) + be64(1)
    s["router_63bit_to_64bit_child.bin"] = be64(top >> 1) + be64(top)
    s["zero_ca.bin"] = be64(0) + be64(addr("101011"))
    s["zero_da.bin"] = be64(1) + be64(0)
    s["short_8_octets.bin"] = be64(1)
    s["empty.bin"] = b""
    return s


def seeds_lorh():
    s = {}
    for b, hexs in LORH:
        v = addr(b)
        s[f"spec_8_3_lorh_len{len(b)}_{v:x}.bin"] = h(hexs)
    # B10: truncations of the 8-octet form at a few lengths, and a Size beyond the end.
    full = h(LORH[12][1])
    for n in (0, 1, 2, 3, 6, 9):
        s[f"b10_truncated_lorh_{n}.bin"] = full[:n]
    s["b10_size7_with_1_octet.bin"] = bytes([0x87, TT, 0x2B])
    # B20: non-minimal encodings are accepted and normalised; zero refused.
    s["b20_leading_zero_octets.bin"] = bytes([0x82, TT, 0, 0, 0x2B])
    s["b20_rsvd_bits_set.bin"] = bytes([0x98, TT, 0x2B])
    s["b20_zero_address_size1.bin"] = bytes([0x80, TT, 0])
    s["b20_zero_address_size8.bin"] = bytes([0x87, TT]) + b"\0" * 8
    s["wrong_type_0x51.bin"] = bytes([0x80, 0x51, 0x2B])
    s["elective_class_with_tt.bin"] = bytes([0xA1, TT, 0x2B])
    s["not_lorh_iphc_0x7c.bin"] = bytes([0x7C, 0x57])
    # IP-in-IP 6LoRH: every legal Length, bad Lengths, truncation.
    s["spec_8_4_ipinip_elided.bin"] = h("A1 06 40")
    for enc in (1, 2, 4, 8, 16):
        s[f"ipinip_encap_{enc}.bin"] = bytes([0xA0 | (enc + 1), 6, 7]) + bytes(range(1, enc + 1))
    s["ipinip_bad_length_0.bin"] = h("A0 06")
    s["ipinip_bad_length_4.bin"] = h("A4 06 01 02 03 04")
    s["ipinip_bad_length_31.bin"] = bytes([0xBF, 6]) + b"\x01" * 31
    s["ipinip_truncated_17.bin"] = bytes([0xB1, 6, 64]) + b"\x01" * 5
    s["b11_unknown_elective.bin"] = h("A2 09 AA BB")
    s["b11_unknown_critical.bin"] = h("85 00 7C")
    return s


def seeds_iphc():
    s = {}
    sam01 = h("7C 57 40 00 00 00 00 00 00 00 0B")
    s["spec_8_4_iphc_sam01.bin"] = bytes([0x2B]) + sam01 + h("F3 12 1F 47 50 41 53 41")
    s["spec_8_4_iphc_sam10_ctx1.bin"] = bytes([0x2B]) + h("7C E7 10 40 00 0B F3 12 1F 47")
    s["spec_8_4_iphc_upstream.bin"] = bytes([0]) + h(UPSTREAM)[4:]
    s["spec_8_4_iphc_inbound.bin"] = bytes([0x2B]) + h(INBOUND)[4:]
    # Stateless link-local from the link-layer addresses (SAM=11, DAM=11), compact hop limit.
    s["link_local_sam11_dam11.bin"] = bytes([0]) + h("7B 33 3A")
    s["link_local_sam01_dam10_hlim01.bin"] = bytes([0]) + h("79 12 3A 11 22 33 44 55 66 77 88 00 01")
    s["inline_16_16_nh_inline.bin"] = (bytes([0]) + h("78 00 06 40") + DOC + be64(0x0B)
                                       + bytes.fromhex("fe80000000000000") + be64(1))
    s["src_unspecified_sac1_sam00.bin"] = bytes([0]) + h("7B 43 3A")  # :: source (B29)
    # Traffic class / flow label forms.
    s["tf00_tc_flow.bin"] = bytes([0x2B]) + h("64 57 B9 0A BC DE 40") + be64(0x0B) + h("F3 12 00 00")
    s["tf01_ecn_flow.bin"] = bytes([0x2B]) + h("6C 57 4A BC DE 40") + be64(0x0B) + h("F0 01 02 03 04")
    s["tf10_tc_only.bin"] = bytes([0x2B]) + h("74 57 B8 40") + be64(0x0B) + h("F7 12")
    # Multicast destinations: M=1 with DAM 00..11, and DAC=1 (RFC 3306 from the context).
    s["mcast_dam00.bin"] = bytes([0]) + h("7B 38 3A") + h("FF 05 00 00 00 00 00 00 00 00 00 00 00 01 00 03")
    s["mcast_dam01.bin"] = bytes([0]) + h("7B 39 3A 08 00 12 34 56 78")
    s["mcast_dam10.bin"] = bytes([0]) + h("7B 3A 3A 02 01 FF 00")
    s["mcast_dam11_ff02_1.bin"] = bytes([0]) + h("7B 3B 3A 01")
    s["mcast_dac1_dam00_ctx.bin"] = bytes([0]) + h("7B 3C 3A 3E 00 00 00 00 01")
    # B26: DAC=1 DAM=11 with no PASA destination (prefix octet 0): rebuilt from the link layer.
    s["b26_dam11_from_link_no_pasa.bin"] = bytes([0]) + sam01 + b"\xF0"
    # B27: unknown context ids.
    s["b27_unknown_sci3.bin"] = bytes([0x2B]) + h("7B E7 30 3A 00 00")
    s["b27_unknown_dci5.bin"] = bytes([0x2B]) + h("7B D7 05 3A") + be64(0x0B)
    # B28: truncations of the SPEC header at a few lengths.
    for n in (0, 1, 2, 3, 7, 10):
        s[f"b28_iphc_truncated_{n}.bin"] = bytes([0x2B]) + sam01[:n]
    s["b28_tf00_missing_flow_label.bin"] = bytes([0x2B]) + h("64 57 B9 0A")
    s["b28_inline_dst_truncated.bin"] = bytes([0]) + h("78 00 06 40") + DOC + be64(0x0B) + DOC[:5]
    # B29: reserved modes.
    s["b29_m0_dac1_dam00.bin"] = bytes([0]) + h("7B 04 3A") + b"\0" * 16
    s["b29_m1_dac1_dam01.bin"] = bytes([0]) + h("7B 3D 3A 00 00 00 00 00 00")
    # B30: NH=1 with an NHC extension header, or with nothing after the header.
    s["b30_nhc_ext_header_e0.bin"] = bytes([0x2B]) + sam01 + h("E0 3A 00")
    s["b30_nh1_missing_nhc.bin"] = bytes([0x2B]) + sam01
    s["not_iphc_0x41.bin"] = bytes([0]) + h("41 60 00")
    return s


def seeds_nhc_udp():
    s = {}
    s["spec_8_4_nhc_udp.bin"] = h("F3 12 1F 47 50 41 53 41")
    s["spec_8_4_upstream_nhc_udp.bin"] = h("F3 12 1F 71")
    s["spec_8_4_inbound_nhc_udp.bin"] = h("F3 21 1F 51 50 41 53 41")
    s["p00_inline_ports.bin"] = h("F0 03 E8 07 D0 AB CD 01 02")
    s["p01_dst_f0xx.bin"] = h("F1 03 E8 12 AB CD")
    s["p10_src_f0xx.bin"] = h("F2 12 07 D0 AB CD")
    s["p11_f0bx_both.bin"] = h("F3 3C AB CD")
    s["p00_non_minimal_f0b1_f0b2.bin"] = h("F0 F0 B1 F0 B2 1F 47")
    s["p01_non_minimal_f0b1.bin"] = h("F1 F0 B1 B2 1F 47")
    s["c1_checksum_elided_p00.bin"] = h("F4 03 E8 07 D0")
    s["c1_checksum_elided_p11.bin"] = h("F7 12 50 41 53 41")
    for n in (0, 1, 2, 4, 6):
        s[f"b30_udp_truncated_p00_{n}.bin"] = h("F0 03 E8 07 D0 AB CD")[:n]
    s["b30_udp_truncated_p11_checksum.bin"] = h("F3 12 1F")
    s["b30_nhc_ext_header_e1.bin"] = h("E1 00 00")
    s["b30_nhc_ext_header_e0_hbh.bin"] = h("E0 3A 06 01 04 00 00 00 00")
    s["not_udp_f8.bin"] = h("F8 00 00 00 00 00 00")
    s["not_udp_ff.bin"] = h("FF FF FF FF FF FF FF FF")
    return s


def seeds_nd_options():
    s = {}
    ns, na, earo = h(GAAO_NS), h(GAAO_NA), h(EARO_NS)
    cio = bytes([CIO, 1, 0, 0x1C, 0x40, 0, 0, 0])
    sllao48 = bytes([SLLAO, 1, 0x02, 0, 0, 0, 0, 0x0B])
    sllao64 = bytes([SLLAO, 2, 0x02, 0, 0, 0xFF, 0xFE, 0, 0, 0x0B]) + b"\0" * 6
    rovr8 = bytes.fromhex("020000fffe00000b")
    s["spec_8_6_gaao_ns.bin"] = ns
    s["spec_8_6_gaao_na.bin"] = na
    s["spec_8_6_earo_ns.bin"] = earo
    s["spec_8_6_ns_sllao_earo_gaao_6cio.bin"] = sllao48 + earo + ns + cio
    s["spec_8_6_na_earo_gaao.bin"] = earo + na
    s["6cio_root.bin"] = cio
    s["sllao_eui64.bin"] = sllao64
    s["gaao_rovr_256.bin"] = bytes([GAAO, 5, 0, 0, 0, 0x0F, 0, 0]) + rovr8 * 4
    s["gaao_rovr_128_with_address.bin"] = (bytes([GAAO, 5, 0, 0, 0x04, 0x0F, 0, 10]) + rovr8 * 2
                                          + DOC + be64(0x0A))
    s["empty.bin"] = b""
    # B50: Length 0 (first, after a good option), overrun, trailing fragment.
    s["b50_length0_first.bin"] = bytes([EARO, 0]) + earo[2:]
    s["b50_length0_after_earo.bin"] = earo + bytes([GAAO, 0, 0, 0, 0, 0, 0, 0])
    s["b50_overrun_length3.bin"] = bytes([EARO, 3]) + earo[2:]
    s["b50_overrun_length255.bin"] = bytes([GAAO, 255]) + ns[2:]
    s["b50_trailing_fragment_1.bin"] = earo + b"\x01"
    s["b50_trailing_fragment_7.bin"] = earo + cio[:7]
    s["b50_single_type_octet.bin"] = b"\x21"
    # B53: ROVR of a bad size (40 octets), reserved flags set.
    s["b53_earo_rovr_40_octets.bin"] = bytes([EARO, 6, 0, 0, 0x03, 1, 5, 0xA0]) + rovr8 * 5
    s["b53_gaao_rovr_40_octets.bin"] = bytes([GAAO, 6, 0, 0, 0, 0x0F, 0, 0]) + rovr8 * 5
    s["b53_earo_reserved_flags.bin"] = bytes([EARO, 2, 0, 0, 0xF3, 1, 5, 0xA0]) + rovr8
    s["b53_gaao_pfxlen_no_room.bin"] = bytes([GAAO, 2, 0, 0, 0x04, 0x0F, 0, 0]) + rovr8
    # B58: PfxLen 127 with an Address; 6CO-like context length 129 in an unknown option.
    s["b58_gaao_pfxlen_127.bin"] = bytes([GAAO, 4, 0, 0, 0x87, 0xFF, 0, 0]) + rovr8 + b"\xff" * 16
    s["b58_6co_context_len_129.bin"] = bytes([34, 3, 129, 0x10, 0, 0, 0, 60]) + DOC + b"\0" * 8
    s["b53_sllao_length3.bin"] = bytes([SLLAO, 3]) + b"\x02" * 22
    return s


def seeds_frame():
    s = {}
    spec = h(FRAME_CTX0)
    s["spec_8_4_frame.bin"] = spec
    s["spec_8_4_frame_ctx1_sam10.bin"] = h(FRAME_CTX1)
    s["spec_8_4_upstream_ipinip.bin"] = h(UPSTREAM)
    s["spec_8_4_inbound_root.bin"] = h(INBOUND)
    assert intra_frame(0x2B) == spec, "intra_frame() must rebuild the SPEC §8.4 frame"
    # One frame per PASA-6LoRH size of SPEC §8.3 (1 to 8 octets).
    seen = set()
    for b, _ in LORH:
        v = addr(b)
        n = max(1, (v.bit_length() + 7) // 8)
        if n in seen or n not in (1, 2, 3, 5, 8):
            continue
        seen.add(n)
        s[f"spec_8_3_lorh_{n}_octets_frame.bin"] = intra_frame(v)
    s["lorh_leading_zero_octets_frame.bin"] = intra_frame(0x2B, size=3)
    s["elective_skipped_then_pasa.bin"] = h("F1 A2 09 AA BB") + spec[1:]
    s["icmp_inline_next_header.bin"] = h("F1 80 50 2B 78 57 3A 40") + be64(0x0B) + h("80 00 12 34 00 01 00 01")
    s["udp_checksum_elided.bin"] = h("F1 80 50 2B 7C 57 40") + be64(0x0B) + h("F7 12 50 41 53 41")
    s["mcast_upstream_ff02_1.bin"] = h("F1 A1 06 40 7F 5B") + be64(0x0B) + h("01 F3 12 00 00")
    # B08 / B09: empty, NALP, page handling.
    s["b08_empty.bin"] = b""
    s["b08_nalp_00.bin"] = b"\x00"
    s["b08_single_dispatch_f1.bin"] = b"\xF1"
    s["b09_page2.bin"] = b"\xF2" + spec[1:]
    s["b09_100_page_switches.bin"] = b"\xF1" * 100 + spec[1:]
    s["b09_page0_mesh_dispatch.bin"] = spec[1:]
    s["b09_page_switch_after_lorh.bin"] = h("F1 80 50 2B F1") + spec[4:]
    # B10: truncated PASA-6LoRH, Size beyond the end.
    for n in (2, 5):
        s[f"b10_truncated_lorh_{n}.bin"] = intra_frame(addr(LORH[12][0]))[:n]
    s["b10_size7_beyond_end.bin"] = h("F1 87 50 2B")
    # B11: unknown critical, elective overrun, 50 chained electives, 9 electives.
    s["b11_unknown_critical.bin"] = h("F1 85 00") + spec[4:]
    s["b11_elective_overrun.bin"] = h("F1 BF 09 01 02 03")
    s["b11_50_chained_electives.bin"] = b"\xF1" + h("A0 09") * 50 + spec[1:]
    s["b11_7_electives_then_pasa_at_cap.bin"] = b"\xF1" + h("A0 09") * 7 + spec[1:]
    s["b11_8_electives_then_pasa_over_cap.bin"] = b"\xF1" + h("A0 09") * 8 + spec[1:]
    # B12: two PASA-6LoRHs, PASA-6LoRH then end of frame / non-IPHC, two IP-in-IP.
    s["b12_two_pasa_lorh.bin"] = h("F1 80 50 2B") + spec[1:]
    s["b12_pasa_then_end_of_frame.bin"] = h("F1 80 50 2B")
    s["b12_pasa_then_uncompressed_ipv6.bin"] = h("F1 80 50 2B 41 60 00 00 00")
    s["b12_two_ipinip.bin"] = h("F1 A1 06 40") + h(UPSTREAM)[1:]
    s["b12_zero_pasa_address.bin"] = h("F1 81 50 00 00") + spec[4:]
    # B26: DAC=1 DAM=11 with no PASA-6LoRH and no link layer; SAM=11 without link layer.
    s["b26_dam11_without_pasa.bin"] = h("F1 A1 06 40") + spec[4:]
    s["b26_sam11_without_link.bin"] = h("F1 80 50 2B 7C 77 40 F3 12 1F 47")
    # B27: unknown context id.
    s["b27_unknown_sci3.bin"] = h("F1 80 50 2B 7C E7 30 40 00 0B F3 12 1F 47")
    # B28: IPHC truncated inside inline fields.
    for n in (5, 12):
        s[f"b28_iphc_truncated_{n}.bin"] = spec[:n]
    # B29: reserved address modes.
    s["b29_m0_dac1_dam00.bin"] = h("F1 80 50 2B 7C 54 40") + be64(0x0B) + b"\0" * 16
    s["b29_m1_dac1_dam11.bin"] = h("F1 80 50 2B 7C 5F 40") + be64(0x0B)
    # B30: NHC extension header, truncated NHC UDP, NH=1 and nothing after.
    s["b30_nhc_ext_header.bin"] = spec[:15] + h("E0 3A 00 50 41")
    s["b30_nhc_udp_truncated.bin"] = spec[:17]
    return s

# ---------------------------------------------------------------------------------------------
# Router core seeds (router/src/fuzz.rs): the fixture tree is root 1, router 10, router 1010,
# host 101011, hosts' and routers' link-layer addresses 02:00:00:00:00:00:00:<n>.
# ---------------------------------------------------------------------------------------------

DOC_EXT = bytes.fromhex("20010db9000000000000000000000001")  # 2001:db9::1, outside the domain
ALL_ROUTERS_LAST = 0x02  # ff02::2


def eui64(n):
    return bytes([0x02, 0, 0, 0, 0, 0, 0, n])


LL_ROOT, LL_R10, LL_R1010, LL_JOINER = eui64(0x01), eui64(0x02), eui64(0x0A), eui64(0x42)
LL_SHORT = bytes([0x00, 0x07])


def rovr_of(ll):
    """The fixture ROVR: "ROVR" and the link-layer address's last octet."""
    return b"ROVR\0\0\0" + ll[-1:]


def link_local(ll):
    """fe80:: with the IID of a link-layer address (RFC 4944 §6, RFC 2464 §5)."""
    if len(ll) == 2:
        iid = bytes([0, 0, 0, 0xFF, 0xFE, 0]) + ll
    else:
        iid = bytes([ll[0] ^ 0x02]) + ll[1:]
    return bytes.fromhex("fe80000000000000") + iid


def pasa_ip(value):
    return DOC + be64(value)


def icmp_checksum(src16, dst16, msg):
    data = src16 + dst16 + len(msg).to_bytes(4, "big") + b"\0\0\0\x3a" + msg
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def with_icmp_checksum(src16, dst16, msg):
    msg = msg[:2] + b"\0\0" + msg[4:]
    return msg[:2] + icmp_checksum(src16, dst16, msg).to_bytes(2, "big") + msg[4:]


def native(src16, dst16, nh, payload, hop_limit=64):
    return (bytes([0x60, 0, 0, 0]) + len(payload).to_bytes(2, "big") + bytes([nh, hop_limit])
            + src16 + dst16 + payload)


def native_udp(src16, dst16, payload, hop_limit=64, sport=0xF0B1, dport=0xF0B2):
    ck = udp_checksum(src16, dst16, sport, dport, payload)
    udp = (sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
           + (8 + len(payload)).to_bytes(2, "big") + ck.to_bytes(2, "big"))
    return native(src16, dst16, 17, udp + payload, hop_limit)


def native_echo(src16, dst16, hop_limit=64):
    msg = with_icmp_checksum(src16, dst16, h("80 00 00 00 12 34 00 01") + b"PASA")
    return native(src16, dst16, 58, msg, hop_limit)


def upstream_frame(src_iid, dst16, payload=b"PASA", hop_limit=64):
    """Page-1 frame with an IP-in-IP 6LoRH (encapsulator elided) to an external destination,
    source 2001:db8::<src_iid> from context 0 (the layout of the SPEC.md §8.4 upstream frame)."""
    src = DOC + be64(src_iid)
    ck = udp_checksum(src, dst16, 0xF0B1, 0xF0B2, payload)
    return (h("F1 A1 06") + bytes([hop_limit]) + h("7C 50") + bytes([hop_limit]) + be64(src_iid)
            + dst16 + h("F3 12") + ck.to_bytes(2, "big") + payload)


def sllao(ll):
    if len(ll) == 2:
        return bytes([SLLAO, 1]) + ll + b"\0" * 4
    return bytes([SLLAO, 2]) + ll + b"\0" * 6


def cio(octet3):
    return bytes([CIO, 1, 0, octet3, 0x40, 0, 0, 0])  # M (GAAO support) set


CIO_HOST, CIO_ROUTER, CIO_ROOT = cio(0x00), cio(0x12), cio(0x1A)


def nd_frame(src_ll, dst_ll, msg, hop_limit=255, good_checksum=True):
    """A page-0 IPHC frame between link-local addresses elided from the link layer (SAM=11,
    DAM=11), or to ff02::2 when `dst_ll` is None; next header inline; hop limit 255 compressed
    (HLIM=11) unless another is asked for (then inline)."""
    src = link_local(src_ll)
    dst = bytes.fromhex("ff020000000000000000000000000002") if dst_ll is None else link_local(dst_ll)
    msg = with_icmp_checksum(src, dst, msg)
    if not good_checksum:
        msg = msg[:2] + bytes([msg[2] ^ 0x01]) + msg[3:]
    hlim = 0x03 if hop_limit == 255 else 0x00
    first = 0x78 | hlim
    second = 0x3B if dst_ll is None else 0x33
    inline = bytes([0x3A]) + (bytes([hop_limit]) if hlim == 0 else b"")
    return bytes([first, second]) + inline + (bytes([ALL_ROUTERS_LAST]) if dst_ll is None else b"") + msg


def rs(ll, cio_opt=CIO_HOST):
    return nd_frame(ll, None, h("85 00 00 00 00 00 00 00") + sllao(ll) + cio_opt)


def ra(ll, to, cio_opt=CIO_ROOT):
    body = h("86 00 00 00 40 00 07 08 00 00 00 00 00 00 00 00")
    return nd_frame(ll, to, body + sllao(ll) + cio_opt)


def gaao(rovr, aaf=0xF, status=0, address=None, lifetime=0):
    if address is None:
        return bytes([GAAO, 2, status, 0, 0x00, aaf, 0, 0]) + rovr
    return (bytes([GAAO, 4, status, 0, 0x84, aaf]) + lifetime.to_bytes(2, "big") + rovr
            + address)


def earo(rovr, tid=0xF0, lifetime=60, status=0):
    return bytes([EARO, 2, status, 0, 0x03, tid]) + lifetime.to_bytes(2, "big") + rovr


def ns(ll, to, target16, opts):
    return nd_frame(ll, to, h("87 00 00 00 00 00 00 00") + target16 + opts)


def na(ll, to, target16, opts):
    return nd_frame(ll, to, h("88 00 00 00 C0 00 00 00") + target16 + opts)


def seeds_router_forward():
    s = {}
    spec = h(FRAME_CTX0)
    # Selector: 0 from the parent 10, 1 from host 101011, 2 from router 10100, 3 unknown.
    s["spec_8_4_from_parent.bin"] = b"\x00" + spec
    s["spec_8_4_from_parent_multicast.bin"] = b"\x04" + spec
    s["spec_8_4_from_unknown.bin"] = b"\x03" + spec
    s["spec_8_4_from_parent_ll_on_iface1.bin"] = b"\x08" + spec
    s["spec_8_4_from_child_spoofed_source.bin"] = b"\x01" + spec
    s["spec_8_4_child_expired.bin"] = b"\x10" + spec
    s["spec_8_4_ctx1_from_parent.bin"] = b"\x00" + h(FRAME_CTX1)
    s["up_from_child_101011_to_1011.bin"] = b"\x01" + intra_frame(0x0B, src_iid=0x2B)
    s["down_from_router_child_10100.bin"] = b"\x02" + intra_frame(0x2B, src_iid=0x14)
    s["deliver_to_1010.bin"] = b"\x00" + intra_frame(0x0A)
    s["loop_parent_side_from_parent.bin"] = b"\x00" + intra_frame(0x0B, src_iid=0x04)
    s["hop_limit_1_from_parent.bin"] = b"\x00" + intra_frame(0x2B, hop_limit=1)
    # HLIM=10 (64) compressed: re-encoded inline on the way.
    s["compressed_hop_limit_64.bin"] = b"\x00" + h("F1 80 50 2B 7E 57") + be64(0x0B) + spec[15:]
    s["ipinip_up_from_child_101011.bin"] = b"\x01" + upstream_frame(0x2B, DOC_EXT)
    s["ipinip_up_hop_limit_1.bin"] = b"\x01" + upstream_frame(0x2B, DOC_EXT, hop_limit=1)
    s["ipinip_from_parent_loop.bin"] = b"\x00" + h(UPSTREAM)
    s["spec_8_4_upstream_spoofed.bin"] = b"\x01" + h(UPSTREAM)
    s["icmp_echo_to_1010.bin"] = (b"\x00" + h("F1 80 50 0A 78 57 3A 40") + be64(0x0B)
                                  + h("80 00 00 00 12 34 00 01"))
    s["empty_frame.bin"] = b"\x00"
    s["truncated_iphc.bin"] = b"\x00" + spec[:9]
    return s


def seeds_router_border():
    s = {}
    pasa_2b = pasa_ip(0x2B)
    # Selector: 0 receive_external at the root, 1 send at the root, 2 at 1010, 3 at 101011.
    s["external_udp_to_101011.bin"] = b"\x00" + native_udp(DOC_EXT, pasa_2b, bytes(range(16)))
    s["external_echo_to_101011.bin"] = b"\x00" + native_echo(DOC_EXT, pasa_2b)
    s["external_to_root.bin"] = b"\x00" + native_udp(DOC_EXT, pasa_ip(1), b"PASA")
    s["external_to_unassigned_110.bin"] = b"\x00" + native_udp(DOC_EXT, pasa_ip(0b110), b"PASA")
    s["external_outside_prefix.bin"] = b"\x00" + native_udp(DOC_EXT, DOC_EXT[:15] + b"\x02", b"PASA")
    s["external_spoofed_pasa_source.bin"] = b"\x00" + native_udp(pasa_2b, pasa_ip(0x0B), b"PASA")
    s["external_hop_limit_1.bin"] = b"\x00" + native_udp(DOC_EXT, pasa_2b, b"PASA", hop_limit=1)
    s["external_routing_header.bin"] = b"\x00" + native(DOC_EXT, pasa_2b, 43,
                                                        h("11 00 00 00 00 00 00 00"))
    s["external_late_clock.bin"] = b"\x10" + native_udp(DOC_EXT, pasa_2b, b"PASA")
    s["root_send_to_101011.bin"] = b"\x01" + native_udp(pasa_ip(1), pasa_2b, b"PASA")
    s["root_send_out.bin"] = b"\x01" + native_udp(pasa_ip(1), DOC_EXT, b"PASA")
    s["router_1010_send_up.bin"] = b"\x02" + native_udp(pasa_ip(0x0A), pasa_ip(0x0B), b"PASA")
    s["router_1010_send_out.bin"] = b"\x02" + native_echo(pasa_ip(0x0A), DOC_EXT)
    s["host_101011_send_to_1011.bin"] = b"\x03" + native_udp(pasa_2b, pasa_ip(0x0B), b"PASA")
    s["host_101011_send_out.bin"] = b"\x03" + native_udp(pasa_2b, DOC_EXT, bytes(range(16)))
    s["host_101011_send_wrong_source.bin"] = b"\x03" + native_udp(pasa_ip(0x0B), DOC_EXT, b"PASA")
    s["host_101011_send_link_local.bin"] = b"\x03" + native_udp(pasa_2b, link_local(LL_R1010), b"")
    s["not_ipv6.bin"] = b"\x00" + bytes([0x45]) + b"\0" * 39
    s["truncated_ipv6.bin"] = b"\x00" + native_udp(DOC_EXT, pasa_2b, b"PASA")[:30]
    return s


def seeds_router_control():
    s = {}
    jr = rovr_of(LL_JOINER)
    j_ip = link_local(LL_JOINER)
    assigned = pasa_ip(0b111)  # the root's host index 1 (11 is taken by a static child)
    ns_gaao = ns(LL_JOINER, LL_ROOT, j_ip, sllao(LL_JOINER) + gaao(jr) + CIO_HOST)
    ns_gaao_1010 = ns(LL_JOINER, LL_R1010, j_ip, sllao(LL_JOINER) + gaao(jr) + CIO_HOST)
    ns_earo = ns(LL_JOINER, LL_ROOT, assigned, sllao(LL_JOINER) + earo(jr))
    # Selector: bits 0-1 receiver (root, 1010, soliciting joiner, requesting joiner), bits 2-3
    # sender (joiner, root, short, 10), bit 4 multicast, bit 5 failing store (every commit fails).
    s["rs_joiner_to_root.bin"] = b"\x10" + rs(LL_JOINER)
    s["rs_joiner_to_1010.bin"] = b"\x11" + rs(LL_JOINER)
    s["rs_router_10_to_root.bin"] = b"\x1C" + rs(LL_R10, CIO_ROUTER)
    s["rs_at_joiner.bin"] = b"\x12" + rs(LL_JOINER)
    s["rs_hop_limit_64.bin"] = b"\x10" + nd_frame(LL_JOINER, None, h("85 00 00 00 00 00 00 00")
                                                  + sllao(LL_JOINER) + CIO_HOST, hop_limit=64)
    s["rs_bad_checksum.bin"] = b"\x10" + nd_frame(LL_JOINER, None, h("85 00 00 00 00 00 00 00")
                                                  + sllao(LL_JOINER) + CIO_HOST,
                                                  good_checksum=False)
    s["ns_gaao_joiner_to_root.bin"] = b"\x00" + ns_gaao
    s["ns_gaao_joiner_to_1010.bin"] = b"\x01" + ns_gaao_1010
    s["ns_gaao_store_fails.bin"] = b"\x20" + ns_gaao
    s["ns_gaao_aaf_3.bin"] = b"\x00" + ns(LL_JOINER, LL_ROOT, j_ip,
                                          sllao(LL_JOINER) + gaao(jr, aaf=3) + CIO_HOST)
    s["ns_gaao_router_role.bin"] = b"\x00" + ns(LL_JOINER, LL_ROOT, j_ip,
                                                sllao(LL_JOINER) + gaao(jr) + CIO_ROUTER)
    s["ns_gaao_other_prefix.bin"] = b"\x00" + ns(
        LL_JOINER, LL_ROOT, j_ip,
        sllao(LL_JOINER) + gaao(jr, address=DOC_EXT, lifetime=60) + CIO_HOST)
    s["ns_gaao_from_short_address.bin"] = b"\x08" + ns(LL_SHORT, LL_ROOT, link_local(LL_SHORT),
                                                       sllao(LL_SHORT) + gaao(jr) + CIO_HOST)
    s["ns_earo_joiner_to_root.bin"] = b"\x00" + ns_earo
    s["ns_earo_deregister.bin"] = b"\x00" + ns(LL_JOINER, LL_ROOT, assigned,
                                               sllao(LL_JOINER) + earo(jr, lifetime=0))
    s["ns_earo_not_a_child.bin"] = b"\x00" + ns(LL_JOINER, LL_ROOT, pasa_ip(0x2B),
                                                sllao(LL_JOINER) + earo(jr))
    s["ns_earo_taken_by_10.bin"] = b"\x00" + ns(LL_JOINER, LL_ROOT, pasa_ip(0b10),
                                                sllao(LL_JOINER) + earo(jr))
    s["ra_root_at_joiner.bin"] = b"\x06" + ra(LL_ROOT, LL_JOINER)
    s["ra_router_10_at_joiner.bin"] = b"\x0E" + ra(LL_R10, LL_JOINER, CIO_ROUTER)
    s["ra_without_m_bit.bin"] = b"\x06" + ra(LL_ROOT, LL_JOINER, CIO_ROOT[:4] + b"\0\0\0\0")
    s["na_gaao_root_at_requesting.bin"] = b"\x07" + na(
        LL_ROOT, LL_JOINER, j_ip, gaao(jr, address=assigned, lifetime=0xFFFF))
    s["na_gaao_aaf_not_used.bin"] = b"\x07" + na(LL_ROOT, LL_JOINER, j_ip, gaao(jr, status=13))
    s["na_gaao_cache_full.bin"] = b"\x07" + na(LL_ROOT, LL_JOINER, j_ip, gaao(jr, status=2))
    s["na_gaao_router_address_for_host.bin"] = b"\x07" + na(
        LL_ROOT, LL_JOINER, j_ip, gaao(jr, address=pasa_ip(0b110), lifetime=60))
    s["na_earo_at_requesting.bin"] = b"\x07" + na(LL_ROOT, LL_JOINER, assigned, earo(jr))
    s["not_nd_udp.bin"] = b"\x00" + h("7B 33 11") + h("F0 B1 F0 B2 00 08 00 00")
    s["page0_global_destination.bin"] = b"\x00" + h("7B 30 3A") + pasa_ip(0x2B) + h("80 00 00 00")
    s["empty_frame.bin"] = b"\x00"
    return s


GENERATORS = {
    "addr_text": seeds_addr_text,
    "decide": seeds_decide,
    "lorh": seeds_lorh,
    "iphc": seeds_iphc,
    "nhc_udp": seeds_nhc_udp,
    "nd_options": seeds_nd_options,
    "frame": seeds_frame,
    "router_forward": seeds_router_forward,
    "router_border": seeds_router_border,
    "router_control": seeds_router_control,
}


def all_seeds():
    out = {}
    for t in TARGETS:
        seeds = GENERATORS[t]()
        for name in seeds:
            if not name.endswith(".bin") or "/" in name:
                sys.exit(f"bad seed name {t}/{name}")
        out[t] = seeds
    return out


def main(argv):
    checked = check_against_json()
    seeds = all_seeds()
    if "--list" in argv:
        for t, ss in seeds.items():
            for name, data in sorted(ss.items()):
                print(f"{t}/{name}\t{len(data)}")
        return 0
    if "--check" in argv:
        bad = []
        for t, ss in seeds.items():
            for name, data in ss.items():
                p = os.path.join(CORPUS, t, name)
                try:
                    with open(p, "rb") as f:
                        if f.read() != data:
                            bad.append(p + " differs")
                except OSError:
                    bad.append(p + " missing")
        print("\n".join(bad) or "seed corpus up to date")
        return 1 if bad else 0
    if "--prune" in argv:
        keep = int(argv[argv.index("--prune") + 1])
        for t, ss in seeds.items():
            d = os.path.join(CORPUS, t)
            seen = set(ss.values())
            others = []
            for n in sorted(os.listdir(d)):
                p = os.path.join(d, n)
                if n in ss or not os.path.isfile(p):
                    continue
                with open(p, "rb") as f:
                    data = f.read()
                if data in seen:  # a copy of a seed or of another input (e.g. after cmin)
                    os.remove(p)
                    continue
                seen.add(data)
                others.append((len(data), n))
            others.sort()
            for _, n in others[keep:]:
                os.remove(os.path.join(d, n))
            print(f"{t}: {len(ss)} seeds + {min(keep, len(others))} kept of {len(others)} others")
        return 0
    for t, ss in seeds.items():
        d = os.path.join(CORPUS, t)
        os.makedirs(d, exist_ok=True)
        for name, data in ss.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{t}: {len(ss)} seed files")
    if not checked:
        print("note: vectors.json not found; embedded vectors used unchecked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
