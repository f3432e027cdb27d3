//! Path arguments of `hdfs dfs`, as Hadoop's `PathData` and `Globber` treat them: which file
//! system an argument names, its absolute normalized path, the string shown for what it
//! matched, and glob patterns (`*`, `?`, `[a-z]`, `[!a]`, `{a,b}`, `\` escapes).

use common::path::normalize;

/// How an argument named its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathKind {
    /// `scheme://authority/path` or `scheme:/path`; `authority` as typed, maybe empty.
    Uri { scheme: String, authority: String },
    /// `/path` on the default file system.
    Absolute,
    /// A path below the working directory `/user/<user>`.
    Relative,
}

/// A path argument: its kind and its absolute, normalized path (glob characters kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathArg {
    /// The argument as typed.
    pub raw: String,
    /// How the argument named its file system.
    pub kind: PathKind,
    /// Absolute and normalized: no `//`, `.`, `..` or trailing `/`.
    pub absolute: String,
}

impl PathArg {
    /// Splits `arg` as Hadoop's `PathData.stringToUri` does and resolves a relative path
    /// against `working_dir` (absolute).
    pub fn parse(arg: &str, working_dir: &str) -> Self {
        let mut rest = arg;
        let mut kind = None;
        if let Some(colon) = arg.find(':')
            && colon > 0
            && arg.find('/') == Some(colon + 1)
        {
            let scheme = arg[..colon].to_string();
            rest = &arg[colon + 1..];
            let mut authority = String::new();
            if let Some(after_slashes) = rest.strip_prefix("//")
                && !after_slashes.is_empty()
            {
                let end = after_slashes.find('/').unwrap_or(after_slashes.len());
                authority = after_slashes[..end].to_string();
                rest = &after_slashes[end..];
            }
            kind = Some(PathKind::Uri { scheme, authority });
        }
        let kind = kind.unwrap_or(if rest.starts_with('/') {
            PathKind::Absolute
        } else {
            PathKind::Relative
        });
        let absolute = if rest.starts_with('/') || matches!(kind, PathKind::Uri { .. }) {
            normalize(rest)
        } else {
            normalize(&format!("{working_dir}/{rest}"))
        };
        Self {
            raw: arg.to_string(),
            kind,
            absolute,
        }
    }

    /// The string Hadoop shows for `path`, found by this argument: a full URI for a URI
    /// argument, the absolute path for an absolute one, relative to `working_dir` otherwise.
    pub fn display(&self, path: &str, is_dir: bool, working_dir: &str) -> String {
        match &self.kind {
            PathKind::Uri { scheme, authority } => format!("{scheme}://{authority}{path}"),
            PathKind::Absolute => path.to_string(),
            PathKind::Relative => relativize(working_dir, path, is_dir),
        }
    }

    /// What is shown for this argument when it names nothing: as typed, escapes removed.
    pub fn display_missing(&self) -> String {
        unescape(&self.raw)
    }

    /// Whether the argument as typed ends like a directory (`/`, `.` or `..` last), which
    /// Hadoop's `PathData.representsDirectory` checks.
    pub fn represents_directory(&self) -> bool {
        let path_part = match self.raw.split_once("://") {
            Some((_, after)) => after.find('/').map_or("", |slash| &after[slash..]),
            None => &self.raw,
        };
        let name = path_part.rsplit('/').next().unwrap_or("");
        name.is_empty() || name == "." || name == ".."
    }
}

/// `path` relative to `working_dir`, as Hadoop's `PathData.relativize` writes it (`.` for the
/// working directory itself, `..` to climb).
pub fn relativize(working_dir: &str, path: &str, is_dir: bool) -> String {
    if working_dir == path {
        return ".".to_string();
    }
    let last_separator = longest_directory_prefix(working_dir, path, is_dir);
    let mut relative = String::new();
    let after_prefix = last_separator.map_or(0, |at| at + 1);
    if after_prefix <= path.len() {
        relative.push_str(&path[after_prefix..]);
    }
    if last_separator.is_none_or(|at| at < working_dir.len()) {
        let mut separator = last_separator;
        while let Some(at) = separator {
            if !relative.is_empty() {
                relative.insert(0, '/');
            }
            relative.insert_str(0, "..");
            separator = working_dir[at + 1..].find('/').map(|next| at + 1 + next);
        }
    }
    relative
}

/// Byte index of the last `/` that `working_dir/` and `path` (with `/` added for a directory)
/// share as a common prefix.
fn longest_directory_prefix(working_dir: &str, path: &str, is_dir: bool) -> Option<usize> {
    let working_dir = format!("{}/", working_dir.trim_end_matches('/'));
    let path = if is_dir && !path.ends_with('/') {
        format!("{path}/")
    } else {
        path.to_string()
    };
    let mut last_separator = None;
    for (at, (a, b)) in working_dir.bytes().zip(path.bytes()).enumerate() {
        if a != b {
            break;
        }
        if a == b'/' {
            last_separator = Some(at);
        }
    }
    last_separator
}

/// The display string of a directory's child, as Hadoop's `PathData` builds it.
pub fn child_display(parent_display: &str, name: &str) -> String {
    if parent_display == "." {
        name.to_string()
    } else if parent_display.ends_with('/') {
        format!("{parent_display}{name}")
    } else {
        format!("{parent_display}/{name}")
    }
}

/// Whether `pattern` holds an unescaped glob character (`*`, `?`, `[` or `{`).
pub fn has_glob(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' | '[' | '{' => return true,
            _ => {}
        }
    }
    false
}

/// Removes backslash escapes (`\*` is `*`).
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One component of a glob pattern: a literal name, or a pattern to match names against.
#[derive(Clone, Debug)]
pub enum Segment {
    Literal(String),
    Pattern(GlobComponent),
}

/// Compiles an absolute glob pattern: `{a,b}` alternatives expanded first (they may span
/// `/`), then each alternative split into components. Errors read like Hadoop's
/// `Illegal file pattern: ...`.
pub fn compile_glob(pattern: &str) -> Result<Vec<Vec<Segment>>, String> {
    let mut alternatives = Vec::new();
    for expanded in expand_braces(pattern)? {
        let mut segments = Vec::new();
        for component in normalize(&expanded).split('/').filter(|c| !c.is_empty()) {
            if has_glob(component) {
                segments.push(Segment::Pattern(GlobComponent::compile(component)?));
            } else {
                segments.push(Segment::Literal(unescape(component)));
            }
        }
        alternatives.push(segments);
    }
    Ok(alternatives)
}

/// Expands every unescaped `{a,b}` group (groups may nest).
pub fn expand_braces(pattern: &str) -> Result<Vec<String>, String> {
    let bytes = pattern.as_bytes();
    let mut open = None;
    let mut depth = 0usize;
    let mut alternatives_at = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'{' => {
                if depth == 0 {
                    open = Some(at);
                }
                depth += 1;
            }
            b',' if depth == 1 => alternatives_at.push(at),
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let start = open.unwrap_or(0);
                    let mut expanded = Vec::new();
                    let mut from = start + 1;
                    for comma in alternatives_at.iter().copied().chain([at]) {
                        let candidate = format!(
                            "{}{}{}",
                            &pattern[..start],
                            &pattern[from..comma],
                            &pattern[at + 1..]
                        );
                        expanded.extend(expand_braces(&candidate)?);
                        from = comma + 1;
                    }
                    return Ok(expanded);
                }
            }
            _ => {}
        }
        at += 1;
    }
    if depth > 0 {
        return Err(format!(
            "Illegal file pattern: Unclosed group near index {}",
            pattern.len()
        ));
    }
    Ok(vec![pattern.to_string()])
}

#[derive(Clone, Debug)]
enum Token {
    Literal(char),
    AnyChar,
    AnyString,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A compiled glob for one path component (no `{}` left: see [`expand_braces`]).
#[derive(Clone, Debug)]
pub struct GlobComponent {
    tokens: Vec<Token>,
}

impl GlobComponent {
    /// Compiles `*`, `?`, `[...]` (`[!...]` or `[^...]` negated, `a-z` ranges) and `\`
    /// escapes.
    pub fn compile(component: &str) -> Result<Self, String> {
        let chars: Vec<char> = component.chars().collect();
        let mut tokens = Vec::new();
        let mut at = 0;
        while at < chars.len() {
            match chars[at] {
                '\\' => {
                    let escaped = chars.get(at + 1).ok_or_else(|| {
                        format!("Illegal file pattern: Missing escaped character near index {at}")
                    })?;
                    tokens.push(Token::Literal(*escaped));
                    at += 1;
                }
                '*' => tokens.push(Token::AnyString),
                '?' => tokens.push(Token::AnyChar),
                '[' => {
                    let (token, end) = compile_class(&chars, at)?;
                    tokens.push(token);
                    at = end;
                }
                c => tokens.push(Token::Literal(c)),
            }
            at += 1;
        }
        Ok(Self { tokens })
    }

    /// Whether the whole of `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        match_tokens(&self.tokens, &name)
    }
}

/// Compiles the class opening at `chars[open]`; returns it and the index of its `]`.
fn compile_class(chars: &[char], open: usize) -> Result<(Token, usize), String> {
    let unclosed = || {
        format!(
            "Illegal file pattern: Unclosed character class near index {}",
            chars.len()
        )
    };
    let mut at = open + 1;
    let negated = matches!(chars.get(at), Some('!' | '^'));
    if negated {
        at += 1;
    }
    let first = at;
    let mut ranges = Vec::new();
    loop {
        let mut c = *chars.get(at).ok_or_else(unclosed)?;
        if c == ']' && at > first {
            return Ok((Token::Class { negated, ranges }, at));
        }
        if c == '\\' {
            at += 1;
            c = *chars.get(at).ok_or_else(unclosed)?;
        }
        let is_range =
            chars.get(at + 1) == Some(&'-') && chars.get(at + 2).is_some_and(|&e| e != ']');
        if is_range {
            let mut end_at = at + 2;
            if chars[end_at] == '\\' {
                end_at += 1;
            }
            let end = *chars.get(end_at).ok_or_else(unclosed)?;
            ranges.push((c, end));
            at = end_at + 1;
        } else {
            ranges.push((c, c));
            at += 1;
        }
    }
}

fn match_tokens(tokens: &[Token], name: &[char]) -> bool {
    // Iterative matching with backtracking to the last `*`.
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match tokens.get(t) {
            Some(Token::AnyString) => {
                star = Some((t, n));
                t += 1;
                continue;
            }
            Some(Token::AnyChar) => true,
            Some(Token::Literal(c)) => *c == name[n],
            Some(Token::Class { negated, ranges }) => {
                let inside = ranges
                    .iter()
                    .any(|&(lo, hi)| lo <= name[n] && name[n] <= hi);
                inside != *negated
            }
            None => false,
        };
        if step {
            t += 1;
            n += 1;
        } else if let Some((star_t, star_n)) = star {
            t = star_t + 1;
            n = star_n + 1;
            star = Some((star_t, star_n + 1));
        } else {
            return false;
        }
    }
    tokens[t..]
        .iter()
        .all(|token| matches!(token, Token::AnyString))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "/user/alice";

    #[test]
    fn parses_absolute_relative_and_uri_arguments() {
        let arg = PathArg::parse("/a//b/", HOME);
        assert_eq!(arg.kind, PathKind::Absolute);
        assert_eq!(arg.absolute, "/a/b");

        let arg = PathArg::parse("x/./y/../z", HOME);
        assert_eq!(arg.kind, PathKind::Relative);
        assert_eq!(arg.absolute, "/user/alice/x/z");
        assert_eq!(PathArg::parse(".", HOME).absolute, HOME);
        assert_eq!(PathArg::parse("../..", HOME).absolute, "/");
        assert_eq!(PathArg::parse("/../a", HOME).absolute, "/a");

        let arg = PathArg::parse("hdfs://nn:9000/a/b", HOME);
        let uri = PathKind::Uri {
            scheme: "hdfs".into(),
            authority: "nn:9000".into(),
        };
        assert_eq!(arg.kind, uri);
        assert_eq!(arg.absolute, "/a/b");
        assert_eq!(PathArg::parse("hdfs://nn:9000", HOME).absolute, "/");

        let arg = PathArg::parse("hdfs:/a", HOME);
        assert_eq!(
            arg.kind,
            PathKind::Uri {
                scheme: "hdfs".into(),
                authority: String::new()
            }
        );
        assert_eq!(arg.absolute, "/a");
        // A colon not followed by '/' is no scheme.
        assert_eq!(PathArg::parse("a:b", HOME).kind, PathKind::Relative);
    }

    #[test]
    fn displays_matches_like_the_argument() {
        let arg = PathArg::parse("hdfs://nn:9000/a/*", HOME);
        assert_eq!(arg.display("/a/x", false, HOME), "hdfs://nn:9000/a/x");
        let arg = PathArg::parse("hdfs:///a", HOME);
        assert_eq!(arg.display("/a", true, HOME), "hdfs:///a");
        let arg = PathArg::parse("/a//b/", HOME);
        assert_eq!(arg.display("/a/b", true, HOME), "/a/b");
        let arg = PathArg::parse("x/", HOME);
        assert_eq!(arg.display("/user/alice/x", true, HOME), "x");
        assert_eq!(arg.display_missing(), "x/");
        assert_eq!(PathArg::parse("a\\*b", HOME).display_missing(), "a*b");
    }

    #[test]
    fn relativizes_like_hadoop() {
        assert_eq!(relativize(HOME, HOME, true), ".");
        assert_eq!(relativize(HOME, "/user/alice/f", false), "f");
        assert_eq!(relativize(HOME, "/user/alice/d/e", true), "d/e");
        assert_eq!(relativize(HOME, "/user", true), "..");
        assert_eq!(relativize(HOME, "/user/bob", true), "../bob");
        assert_eq!(relativize(HOME, "/other/x", false), "../../other/x");
        assert_eq!(relativize(HOME, "/", true), "../..");
        assert_eq!(relativize(HOME, "/user/alicex", false), "../alicex");
    }

    #[test]
    fn builds_child_display_strings() {
        assert_eq!(child_display(".", "f"), "f");
        assert_eq!(child_display("/", "f"), "/f");
        assert_eq!(child_display("/a", "f"), "/a/f");
        assert_eq!(child_display("d", "f"), "d/f");
        assert_eq!(child_display("hdfs://nn:1/", "f"), "hdfs://nn:1/f");
    }

    #[test]
    fn recognizes_directory_like_arguments() {
        let represents = |arg: &str| PathArg::parse(arg, HOME).represents_directory();
        assert!(represents("/a/"));
        assert!(represents("."));
        assert!(represents("a/.."));
        assert!(represents("hdfs://nn:1"));
        assert!(represents("hdfs://nn:1/"));
        assert!(!represents("/a"));
        assert!(!represents("hdfs://nn:1/a"));
    }

    #[test]
    fn detects_and_unescapes_globs() {
        assert!(has_glob("/a/*"));
        assert!(has_glob("/a/f?"));
        assert!(has_glob("/a/[ab]"));
        assert!(has_glob("/a/{b,c}"));
        assert!(!has_glob("/a/b"));
        assert!(!has_glob("/a/\\*"));
        assert_eq!(unescape("a\\*b\\\\"), "a*b\\");
    }

    #[test]
    fn expands_brace_groups() {
        assert_eq!(expand_braces("/a/{b,c}").unwrap(), vec!["/a/b", "/a/c"]);
        assert_eq!(
            expand_braces("/{a,b/c}/{x,y}").unwrap(),
            vec!["/a/x", "/a/y", "/b/c/x", "/b/c/y"]
        );
        assert_eq!(
            expand_braces("/{a,{b,c}d}").unwrap(),
            vec!["/a", "/bd", "/cd"]
        );
        assert_eq!(expand_braces("/a\\{b,c}").unwrap(), vec!["/a\\{b,c}"]);
        assert_eq!(expand_braces("/a}").unwrap(), vec!["/a}"]);
        assert!(
            expand_braces("/a{b")
                .unwrap_err()
                .contains("Unclosed group")
        );
    }

    #[test]
    fn matches_glob_components() {
        let matches =
            |pattern: &str, name: &str| GlobComponent::compile(pattern).unwrap().matches(name);
        assert!(matches("*", ""));
        assert!(matches("*", ".hidden"));
        assert!(matches("f*.txt", "file.txt"));
        assert!(!matches("f*.txt", "file.txt2"));
        assert!(matches("*a*b", "xxaxxab"));
        assert!(matches("?", "é"));
        assert!(!matches("?", "ab"));
        assert!(matches("[abc]x", "bx"));
        assert!(!matches("[abc]x", "dx"));
        assert!(matches("[a-c]", "b"));
        assert!(!matches("[!a-c]", "b"));
        assert!(matches("[^a-c]", "d"));
        assert!(matches("[]a]", "]"));
        assert!(matches("a\\*", "a*"));
        assert!(!matches("a\\*", "ab"));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "axb"));
    }

    #[test]
    fn rejects_malformed_components() {
        assert!(
            GlobComponent::compile("[ab")
                .unwrap_err()
                .contains("Unclosed character class")
        );
        assert!(
            GlobComponent::compile("a\\")
                .unwrap_err()
                .contains("Missing escaped character")
        );
    }

    #[test]
    fn compiles_patterns_into_segments() {
        let alternatives = compile_glob("/a/{b,c*}/d\\?").unwrap();
        assert_eq!(alternatives.len(), 2);
        assert!(matches!(&alternatives[0][1], Segment::Literal(name) if name == "b"));
        assert!(matches!(&alternatives[1][1], Segment::Pattern(p) if p.matches("cat")));
        assert!(matches!(&alternatives[1][2], Segment::Literal(name) if name == "d?"));
        assert!(compile_glob("/").unwrap()[0].is_empty());
    }
}
