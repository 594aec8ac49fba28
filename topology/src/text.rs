//! The indented topology text format, parsed with nom.
//!
//! ```text
//! # comment
//! prefix 2001:db8::/64
//! root gateway
//!   router cabinet-1
//!     host breaker-7
//!   host meter-3
//! ```
//!
//! One node per line, `<role> <name>`, roles `root`, `router`, `host`. Nesting is by
//! indentation with spaces: a child is indented more than its parent and siblings equally.
//! `prefix` is optional (default `2001:db8::/64`) and comes before the nodes. There is exactly
//! one root. Names are `[A-Za-z0-9_.-]+` and unique. Siblings are listed in the order in which
//! they ask their parent for an address. `#` starts a comment anywhere on a line.

use nom::bytes::complete::take_while1;
use nom::character::complete::space0;
use nom::combinator::opt;
use nom::{IResult, Parser};
use pasa_addrcodec::Prefix64;
use rustc_hash::FxHashMap;

use crate::error::{ErrorKind, TopoError};
use crate::model::{DEFAULT_PREFIX, Node, NodeRole, Pos, Topology};

/// The tokens of one non-blank line after its indentation.
struct LineTokens<'a> {
    keyword: &'a str,
    name: Option<&'a str>,
    /// What follows the name: empty or a comment, else trailing text.
    rest: &'a str,
}

fn is_token_char(c: char) -> bool {
    !c.is_whitespace() && c != '#'
}

fn tokens(i: &str) -> IResult<&str, LineTokens<'_>> {
    let (i, keyword) = take_while1(is_token_char).parse(i)?;
    let (i, _) = space0.parse(i)?;
    let (i, name) = opt(take_while1(is_token_char)).parse(i)?;
    let (i, _) = space0.parse(i)?;
    Ok((
        i,
        LineTokens {
            keyword,
            name,
            rest: i,
        },
    ))
}

fn name_ok(name: &str) -> Option<char> {
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
}

/// Per-node parsing state: the indentation of its children once the first one is seen.
#[derive(Clone, Copy)]
struct Open {
    indent: u32,
    node: u32,
    child_indent: Option<(u32, u32)>,
}

/// Parses the text format. `file` is used in error messages only.
pub fn parse(src: &str, file: &str) -> Result<Topology, TopoError> {
    // One node per line at most: size the tables once (names hash with FxHash: the keys are
    // the operator's own file, not hostile input, and SipHash costs a third of the parse time
    // on a million-node plan).
    let lines = src.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut nodes: Vec<Node> = Vec::with_capacity(lines);
    let mut names: FxHashMap<&str, u32> = FxHashMap::default();
    names.reserve(lines);
    let mut stack: Vec<Open> = Vec::new();
    let mut prefix: Option<Prefix64> = None;
    let err = |line: u32, col: usize, kind| TopoError::at(file, line, col as u32, kind);
    // One memchr over the whole file instead of a search per line.
    let has_tabs = src.as_bytes().contains(&b'\t');
    for (line_no, raw) in (1u32..).zip(src.lines()) {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if has_tabs && let Some(col) = line.find('\t') {
            return Err(err(line_no, col + 1, ErrorKind::Tab));
        }
        let body = line.trim_start_matches(' ');
        let indent = (line.len() - body.len()) as u32;
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let col = indent as usize + 1;
        let Ok((_, t)) = tokens(body) else {
            // Unreachable for a non-empty body that does not start with '#', kept as an error.
            return Err(err(line_no, col, ErrorKind::UnknownRole(body.to_string())));
        };
        let name_col = col + (t.name.map_or(0, |n| offset(body, n)));
        if !t.rest.is_empty() && !t.rest.starts_with('#') {
            return Err(err(
                line_no,
                col + offset(body, t.rest),
                ErrorKind::TrailingText(t.rest.trim_end().to_string()),
            ));
        }
        let role = match t.keyword {
            "prefix" => {
                let text = t.name.unwrap_or("");
                if prefix.is_some() || !nodes.is_empty() {
                    return Err(err(line_no, col, ErrorKind::PrefixPlacement));
                }
                let p = text.parse::<Prefix64>().map_err(|e| {
                    err(
                        line_no,
                        name_col,
                        ErrorKind::BadPrefix {
                            text: text.to_string(),
                            reason: e.to_string(),
                        },
                    )
                })?;
                prefix = Some(p);
                continue;
            }
            "root" => NodeRole::Root,
            "router" => NodeRole::Router,
            "host" => NodeRole::Host,
            other => {
                return Err(err(line_no, col, ErrorKind::UnknownRole(other.to_string())));
            }
        };
        let Some(name) = t.name else {
            return Err(err(
                line_no,
                col,
                ErrorKind::MissingName(t.keyword.to_string()),
            ));
        };
        if let Some(c) = name_ok(name) {
            let at = name_col + name.find(c).unwrap_or(0);
            return Err(err(line_no, at, ErrorKind::BadName(name.to_string(), c)));
        }
        if let Some(&first) = names.get(name) {
            return Err(err(
                line_no,
                name_col,
                ErrorKind::DuplicateName {
                    name: name.to_string(),
                    first_line: nodes[first as usize].pos.line,
                },
            ));
        }
        let idx = u32::try_from(nodes.len())
            .map_err(|_| err(line_no, col, ErrorKind::TooManyNodes(u32::MAX)))?;
        let parent = if role == NodeRole::Root {
            if let Some(root) = nodes.first() {
                return Err(err(
                    line_no,
                    col,
                    ErrorKind::SecondRoot {
                        name: name.to_string(),
                        first: root.name.clone(),
                    },
                ));
            }
            None
        } else {
            if nodes.is_empty() {
                return Err(err(line_no, col, ErrorKind::BeforeRoot(name.to_string())));
            }
            while stack.last().is_some_and(|o| o.indent >= indent) {
                stack.pop();
            }
            let Some(open) = stack.last_mut() else {
                return Err(err(line_no, col, ErrorKind::NotUnderRoot(name.to_string())));
            };
            let p = &nodes[open.node as usize];
            if !p.role.can_have_children() {
                return Err(err(
                    line_no,
                    col,
                    ErrorKind::HostWithChildren {
                        host: p.name.clone(),
                        child: name.to_string(),
                    },
                ));
            }
            match open.child_indent {
                Some((want, sibling_line)) if want != indent => {
                    return Err(err(
                        line_no,
                        col,
                        ErrorKind::SiblingIndent {
                            name: name.to_string(),
                            got: indent,
                            want,
                            sibling_line,
                        },
                    ));
                }
                Some(_) => {}
                None => open.child_indent = Some((indent, line_no)),
            }
            Some(open.node)
        };
        names.insert(name, idx);
        nodes.push(Node {
            name: name.to_string(),
            role,
            parent,
            pos: Pos {
                line: line_no,
                column: col as u32,
            },
        });
        stack.push(Open {
            indent,
            node: idx,
            child_indent: None,
        });
    }
    if nodes.is_empty() {
        return Err(TopoError::at(file, 0, 0, ErrorKind::NoRoot));
    }
    Ok(Topology {
        prefix: prefix.unwrap_or(DEFAULT_PREFIX),
        nodes,
        source: file.to_string(),
    })
}

/// Byte offset of `part` inside `whole` (both from the same line).
fn offset(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// Writes the text format: the prefix line, then one node per line in depth-first order, two
/// spaces per level, siblings in their order.
pub fn write(t: &Topology) -> String {
    let mut out = String::with_capacity(t.nodes.len() * 24 + 32);
    out.push_str("prefix ");
    out.push_str(&t.prefix.to_string());
    out.push('\n');
    if t.nodes.is_empty() {
        return out;
    }
    let ch = t.children();
    let mut stack: Vec<(u32, usize)> = vec![(Topology::ROOT, 0)];
    while let Some((i, depth)) = stack.pop() {
        let n = &t.nodes[i as usize];
        for _ in 0..depth {
            out.push_str("  ");
        }
        out.push_str(n.role.keyword());
        out.push(' ');
        out.push_str(&n.name);
        out.push('\n');
        for &c in ch.of(i).iter().rev() {
            stack.push((c, depth + 1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        parse(src, "t.pasa").unwrap_err().to_string()
    }

    #[test]
    fn parses_the_issue_example() {
        let src = "# comment\nprefix 2001:db8::/64\nroot gateway\n  router cabinet-1\n    host breaker-7\n  host meter-3\n";
        let t = parse(src, "t.pasa").unwrap();
        assert_eq!(t.nodes.len(), 4);
        assert_eq!(t.nodes[2].name, "breaker-7");
        assert_eq!(t.nodes[2].parent, Some(1));
        assert_eq!(t.nodes[3].parent, Some(0));
        assert_eq!(t.nodes[3].pos, Pos { line: 6, column: 3 });
        let again = parse(&write(&t), "w").unwrap();
        let shape = |t: &Topology| -> Vec<(String, NodeRole, Option<u32>)> {
            t.nodes
                .iter()
                .map(|n| (n.name.clone(), n.role, n.parent))
                .collect()
        };
        assert_eq!(shape(&again), shape(&t));
    }

    #[test]
    fn every_error_names_file_line_and_column() {
        assert_eq!(
            err("root r\n\trouter a\n"),
            "t.pasa:2:1: tab character: indent with spaces only"
        );
        assert_eq!(
            err("root r\n  switch a\n"),
            "t.pasa:2:3: unknown role \"switch\" (expected root, router or host)"
        );
        assert_eq!(
            err("root r\n  router a\n  host a\n"),
            "t.pasa:3:8: duplicate node name \"a\" (first declared on line 2)"
        );
        assert_eq!(
            err("root r\n  host h\n    host x\n"),
            "t.pasa:3:5: host \"h\" cannot have children (\"x\" is indented under it)"
        );
        assert_eq!(
            err("root r\nroot s\n"),
            "t.pasa:2:1: second root \"s\" (the root is \"r\"; a PASA domain has exactly one)"
        );
        assert_eq!(
            err("root r\n  router a\n   router b\n  router c\n host d\n"),
            "t.pasa:5:2: bad indentation: \"d\" is indented 1 spaces but its sibling on line 2 is indented 2"
        );
        assert_eq!(
            err("root r\nrouter a\n"),
            "t.pasa:2:1: bad indentation: \"a\" must be indented more than the root"
        );
        assert_eq!(
            err("router a\n"),
            "t.pasa:1:1: node \"a\" comes before the root"
        );
        assert_eq!(
            err("# only\n\n"),
            "t.pasa: no root: a topology needs exactly one `root <name>` line"
        );
        assert_eq!(
            err("root r!x\n"),
            "t.pasa:1:7: invalid character '!' in node name \"r!x\" (allowed: A-Z a-z 0-9 _ . -)"
        );
        assert_eq!(
            err("root r extra\n"),
            "t.pasa:1:8: unexpected text \"extra\" after the node name"
        );
        assert_eq!(
            err("root\n"),
            "t.pasa:1:1: missing node name after \"root\""
        );
        assert_eq!(
            err("prefix 2001:db8::/48\nroot r\n"),
            "t.pasa:1:8: bad prefix \"2001:db8::/48\": PASA prefix length must be 64"
        );
        assert_eq!(
            err("root r\nprefix 2001:db8::/64\n"),
            "t.pasa:2:1: the prefix line must come once, before the nodes"
        );
    }

    #[test]
    fn comments_crlf_and_default_prefix() {
        let t = parse("root r # the gateway\r\n  host h\r\n", "t").unwrap();
        assert_eq!(t.prefix, DEFAULT_PREFIX);
        assert_eq!(t.nodes.len(), 2);
    }
}
