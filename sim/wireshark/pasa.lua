-- pasa.lua: Wireshark/tshark dissector for PASA (draft-ietf-6lo-path-aware-semantic-addressing-13)
-- frames carried in LoWPAN over Ethernet (EtherType 0xA0ED, RFC 7973), and for the GAAO ND option
-- (draft-ietf-6lo-nd-gaao-09). Tested with tshark 4.0.17 (Lua 5.2). It uses neither bit32 nor the
-- Lua 5.3 integer operators, so that it can load in the Lua 5.4 builds (Wireshark 4.4 and later);
-- that is untested.
--
-- How it hooks in (see README.md next to this file):
--
-- * Proto "pasa" takes EtherType 0xA0ED over from the built-in 6LoWPAN dissector. A frame that
--   starts with a paging dispatch (0xF0-0xFF, RFC 8025) is walked here: the page number, every
--   6LoRH (RFC 8138) of page 1 -- the PASA-6LoRH (critical, type TBD1, SPEC.md section 1.7), the
--   IP-in-IP 6LoRH (elective type 6, section 1.9), RH3/RPI by length, unknown electives skipped,
--   an unknown critical one stops the walk. What follows (LOWPAN_IPHC onwards) goes to the
--   built-in dissector, Dissector.get("6lowpan"), for IPHC/NHC/IPv6/UDP/ICMPv6. Any other frame
--   (page 0: the ND messages, fragments, mesh) goes to the built-in dissector whole.
-- * Coalescence (RFC 8138 section 4.3.1, SPEC.md section 1.8): with a PASA-6LoRH, an IPHC
--   destination with M=0 and DAM=11 is the prefix plus the PASA address, not an IID from the
--   MAC. The built-in dissector only knows the MAC rule, so the IPHC is handed over rewritten
--   with that IID inline (DAM=11 -> DAM=01, 8 octets inserted; DAC/DCI kept, so the prefix still
--   comes from the 6LoWPAN context). The rewritten octets are a separate data source named
--   "PASA: IPHC with the coalesced destination inline"; the PASA tree says so.
-- * IIDs from Ethernet MACs (SAM/DAM=11, ND messages): RFC 2464 and RFC 4944 invert the U/L
--   bit, as the PASA code does; the built-in dissector does not unless its preference
--   6lowpan.iid_has_universal_local_bit is set. With the preference "pasa.rfc2464_iid" (on by
--   default) and that one off, the link-layer addresses are handed to the built-in dissector
--   with the U/L bit inverted, and put back afterwards.
-- * Proto "pasa.nd" is a postdissector over the ICMPv6 ND options the ICMPv6 dissector found:
--   for the GAAO (type from the preference "pasa.gaao_type", 253 by default), which it leaves
--   undecoded, it adds a "PASA GAAO" tree with its fields (SPEC.md section 2.1); for the EARO
--   and the 6CIO it adds the fields tshark 4.0 does not show (EARO flags and TID; 6CIO L/B/P/E
--   and the GAAO M bit, and the PASA role they announce).
--
-- The 6LoWPAN contexts are Wireshark's own: set 6lowpan.context0 to the PASA prefix
-- (e.g. -o 6lowpan.context0:2001:db8::/64).

local PLUGIN_VERSION = "0.1.0"

if set_plugin_info then
    set_plugin_info({
        version = PLUGIN_VERSION,
        description = "PASA-6LoRH, IP-in-IP 6LoRH and GAAO on LoWPAN over Ethernet (0xA0ED)",
        repository = "sim/wireshark/pasa.lua",
    })
end

---------------------------------------------------------------------------------------------------
-- Small helpers: bit fields by arithmetic (no bit library), IPv6 text.
---------------------------------------------------------------------------------------------------

-- The `width` bits of `v` starting `shift` bits from the least significant end.
local function bits(v, shift, width)
    return math.floor(v / 2 ^ shift) % 2 ^ width
end

-- Parses an IPv6 address (no zone, no embedded IPv4) into 16 numbers, or nil.
local function parse_ipv6(s)
    if type(s) ~= "string" or s == "" then
        return nil
    end
    local head, tail = s:match("^(.-)::(.*)$")
    local groups = {}
    local function add(part, out)
        if part == "" then
            return true
        end
        for g in (part .. ":"):gmatch("([^:]*):") do
            if not g:match("^%x%x?%x?%x?$") then
                return false
            end
            out[#out + 1] = tonumber(g, 16)
        end
        return true
    end
    if head then
        local h, t = {}, {}
        if not add(head, h) or not add(tail, t) or #h + #t > 7 then
            return nil
        end
        for _, g in ipairs(h) do groups[#groups + 1] = g end
        for _ = 1, 8 - #h - #t do groups[#groups + 1] = 0 end
        for _, g in ipairs(t) do groups[#groups + 1] = g end
    else
        if not add(s, groups) or #groups ~= 8 then
            return nil
        end
    end
    local o = {}
    for i = 1, 8 do
        o[2 * i - 1] = math.floor(groups[i] / 256)
        o[2 * i] = groups[i] % 256
    end
    return o
end

-- Parses "addr/len" (or "addr", len 128) into 16 octets and a prefix length, or nil.
local function parse_prefix(s)
    if type(s) ~= "string" then
        return nil
    end
    s = s:gsub("%s", "")
    local a, l = s:match("^([^/]+)/(%d+)$")
    if not a then
        a, l = s, "128"
    end
    local o = parse_ipv6(a)
    local n = tonumber(l)
    if not o or n > 128 then
        return nil
    end
    return o, n
end

-- 16 octets to the text Address.ipv6 accepts (uncompressed; Wireshark prints it canonically).
local function ipv6_text(o)
    local g = {}
    for i = 1, 8 do
        g[i] = string.format("%x", o[2 * i - 1] * 256 + o[2 * i])
    end
    return table.concat(g, ":")
end

-- RFC 6282 section 3.2.2: the IID first, then the context prefix over it (bits covered by the
-- context win, so a /112 context keeps its own bits 64-111).
local function apply_prefix(prefix, plen, iid)
    local o = {}
    for i = 1, 8 do o[i] = 0 end
    for i = 1, 8 do o[8 + i] = iid[i] end
    for i = 1, 16 do
        local covered = plen - 8 * (i - 1)
        if covered >= 8 then
            o[i] = prefix[i]
        elseif covered > 0 then
            local keep = 2 ^ (8 - covered) -- low bits that stay from the IID
            o[i] = prefix[i] - prefix[i] % keep + o[i] % keep
        end
    end
    return o
end

---------------------------------------------------------------------------------------------------
-- Proto "pasa": the paging dispatch and the 6LoRHs on EtherType 0xA0ED.
---------------------------------------------------------------------------------------------------

local pasa = Proto("pasa", "PASA (Path-Aware Semantic Addressing over 6LoWPAN)")

pasa.prefs.lorh_type = Pref.uint("PASA-6LoRH type (TBD1)", 0x50,
    "Critical 6LoRH type of the PASA-6LoRH; IANA has not assigned it yet (TBD1). "
    .. "Default 80 = 0x50, the placeholder of SPEC.md section 9.1.")
pasa.prefs.gaao_type = Pref.uint("GAAO ND option type", 253,
    "IPv6 ND option type of the GAAO (draft-ietf-6lo-nd-gaao-09, not assigned yet). "
    .. "Default 253, the RFC 4727 experimental value.")
pasa.prefs.rfc2464_iid = Pref.bool("IIDs from Ethernet MACs per RFC 2464 (invert the U/L bit)", true,
    "Derive IIDs of elided addresses (SAM/DAM=11) from the Ethernet MACs as RFC 2464 and "
    .. "RFC 4944 do, inverting the U/L bit, like the PASA code. Wireshark's 6LoWPAN "
    .. "dissector only does so with 6lowpan.iid_has_universal_local_bit; when that is on, "
    .. "this preference does nothing.")

local CLASS = { [4] = "Critical 6LoRH", [5] = "Elective 6LoRH" }
local CRITICAL_TYPES = {
    [0] = "RH3-6LoRH, 1-octet addresses",
    [1] = "RH3-6LoRH, 2-octet addresses",
    [2] = "RH3-6LoRH, 4-octet addresses",
    [3] = "RH3-6LoRH, 8-octet addresses",
    [4] = "RH3-6LoRH, 16-octet addresses",
    [5] = "RPI-6LoRH",
}
local ELECTIVE_TYPES = { [6] = "IP-in-IP 6LoRH", [7] = "Deadline-6LoRH" }

local pf = {
    page = ProtoField.uint8("pasa.page", "Page", base.DEC, nil, 0x0F),
    class = ProtoField.uint8("pasa.lorh.class", "Class", base.DEC, CLASS, 0xE0),
    rsvd = ProtoField.uint8("pasa.lorh.rsvd", "Reserved", base.DEC, nil, 0x18),
    size = ProtoField.uint8("pasa.lorh.size", "Size", base.DEC, nil, 0x07),
    tse = ProtoField.uint8("pasa.lorh.tse", "Type-specific (TSE)", base.HEX, nil, 0x1F),
    elen = ProtoField.uint8("pasa.lorh.length", "Length", base.DEC, nil, 0x1F),
    ctype = ProtoField.uint8("pasa.lorh.type", "6LoRH Type", base.HEX),
    addr = ProtoField.bytes("pasa.lorh.addr", "PASA address octets"),
    addr_bits = ProtoField.string("pasa.lorh.addr_bits", "PASA address"),
    addr_len = ProtoField.uint8("pasa.lorh.addr_len", "PASA address length (bits)"),
    dst = ProtoField.ipv6("pasa.lorh.ipv6", "IPv6 destination"),
    hop_limit = ProtoField.uint8("pasa.ipinip.hop_limit", "Hop Limit"),
    encap = ProtoField.bytes("pasa.ipinip.encapsulator", "Encapsulator (compressed)"),
    body = ProtoField.bytes("pasa.lorh.body", "Body"),
}
pasa.fields = pf

local ef = {
    truncated = ProtoExpert.new("pasa.truncated", "Truncated 6LoRH",
        expert.group.MALFORMED, expert.severity.ERROR),
    zero_addr = ProtoExpert.new("pasa.lorh.zero_addr",
        "All-zero PASA address (no PASA node has it; SPEC.md section 1.7 rejects it)",
        expert.group.MALFORMED, expert.severity.ERROR),
    non_minimal = ProtoExpert.new("pasa.lorh.non_minimal",
        "PASA address sent with leading zero octets (accepted; senders use the minimal N)",
        expert.group.PROTOCOL, expert.severity.NOTE),
    rsvd = ProtoExpert.new("pasa.lorh.rsvd_set", "Reserved bits set (ignored on receipt)",
        expert.group.PROTOCOL, expert.severity.NOTE),
    unknown_critical = ProtoExpert.new("pasa.lorh.unknown_critical",
        "Unknown critical 6LoRH: a node must drop the packet (RFC 8138); its length is "
        .. "unknown, so the rest is not decoded", expert.group.UNDECODED, expert.severity.WARN),
    no_context = ProtoExpert.new("pasa.no_context",
        "6LoWPAN context not set: the prefix of the PASA destination is unknown "
        .. "(set 6lowpan.contextN to the PASA prefix)", expert.group.PROTOCOL, expert.severity.WARN),
    no_iphc = ProtoExpert.new("pasa.no_iphc", "Nothing follows the 6LoRHs",
        expert.group.MALFORMED, expert.severity.ERROR),
}
pasa.experts = ef

local lowpan = Dissector.get("6lowpan")
local data = Dissector.get("data")
local f_eth_src = Field.new("eth.src")
local f_eth_dst = Field.new("eth.dst")

local function last(...)
    local t = { ... }
    return t[#t]
end

-- The Ethernet address of a FieldInfo with the U/L bit inverted, as an Address.
local function flipped_mac(fi)
    local b = fi.range:bytes()
    if b:len() ~= 6 then
        return nil
    end
    local o = {}
    for i = 0, 5 do o[i + 1] = b:get_index(i) end
    o[1] = (bits(o[1], 1, 1) == 1) and o[1] - 2 or o[1] + 2
    return Address.ether(string.format("%02x:%02x:%02x:%02x:%02x:%02x",
        o[1], o[2], o[3], o[4], o[5], o[6]))
end

-- Hands the link-layer addresses to the built-in dissector with the U/L bit inverted when
-- needed (see the header); returns a function that puts them back.
local function rfc2464_link_addresses(pinfo)
    local nothing = function() end
    if not pasa.prefs.rfc2464_iid then
        return nothing
    end
    local ok, ws_inverts = pcall(get_preference, "6lowpan.iid_has_universal_local_bit")
    if ok and ws_inverts then
        return nothing
    end
    local src, dst = last(f_eth_src()), last(f_eth_dst())
    if not src or not dst then
        return nothing
    end
    local fsrc, fdst = flipped_mac(src), flipped_mac(dst)
    if not fsrc or not fdst then
        return nothing
    end
    local osrc, odst = pinfo.dl_src, pinfo.dl_dst
    pinfo.dl_src, pinfo.dl_dst = fsrc, fdst
    return function()
        pinfo.dl_src, pinfo.dl_dst = osrc, odst
    end
end

-- The prefix (16 octets, length) of 6LoWPAN context `cid` from Wireshark's preferences, or nil.
local function context_prefix(cid)
    local ok, s = pcall(get_preference, "6lowpan.context" .. cid)
    if not ok then
        return nil
    end
    return parse_prefix(s)
end

-- Binary and hex text of the PASA address octets (a Tvb range of 1 to 8 octets).
local function pasa_text(range)
    local bin, hex, started = {}, {}, false
    local octets = {}
    for i = 0, range:len() - 1 do
        local v = range(i, 1):uint()
        octets[#octets + 1] = v
        if v ~= 0 or started then
            started = true
            hex[#hex + 1] = string.format("%02x", v)
            for s = 7, 0, -1 do bin[#bin + 1] = string.format("%d", bits(v, s, 1)) end
        end
    end
    local b = table.concat(bin):gsub("^0+", "")
    return b, "0x" .. (#hex > 0 and table.concat(hex) or "00"), octets, #hex
end

-- One PASA-6LoRH at `off` (its length already checked); returns its length and what
-- coalescence needs.
local function dissect_pasa_lorh(tvb, off, n, root, pinfo)
    local range = tvb(off + 2, n)
    local b, hex, octets, minimal = pasa_text(range)
    local t = root:add(pasa, tvb(off, 2 + n), "PASA-6LoRH")
    t:add(pf.class, tvb(off, 1))
    local r = t:add(pf.rsvd, tvb(off, 1))
    if bits(tvb(off, 1):uint(), 3, 2) ~= 0 then
        r:add_proto_expert_info(ef.rsvd)
    end
    t:add(pf.size, tvb(off, 1)):append_text(string.format(" (N = %d address octet%s)",
        n, n == 1 and "" or "s"))
    t:add(pf.ctype, tvb(off + 1, 1)):append_text(" (PASA-6LoRH, TBD1)")
    t:add(pf.addr, range)
    local a
    if b == "" then
        a = t:add(pf.addr_bits, range, "0")
        a:add_proto_expert_info(ef.zero_addr)
    else
        a = t:add(pf.addr_bits, range, b)
        a:append_text(string.format(" (%s, %d bits)", hex, #b))
        if minimal < n then
            a:add_proto_expert_info(ef.non_minimal)
        end
    end
    t:add(pf.addr_len, range, #b):set_generated()
    t:append_text(string.format(": %s", b == "" and "0" or b))
    return 2 + n, { pasa = true, tree = t, range = range, octets = octets, bits = b }
end

-- The lengths of the IPHC inline fields before the destination (RFC 6282 section 3.1.1).
local TF_LEN = { [0] = 4, [1] = 3, [2] = 1, [3] = 0 }
local function src_len(sac, sam)
    if sac == 0 then
        return ({ [0] = 16, [1] = 8, [2] = 2, [3] = 0 })[sam]
    end
    return ({ [0] = 0, [1] = 8, [2] = 2, [3] = 0 })[sam]
end

-- Coalescence: returns the Tvb to hand to the built-in dissector (rewritten when the IPHC
-- elides the destination) and adds the rebuilt destination to the PASA-6LoRH tree.
local function coalesce(tvb, off, lorh, root, pinfo)
    local len = tvb:len()
    local rest = tvb(off):tvb()
    if len - off < 2 then
        return rest
    end
    local h0, h1 = tvb(off, 1):uint(), tvb(off + 1, 1):uint()
    if bits(h0, 5, 3) ~= 3 then
        return rest -- not LOWPAN_IPHC; the built-in dissector says what it is
    end
    local cid, sac, sam = bits(h1, 7, 1), bits(h1, 6, 1), bits(h1, 4, 2)
    local m, dac, dam = bits(h1, 3, 1), bits(h1, 2, 1), bits(h1, 0, 2)
    local dci = 0
    if cid == 1 and len - off >= 3 then
        dci = bits(tvb(off + 2, 1):uint(), 0, 4)
    end

    -- The PASA destination: the domain prefix (the destination context) with the PASA
    -- address as IID, right-aligned (SPEC.md sections 1.4, 3.4).
    local iid = { 0, 0, 0, 0, 0, 0, 0, 0 }
    for i, v in ipairs(lorh.octets) do
        iid[8 - #lorh.octets + i] = v
    end
    local prefix, plen = context_prefix(dci)
    local dst = Address.ipv6(ipv6_text(apply_prefix(prefix or {}, prefix and plen or 0, iid)))
    local item = lorh.tree:add(pf.dst, lorh.range, dst)
    if prefix then
        item:append_text(string.format(" (prefix of 6LoWPAN context %d :: PASA address)", dci))
    else
        item:add_proto_expert_info(ef.no_context)
    end
    item:set_generated()
    lorh.tree:append_text(" -> " .. tostring(dst))

    if m == 1 or dam ~= 3 then
        root:add(pasa, tvb(off, 2), string.format(
            "Destination carried in the IPHC (M=%d DAM=%d), not rebuilt from the PASA-6LoRH",
            m, dam)):set_generated()
        return rest
    end
    local at = off + 2 + cid + TF_LEN[bits(h0, 3, 2)] + (bits(h0, 2, 1) == 0 and 1 or 0)
        + (bits(h0, 0, 2) == 0 and 1 or 0) + src_len(sac, sam)
    if at > len then
        return rest -- truncated IPHC; the built-in dissector reports it
    end
    local ba = tvb(off, at - off):bytes()
    ba:set_index(1, h1 - 2) -- DAM 11 -> 01: 64 bits inline
    local inl = ByteArray.new()
    inl:set_size(8)
    for i = 1, 8 do inl:set_index(i - 1, iid[i]) end
    ba = ba .. inl
    if at < len then
        ba = ba .. tvb(at):bytes()
    end
    root:add(pasa, tvb(off, 2), string.format(
        "Coalescence: IPHC DAC=%d DAM=11 destination rebuilt from the PASA-6LoRH; "
        .. "decoded below from \"PASA: IPHC with the coalesced destination inline\" "
        .. "(DAM=01, IID %s)", dac, ba:subset(at - off, 8):tohex())):set_generated()
    return ba:tvb("PASA: IPHC with the coalesced destination inline")
end

-- One 6LoRH at `off`; returns its length and, for a PASA-6LoRH, what coalescence needs, for
-- an IP-in-IP 6LoRH its hop limit. When the walk must stop: nil and the Info column text.
local function dissect_lorh(tvb, off, root, pinfo)
    local len = tvb:len()
    local b0 = tvb(off, 1):uint()
    if len - off < 2 then
        root:add(pasa, tvb(off), "6LoRH (truncated)"):add_proto_expert_info(ef.truncated)
        return nil
    end
    local ty = tvb(off + 1, 1):uint()
    local critical = b0 < 0xA0
    local want

    if critical then
        local tse = bits(b0, 0, 5)
        if ty == pasa.prefs.lorh_type then
            want = 2 + bits(b0, 0, 3) + 1
            if len - off < want then
                root:add(pasa, tvb(off), "PASA-6LoRH (truncated)"):add_proto_expert_info(ef.truncated)
                return nil
            end
            return dissect_pasa_lorh(tvb, off, want - 2, root, pinfo)
        elseif ty <= 4 then
            want = 2 + (tse + 1) * 2 ^ ty
        elseif ty == 5 then
            want = 2 + (bits(tse, 1, 1) == 1 and 0 or 1) + (bits(tse, 0, 1) == 1 and 1 or 2)
        else
            local t = root:add(pasa, tvb(off, 2), string.format("Critical 6LoRH, type %d (unknown)", ty))
            t:add(pf.class, tvb(off, 1))
            t:add(pf.tse, tvb(off, 1))
            t:add(pf.ctype, tvb(off + 1, 1))
            t:add_proto_expert_info(ef.unknown_critical)
            return nil, string.format("PASA: unknown critical 6LoRH type %d (0x%02x), not decoded", ty, ty)
        end
        if len - off < want then
            root:add(pasa, tvb(off), "6LoRH (truncated)"):add_proto_expert_info(ef.truncated)
            return nil
        end
        local t = root:add(pasa, tvb(off, want), string.format("%s (not decoded here)",
            CRITICAL_TYPES[ty]))
        t:add(pf.class, tvb(off, 1))
        t:add(pf.tse, tvb(off, 1))
        t:add(pf.ctype, tvb(off + 1, 1))
        if want > 2 then t:add(pf.body, tvb(off + 2, want - 2)) end
        return want
    end

    local l = bits(b0, 0, 5)
    want = 2 + l
    if len - off < want then
        root:add(pasa, tvb(off), "6LoRH (truncated)"):add_proto_expert_info(ef.truncated)
        return nil
    end
    if ty == 6 and l >= 1 then
        local t = root:add(pasa, tvb(off, want), "IP-in-IP 6LoRH")
        t:add(pf.class, tvb(off, 1))
        t:add(pf.elen, tvb(off, 1))
        t:add(pf.ctype, tvb(off + 1, 1)):append_text(" (IP-in-IP)")
        t:add(pf.hop_limit, tvb(off + 2, 1))
        if l == 1 then
            t:add(pasa, tvb(off, 1),
                "Encapsulator: elided (the IPHC source; outer destination the root)")
        else
            t:add(pf.encap, tvb(off + 3, l - 1))
        end
        local hl = tvb(off + 2, 1):uint()
        t:append_text(string.format(": Hop Limit %d%s", hl, l == 1 and ", encapsulator elided" or ""))
        return want, { hop_limit = hl }
    end
    local t = root:add(pasa, tvb(off, want), string.format("Elective 6LoRH, type %d (%s; skipped)",
        ty, ELECTIVE_TYPES[ty] or "unknown"))
    t:add(pf.class, tvb(off, 1))
    t:add(pf.elen, tvb(off, 1))
    t:add(pf.ctype, tvb(off + 1, 1))
    if l > 0 then t:add(pf.body, tvb(off + 2, l)) end
    return want
end

function pasa.dissector(tvb, pinfo, tree)
    local len = tvb:len()
    if len == 0 then
        return 0
    end
    local restore = rfc2464_link_addresses(pinfo)

    -- Page 0 from the first octet (ND messages, fragments, mesh): all of it is the built-in's.
    if tvb(0, 1):uint() < 0xF0 then
        -- A malformed frame raises out of Dissector.call after the built-in dissector has
        -- marked it; put the addresses back and leave the marking as it is.
        pcall(Dissector.call, lowpan, tvb, pinfo, tree)
        restore()
        return len
    end

    pinfo.cols.protocol:set("PASA")
    local root = tree:add(pasa, tvb(), "PASA")
    local up
    local off, page, lorh = 0, 0, nil
    local stopped = nil -- why the walk stopped, for the Info column
    while off < len do
        local b = tvb(off, 1):uint()
        if b >= 0xF0 then
            page = b - 0xF0
            root:add(pf.page, tvb(off, 1)):append_text(string.format(" (paging dispatch 0x%02x)", b))
            off = off + 1
        elseif page == 1 and b >= 0x80 and b < 0xC0 then
            local n, p = dissect_lorh(tvb, off, root, pinfo)
            if not n then
                stopped = p or "PASA: truncated 6LoRH"
                break
            end
            if p and p.pasa then lorh = p end
            if p and p.hop_limit then up = p.hop_limit end
            off = off + n
        else
            break
        end
    end
    root:set_len(off)

    if stopped then
        restore()
        if off < len then
            data:call(tvb(off):tvb(), pinfo, tree)
        end
        pinfo.cols.info:set(stopped)
        return len
    end
    if off >= len then
        restore()
        root:add_proto_expert_info(ef.no_iphc)
        return len
    end
    local rest = tvb(off):tvb()
    if lorh then
        rest = coalesce(tvb, off, lorh, root, pinfo)
        root:append_text(", destination " .. (lorh.bits ~= "" and lorh.bits or "0"))
    elseif up then
        root:append_text(string.format(", IP-in-IP towards the root, Hop Limit %d", up))
    end
    local ok = pcall(Dissector.call, lowpan, rest, pinfo, tree)
    restore()
    if not ok then
        return len
    end
    if lorh then
        pinfo.cols.info:append(" [PASA " .. (lorh.bits ~= "" and lorh.bits or "0") .. "]")
    elseif up then
        pinfo.cols.info:append(" [PASA IP-in-IP up]")
    end
    return len
end

DissectorTable.get("ethertype"):add(0xA0ED, pasa)

---------------------------------------------------------------------------------------------------
-- Proto "pasa.nd": the ND options of PASA address assignment, as a postdissector over the
-- options the ICMPv6 dissector found: GAAO (which it does not know), and the EARO and 6CIO
-- fields that tshark 4.0 leaves out (EARO flags and TID; the 6CIO L/B/P/E and GAAO M bits).
---------------------------------------------------------------------------------------------------

local nd = Proto("pasa.nd", "PASA ND options (GAAO, EARO, 6CIO)")

-- SPEC.md section 2.4: RFC 8505 status values, and GAAO's suggested "AAF Not Used".
local STATUS = {
    [0] = "Success", [1] = "Duplicate Address", [2] = "Neighbor Cache Full", [3] = "Moved",
    [4] = "Removed", [5] = "Validation Requested", [6] = "Duplicate Source Address",
    [7] = "Invalid Source Address", [8] = "Registered Address Topologically Incorrect",
    [9] = "6LBR Registry Saturated", [10] = "Validation Failed",
    [11] = "Registration Refresh Request", [12] = "Invalid Registration",
    [13] = "AAF Not Used (suggested value)",
}
local AAF = { [0] = "No AAF / no preference", [15] = "Experimental Use (the PASA TAAF placeholder)" }
local ND_MSG = { [133] = "RS", [134] = "RA", [135] = "NS", [136] = "NA" }
local EARO_TYPE, CIO_TYPE = 33, 36

local nf = {
    -- GAAO, draft-ietf-6lo-nd-gaao-09 (SPEC.md section 2.1)
    g_type = ProtoField.uint8("pasa.gaao.type", "Type", base.DEC),
    g_length = ProtoField.uint8("pasa.gaao.length", "Length", base.DEC),
    g_status = ProtoField.uint8("pasa.gaao.status", "Status", base.DEC, STATUS),
    g_opaque = ProtoField.uint8("pasa.gaao.opaque", "Opaque", base.DEC),
    g_r = ProtoField.bool("pasa.gaao.r", "R (explicit registration requested)", 16, nil, 0x8000),
    g_c = ProtoField.bool("pasa.gaao.c", "C (ROVR is a Crypto-ID)", 16, nil, 0x4000),
    g_rsvd = ProtoField.uint16("pasa.gaao.rsvd", "Reserved", base.DEC, nil, 0x3800),
    g_pfx_len = ProtoField.uint16("pasa.gaao.pfx_len", "Prefix Length", base.DEC, nil, 0x07F0),
    g_aaf = ProtoField.uint16("pasa.gaao.aaf", "AAF", base.HEX, AAF, 0x000F),
    g_lifetime = ProtoField.uint16("pasa.gaao.lifetime", "Assignment Lifetime (minutes)", base.DEC),
    g_rovr = ProtoField.bytes("pasa.gaao.rovr", "ROVR"),
    g_addr = ProtoField.ipv6("pasa.gaao.addr", "Address/Prefix"),
    -- EARO, RFC 8505 section 4.1 (SPEC.md section 6.1)
    e_rsvd = ProtoField.uint8("pasa.earo.rsvd", "Reserved", base.HEX, nil, 0xC0),
    e_p = ProtoField.uint8("pasa.earo.p", "P (RFC 9685)", base.DEC,
        { [0] = "Unicast", [1] = "Multicast", [2] = "Anycast" }, 0x30),
    e_i = ProtoField.uint8("pasa.earo.i", "I (Opaque is a topology index when 0)", base.DEC, nil, 0x0C),
    e_r = ProtoField.bool("pasa.earo.r", "R (make the address reachable)", 8, nil, 0x02),
    e_t = ProtoField.bool("pasa.earo.t", "T (TID present: EARO)", 8, nil, 0x01),
    e_tid = ProtoField.uint8("pasa.earo.tid", "TID", base.DEC),
    e_lifetime = ProtoField.uint16("pasa.earo.lifetime", "Registration Lifetime (minutes)", base.DEC),
    e_rovr = ProtoField.bytes("pasa.earo.rovr", "ROVR"),
    -- 6CIO, RFC 7400 / RFC 8505 (SPEC.md section 6.2), octets 3 and 4
    c_x = ProtoField.bool("pasa.cio.x", "X", 16, nil, 0x8000),
    c_a = ProtoField.bool("pasa.cio.a", "A", 16, nil, 0x4000),
    c_d = ProtoField.bool("pasa.cio.d", "D", 16, nil, 0x2000),
    c_l = ProtoField.bool("pasa.cio.l", "L (6LR: PASA router)", 16, nil, 0x1000),
    c_b = ProtoField.bool("pasa.cio.b", "B (6LBR: PASA root)", 16, nil, 0x0800),
    c_p = ProtoField.bool("pasa.cio.p", "P (Routing Registrar)", 16, nil, 0x0400),
    c_e = ProtoField.bool("pasa.cio.e", "E (ND Registrar supporting EARO)", 16, nil, 0x0200),
    c_g = ProtoField.bool("pasa.cio.g", "G (GHC capable)", 16, nil, 0x0100),
    c_f = ProtoField.bool("pasa.cio.f", "F", 16, nil, 0x0080),
    c_m = ProtoField.bool("pasa.cio.m", "M (GAAO supported; TBD, placeholder bit)", 16, nil, 0x0040),
    c_role = ProtoField.string("pasa.cio.role", "PASA role"),
}
nd.fields = nf

local nx = {
    short = ProtoExpert.new("pasa.nd.short", "Option shorter than its fixed part and a 64-bit ROVR",
        expert.group.MALFORMED, expert.severity.ERROR),
    rovr_len = ProtoExpert.new("pasa.nd.rovr_len", "ROVR not 64, 128, 192 or 256 bits",
        expert.group.MALFORMED, expert.severity.WARN),
    rsvd = ProtoExpert.new("pasa.nd.rsvd_set", "Reserved bits set (ignored on receipt)",
        expert.group.PROTOCOL, expert.severity.NOTE),
}
nd.experts = nx

local f_icmp_opt = Field.new("icmpv6.opt")
local f_icmp_type = Field.new("icmpv6.type")

-- The ROVR at octet 8 up to `rovr_end`; false when the option is too short.
local function add_rovr(t, o, field, rovr_end)
    local n = rovr_end - 8
    if n < 8 then
        t:add_proto_expert_info(nx.short)
        return false
    end
    local ri = t:add(field, o(8, n))
    ri:append_text(string.format(" (%d bits)", n * 8))
    if n % 8 ~= 0 or n > 32 then ri:add_proto_expert_info(nx.rovr_len) end
    return true
end

-- GAAO; returns a summary for the Info column, or nil.
local function dissect_gaao(o, msg, tree)
    local total = o:len()
    local t = tree:add(nd, o(), "PASA GAAO")
    t:add(nf.g_type, o(0, 1))
    t:add(nf.g_length, o(1, 1)):append_text(string.format(" (%d octets)", o(1, 1):uint() * 8))
    if total < 16 then
        t:add_proto_expert_info(nx.short)
        return nil
    end
    local status = o(2, 1):uint()
    t:add(nf.g_status, o(2, 1))
    t:add(nf.g_opaque, o(3, 1))
    local w = o(4, 2):uint()
    t:add(nf.g_r, o(4, 2))
    t:add(nf.g_c, o(4, 2))
    local r = t:add(nf.g_rsvd, o(4, 2))
    if bits(w, 11, 3) ~= 0 then r:add_proto_expert_info(nx.rsvd) end
    local pfx_len = bits(w, 4, 7)
    t:add(nf.g_pfx_len, o(4, 2))
    t:add(nf.g_aaf, o(4, 2))
    t:add(nf.g_lifetime, o(6, 2)):append_text(o(6, 2):uint() == 0 and " (no preference)" or "")
    -- The Address is there exactly when PfxLen is not 0 (SPEC.md section 2.2; the codec's rule).
    local addr_len = (pfx_len ~= 0) and 16 or 0
    if not add_rovr(t, o, nf.g_rovr, total - addr_len) then
        return nil
    end
    local summary = string.format("%s, Status %s", ND_MSG[msg] or "ND", STATUS[status] or status)
    local info
    if addr_len == 16 then
        local a = o(total - 16, 16)
        local ai = t:add(nf.g_addr, a)
        local txt = string.format("%s/%d", tostring(a:ipv6()), pfx_len)
        if msg == 136 and status == 0 then
            ai:append_text(" (assigned)")
            summary = summary .. ", assigned " .. txt
            info = "GAAO assigned " .. txt
        else
            summary = summary .. ", " .. txt
        end
    else
        t:add(nd, o(4, 2), "Address/Prefix: absent (Prefix Length 0)")
        if msg == 135 then info = "GAAO request" end
    end
    t:append_text(" (" .. summary .. ")")
    return info
end

-- EARO fields that tshark 4.0 shows as "Reserved"; only when T=1 (an RFC 6775 ARO has no TID).
local function dissect_earo(o, tree)
    if o:len() < 16 or bits(o(4, 1):uint(), 0, 1) ~= 1 then
        return
    end
    local t = tree:add(nd, o(), "PASA EARO (RFC 8505)")
    t:add(nf.g_status, o(2, 1))
    local r = t:add(nf.e_rsvd, o(4, 1))
    if bits(o(4, 1):uint(), 6, 2) ~= 0 then r:add_proto_expert_info(nx.rsvd) end
    t:add(nf.e_p, o(4, 1))
    t:add(nf.e_i, o(4, 1))
    t:add(nf.e_r, o(4, 1))
    t:add(nf.e_t, o(4, 1))
    t:add(nf.e_tid, o(5, 1))
    local life = o(6, 2):uint()
    t:add(nf.e_lifetime, o(6, 2)):append_text(life == 0 and " (de-registration)" or "")
    add_rovr(t, o, nf.e_rovr, o:len())
    t:append_text(string.format(" (TID %d, lifetime %d min, Status %s)", o(5, 1):uint(), life,
        STATUS[o(2, 1):uint()] or o(2, 1):uint()))
end

-- 6CIO capability bits (SPEC.md section 6.2) and the PASA role they announce (section 1.10).
local function dissect_cio(o, tree)
    if o:len() < 8 then
        return
    end
    local w = o(3, 2):uint()
    local l, b = bits(w, 12, 1) == 1, bits(w, 11, 1) == 1
    local role = b and "root" or (l and "router" or "host")
    local t = tree:add(nd, o(), "PASA 6CIO: role " .. role)
    for _, f in ipairs({ nf.c_x, nf.c_a, nf.c_d, nf.c_l, nf.c_b, nf.c_p, nf.c_e, nf.c_g, nf.c_f,
        nf.c_m }) do
        t:add(f, o(3, 2))
    end
    t:add(nf.c_role, o(3, 1), role):set_generated()
end

function nd.dissector(tvb, pinfo, tree)
    local opts = { f_icmp_opt() }
    if #opts == 0 then
        return
    end
    local types = { f_icmp_type() }
    local msg = types[1] and types[1].value
    local gaao_type = pasa.prefs.gaao_type
    for _, fi in ipairs(opts) do
        local o = fi.range and fi.range:tvb()
        if o and o:len() >= 2 then
            local ty = o(0, 1):uint()
            if ty == gaao_type then
                local info = dissect_gaao(o, msg, tree)
                if info then pinfo.cols.info:append(" [" .. info .. "]") end
            elseif ty == EARO_TYPE then
                dissect_earo(o, tree)
            elseif ty == CIO_TYPE then
                dissect_cio(o, tree)
            end
        end
    end
end

register_postdissector(nd)
