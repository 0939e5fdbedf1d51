//! RFC 6901 JSON pointers.

/// Escape one reference token (`~` → `~0`, `/` → `~1`).
#[must_use]
pub fn escape(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

/// Join a base pointer and a relative path of `/`-separated, unescaped tokens
/// (`join("/spec", "securityContext/privileged")`). Tokens are escaped; numbers stay numbers.
#[must_use]
pub fn join(base: &str, relative: &str) -> String {
    let mut out = base.trim_end_matches('/').to_owned();
    for token in relative.split('/').filter(|t| !t.is_empty()) {
        out.push('/');
        if token.contains('~') {
            out.push_str(&escape(token));
        } else {
            out.push_str(token);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn joins_and_escapes() {
        assert_eq!(super::join("/spec", "a/b"), "/spec/a/b");
        assert_eq!(super::join("", "x"), "/x");
        assert_eq!(super::escape("a/b~c"), "a~1b~0c");
    }
}
