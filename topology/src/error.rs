//! Errors that name the file, line and column, like a compiler: `topo.pasa:12:5: ...`.

use std::fmt;

use thiserror::Error;

/// What is wrong, without the position.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A tab character (the format indents with spaces only).
    #[error("tab character: indent with spaces only")]
    Tab,
    /// The first word is not `root`, `router`, `host` or `prefix`.
    #[error("unknown role \"{0}\" (expected root, router or host)")]
    UnknownRole(String),
    /// A role keyword with no name after it.
    #[error("missing node name after \"{0}\"")]
    MissingName(String),
    /// A JSON node other than the root without a role.
    #[error("node \"{0}\" has no role (router or host)")]
    MissingRole(String),
    /// A name with a character outside `[A-Za-z0-9_.-]`.
    #[error("invalid character {1:?} in node name \"{0}\" (allowed: A-Z a-z 0-9 _ . -)")]
    BadName(String, char),
    /// Text after the name that is not a comment.
    #[error("unexpected text \"{0}\" after the node name")]
    TrailingText(String),
    /// A name used twice.
    #[error("duplicate node name \"{name}\" (first declared on line {first_line})")]
    DuplicateName {
        /// The name.
        name: String,
        /// Where it was first declared.
        first_line: u32,
    },
    /// A second `root` line.
    #[error("second root \"{name}\" (the root is \"{first}\"; a PASA domain has exactly one)")]
    SecondRoot {
        /// This root's name.
        name: String,
        /// The first root's name.
        first: String,
    },
    /// A router or host before any root.
    #[error("node \"{0}\" comes before the root")]
    BeforeRoot(String),
    /// No root at all.
    #[error("no root: a topology needs exactly one `root <name>` line")]
    NoRoot,
    /// A node not indented under the root.
    #[error("bad indentation: \"{0}\" must be indented more than the root")]
    NotUnderRoot(String),
    /// A sibling indented differently from the earlier siblings.
    #[error(
        "bad indentation: \"{name}\" is indented {got} spaces but its sibling on line {sibling_line} is indented {want}"
    )]
    SiblingIndent {
        /// This node.
        name: String,
        /// Its indentation.
        got: u32,
        /// The siblings' indentation.
        want: u32,
        /// A sibling's line.
        sibling_line: u32,
    },
    /// A node under a host.
    #[error("host \"{host}\" cannot have children (\"{child}\" is indented under it)")]
    HostWithChildren {
        /// The host.
        host: String,
        /// The would-be child.
        child: String,
    },
    /// A bad `prefix` line.
    #[error("bad prefix \"{text}\": {reason}")]
    BadPrefix {
        /// The text.
        text: String,
        /// Why.
        reason: String,
    },
    /// A `prefix` line after nodes, or twice.
    #[error("the prefix line must come once, before the nodes")]
    PrefixPlacement,
    /// The plan needs more than 64 bits at this node.
    #[error(
        "plan exceeds 64 bits at node \"{name}\": index {index} under \"{parent}\" ({parent_len} bits) needs {needed} bits"
    )]
    TooLong {
        /// The node.
        name: String,
        /// Its parent.
        parent: String,
        /// The parent's address length.
        parent_len: u8,
        /// The index it would get.
        index: usize,
        /// Bits it would need.
        needed: usize,
    },
    /// A JSON topology that does not match the schema.
    #[error("JSON: {0}")]
    Json(String),
    /// More nodes than the planner indexes (u32).
    #[error("more than {0} nodes")]
    TooManyNodes(u32),
}

/// An error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopoError {
    /// The file name as given by the user.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl TopoError {
    /// An error at `line:column` of `file`.
    pub fn at(file: &str, line: u32, column: u32, kind: ErrorKind) -> Self {
        Self {
            file: file.to_string(),
            line,
            column,
            kind,
        }
    }
}

impl fmt::Display for TopoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.kind),
            (l, 0) => write!(f, "{}:{l}: {}", self.file, self.kind),
            (l, c) => write!(f, "{}:{l}:{c}: {}", self.file, self.kind),
        }
    }
}

impl std::error::Error for TopoError {}
