//! The one pattern language of scenario files: `*` matches any run of characters (including
//! none, and including `/`), `?` exactly one character, everything else itself.
//!
//! Behaviours match invoice numbers with it (`DUP-*`) and faults match request paths
//! (`/api/v1/*`, `/v2/sessions/online/*/invoices`). There is no escaping: invoice numbers and
//! URL paths do not contain `*` or `?` that an author would need to match literally.

/// Whether `text` matches `pattern` as a whole.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and how much of the text it has swallowed so far: on a mismatch it
    // swallows one more character and matching resumes after it.
    let mut backtrack: Option<(usize, usize)> = None;
    while let Some(&c) = t.get(ti) {
        match p.get(pi) {
            Some('*') => {
                backtrack = Some((pi, ti));
                pi += 1;
            }
            Some(&wanted) if wanted == '?' || wanted == c => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                Some((star, swallowed)) => {
                    pi = star + 1;
                    ti = swallowed + 1;
                    backtrack = Some((star, swallowed + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// Whether some text that starts with `prefix` matches `pattern`: can a path glob ever match
/// a path under `/v2/`?
pub(crate) fn glob_can_match_prefix(pattern: &str, prefix: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    // The pattern positions reachable after reading part of the prefix; a `*` can always be
    // skipped, so each set is closed over that.
    let close = |states: &mut Vec<usize>| {
        let mut i = 0;
        while let Some(&state) = states.get(i) {
            if p.get(state) == Some(&'*') && !states.contains(&(state + 1)) {
                states.push(state + 1);
            }
            i += 1;
        }
    };
    let mut states = vec![0];
    close(&mut states);
    for c in prefix.chars() {
        let mut next = Vec::new();
        for &state in &states {
            let target = match p.get(state) {
                Some('*') => Some(state),
                Some(&wanted) if wanted == '?' || wanted == c => Some(state + 1),
                _ => None,
            };
            if let Some(target) = target
                && !next.contains(&target)
            {
                next.push(target);
            }
        }
        close(&mut next);
        if next.is_empty() {
            return false;
        }
        states = next;
    }
    // Whatever is left of the pattern, some continuation of the text satisfies it.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_number_globs() {
        assert!(glob_matches("DUP-*", "DUP-0001"));
        assert!(glob_matches("DUP-*", "DUP-"));
        assert!(!glob_matches("DUP-*", "XDUP-1"));
        assert!(glob_matches("*-7", "INV-7"));
        assert!(glob_matches("INV-??", "INV-12"));
        assert!(!glob_matches("INV-??", "INV-123"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(!glob_matches("a*b*c", "axxbyy"));
        assert!(glob_matches("FV/2026/ż?ł", "FV/2026/żół"));
    }

    #[test]
    fn path_globs_cross_slashes() {
        let send = "/v2/sessions/online/*/invoices";
        assert!(glob_matches(
            send,
            "/v2/sessions/online/20250514-SO-226FB7B000-3ACF9BE4C0-10/invoices"
        ));
        assert!(!glob_matches(
            send,
            "/v2/sessions/online/20250514-SO-226FB7B000-3ACF9BE4C0-10/close"
        ));
        assert!(glob_matches("/api/v1/*", "/api/v1/invoices/inv_1/status"));
        assert!(!glob_matches("/api/v1/*", "/api/v2/sessions"));
        assert!(glob_matches("*/invoices", "/api/v1/invoices"));
        assert!(!glob_matches("/connect/token", "/connect/token/"));
    }

    #[test]
    fn prefixes_a_glob_can_start_with() {
        assert!(glob_can_match_prefix("/v2/*", "/v2/"));
        assert!(glob_can_match_prefix("/v2/sessions/*", "/v2/"));
        assert!(glob_can_match_prefix("*", "/v2/"));
        assert!(glob_can_match_prefix("*/invoices", "/api/v2/"));
        assert!(glob_can_match_prefix("/?2/*", "/v2/"));
        assert!(glob_can_match_prefix("/v", "/v"));
        assert!(glob_can_match_prefix("/v2", "/v"));
        assert!(!glob_can_match_prefix("/v2", "/v2/"));
        assert!(!glob_can_match_prefix("/api/v1/*", "/v2/"));
        assert!(!glob_can_match_prefix("/api/v1/*", "/api/v2/"));
        assert!(!glob_can_match_prefix("/connect/token", "/v2/"));
    }
}
