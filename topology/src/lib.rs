//! PASA topology files, address planning and renumbering diffs, not written yet: the nom parser
//! of the indented topology format, TAAF planning and the `pasa-topo` binary will live here
//! (issue "Topology files, address planning and `pasa-topo`").
