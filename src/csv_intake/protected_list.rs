//! The admin's list of protected accounts: logins, user IDs or `*` patterns, one per line.

use std::collections::HashSet;

use super::dedupe::{fold_hash, folded};
use super::exclude::{Exclusion, Exclusions};
use crate::target::Target;

/// A protected-accounts list as read from text, with what was wrong with some lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtectedList {
    /// The patterns, trimmed, each once (ignoring case), in the order given.
    pub patterns: Vec<String>,
    /// Lines that were left out, with why (line numbers from 1).
    pub problems: Vec<String>,
}

/// Reads one pattern per line. Blank lines and lines starting with `#` are ignored; a pattern
/// protecting every account (`*` alone) or repeating an earlier one is left out with a problem.
pub fn parse_protected(text: &str) -> ProtectedList {
    let mut list = ProtectedList::default();
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let pattern = line.trim().trim_start_matches('\u{feff}').trim();
        let n = i + 1;
        if pattern.is_empty() || pattern.starts_with('#') {
            continue;
        }
        if pattern.chars().all(|c| c == '*') {
            list.problems.push(format!(
                "line {n}: \"{pattern}\" would protect every account, so nobody could be removed; left out"
            ));
        } else if pattern.chars().any(char::is_control) {
            list.problems
                .push(format!("line {n}: contains a control character; left out"));
        } else if !seen.insert(folded(pattern).collect::<String>()) {
            list.problems
                .push(format!("line {n}: \"{pattern}\" is already in the list"));
        } else {
            list.patterns.push(pattern.to_string());
        }
    }
    list
}

/// The list as text, one pattern per line, as [`parse_protected`] reads it back.
pub fn protected_text(patterns: &[String]) -> String {
    let mut text = String::from("# Offboard protected accounts: never removed. One login, user ID or pattern per line; * matches anything.\n");
    for p in patterns {
        text.push_str(p);
        text.push('\n');
    }
    text
}

/// The first of `patterns` that `value` (a login, user ID or e-mail address) matches, the way
/// intake excludes protected rows (ignoring case; `*` matches any run of characters).
pub fn protected_match<'p>(patterns: &'p [String], value: &str) -> Option<&'p str> {
    ProtectedMatcher::new(patterns).find(value)
}

/// [`protected_match`] for many values: the patterns are read once.
pub struct ProtectedMatcher<'p> {
    patterns: &'p [String],
    exclusions: Exclusions,
}

impl<'p> ProtectedMatcher<'p> {
    pub fn new(patterns: &'p [String]) -> Self {
        ProtectedMatcher {
            patterns,
            exclusions: Exclusions::new(Target::Epm, None, false, patterns),
        }
    }

    /// The first pattern that `value` matches.
    pub fn find(&self, value: &str) -> Option<&'p str> {
        match self.exclusions.check(value, fold_hash(value)) {
            Some(Exclusion::Protected(i)) => self.patterns.get(i as usize).map(String::as_str),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_looked_up_users_address_or_id_is_matched_like_a_row() {
        let patterns = vec!["admin@*".to_string(), "*-breakglass@corp.io".into()];
        assert_eq!(protected_match(&patterns, "Admin@Corp.io"), Some("admin@*"));
        assert_eq!(
            protected_match(&patterns, "ops-breakglass@corp.io"),
            Some("*-breakglass@corp.io")
        );
        assert_eq!(protected_match(&patterns, "jane@corp.io"), None);
        assert_eq!(protected_match(&[], "admin@corp.io"), None);
    }

    #[test]
    fn reads_patterns_skipping_blanks_comments_and_repeats() {
        let list = parse_protected("admin@*\n\n# break-glass\n *-breakglass@* \r\nADMIN@*\n*\n");
        assert_eq!(list.patterns, ["admin@*", "*-breakglass@*"]);
        assert_eq!(
            list.problems,
            [
                "line 5: \"ADMIN@*\" is already in the list",
                "line 6: \"*\" would protect every account, so nobody could be removed; left out"
            ]
        );
    }

    #[test]
    fn a_repeat_is_found_letter_by_letter_as_values_are_matched() {
        let list = parse_protected("NIKOΣ@*\nnikoσ@*\nnikoς@*\n");
        assert_eq!(list.patterns, ["NIKOΣ@*"]);
        assert_eq!(list.problems.len(), 2, "{:?}", list.problems);
        assert_eq!(
            protected_match(&list.patterns, "nikoσ@corp.gr"),
            Some("NIKOΣ@*")
        );
    }

    #[test]
    fn export_then_import_gives_the_same_list() {
        let patterns = vec![
            "svc_*".to_string(),
            "0a1b2c3d-0000-4000-8000-00000000000f".into(),
        ];
        let back = parse_protected(&protected_text(&patterns));
        assert_eq!(back.patterns, patterns);
        assert!(back.problems.is_empty());
    }
}
