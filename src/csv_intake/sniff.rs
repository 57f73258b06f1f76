//! Guessing the delimiter from the first lines.

use super::validate::{is_user_id, looks_like_email};

/// A field delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
    Pipe,
}

impl Delimiter {
    /// Every delimiter that is sniffed, in the order ties are broken.
    pub const ALL: [Delimiter; 4] = [
        Delimiter::Comma,
        Delimiter::Semicolon,
        Delimiter::Tab,
        Delimiter::Pipe,
    ];

    /// The delimiter's byte.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
            Delimiter::Pipe => b'|',
        }
    }

    /// The name shown to the admin.
    pub fn name(self) -> &'static str {
        match self {
            Delimiter::Comma => "comma",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Tab => "tab",
            Delimiter::Pipe => "pipe",
        }
    }
}

/// How many lines are looked at.
const SAMPLE_LINES: usize = 50;

/// The delimiter that splits the first lines most consistently, or `None` when none of them appears
/// (a single column). Delimiters inside quotes are not counted. Between delimiters that split as many lines
/// alike, the one that gives more lines a field holding an e-mail address or a user ID wins, then the one less
/// often followed by a space (`Doe, John` is a name, not two fields), then tab when `prefer_tab`, then the order
/// of [`Delimiter::ALL`]. When no delimiter is on most lines (later columns left empty by hand), the one the
/// first line holds, if it holds only one kind.
pub fn sniff(text: &str, prefer_tab: bool) -> Option<Delimiter> {
    let lines = count_per_line(text);
    let mut best: Option<(Delimiter, (usize, usize, usize))> = None;
    let mut order = Delimiter::ALL.to_vec();
    if prefer_tab {
        order.retain(|d| *d != Delimiter::Tab);
        order.insert(0, Delimiter::Tab);
    }
    for delimiter in order {
        let i = Delimiter::ALL
            .iter()
            .position(|d| *d == delimiter)
            .unwrap_or(0);
        let counts: Vec<usize> = lines.iter().map(|l| l.counts[i]).collect();
        let Some(mode) = mode(&counts) else { continue };
        if mode == 0 {
            continue;
        }
        let agreeing = counts.iter().filter(|&&c| c == mode).count();
        let spaced: usize = lines.iter().map(|l| l.spaced[i]).sum();
        if best.as_ref().is_some_and(|(_, b)| agreeing < b.0) {
            continue;
        }
        // Larger is better, compared in this order.
        let score = (
            agreeing,
            identifier_lines(text, delimiter.byte()),
            usize::MAX - spaced,
        );
        if best.as_ref().is_none_or(|(_, b)| score > *b) {
            best = Some((delimiter, score));
        }
    }
    best.map(|(d, _)| d).or_else(|| {
        let first = lines.first()?;
        let mut held = Delimiter::ALL
            .iter()
            .zip(first.counts)
            .filter(|(_, n)| *n > 0);
        match (held.next(), held.next()) {
            (Some((d, _)), None) => Some(*d),
            _ => None,
        }
    })
}

/// Of the first [`SAMPLE_LINES`] lines split at `separator` (quotes not minded), how many have a field holding an
/// e-mail address or a user ID.
fn identifier_lines(text: &str, separator: u8) -> usize {
    text.lines()
        .take(SAMPLE_LINES)
        .filter(|line| {
            line.split(char::from(separator)).any(|field| {
                let field = field.trim().trim_matches('"').trim();
                looks_like_email(field) || is_user_id(field)
            })
        })
        .count()
}

/// How often each delimiter of [`Delimiter::ALL`] occurs in one line, outside quotes.
#[derive(Clone, Copy, Default)]
struct Line {
    counts: [usize; 4],
    /// Of those, how many are followed by a space.
    spaced: [usize; 4],
}

/// Per non-blank line among the first [`SAMPLE_LINES`], how often each delimiter occurs outside quotes.
fn count_per_line(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut line = Line::default();
    let mut in_quotes = false;
    let mut non_blank = false;
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                non_blank = true;
            }
            b'\r' | b'\n' if !in_quotes => {
                if b == b'\r' && bytes.peek() == Some(&b'\n') {
                    bytes.next();
                }
                if non_blank {
                    lines.push(line);
                    if lines.len() == SAMPLE_LINES {
                        return lines;
                    }
                }
                line = Line::default();
                non_blank = false;
            }
            _ if in_quotes => {}
            b' ' => {}
            _ => {
                non_blank = true;
                if let Some(i) = Delimiter::ALL.iter().position(|d| d.byte() == b) {
                    line.counts[i] += 1;
                    if bytes.peek() == Some(&b' ') {
                        line.spaced[i] += 1;
                    }
                }
            }
        }
    }
    if non_blank {
        lines.push(line);
    }
    lines
}

/// The most frequent value, the larger one on a tie.
fn mode(values: &[usize]) -> Option<usize> {
    let mut sorted = values.to_vec();
    crate::sort::sort_by_key(&mut sorted, |v| *v as u64);
    let mut best: Option<(usize, usize)> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, n)| run.len() >= n) {
            best = Some((run[0], run.len()));
        }
    }
    best.map(|(value, _)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_delimiter_is_recognised() {
        assert_eq!(
            sniff("login,name\njdoe,John\n", false),
            Some(Delimiter::Comma)
        );
        assert_eq!(
            sniff("login;name\njdoe;John\n", false),
            Some(Delimiter::Semicolon)
        );
        assert_eq!(
            sniff("login\tname\njdoe\tJohn\n", false),
            Some(Delimiter::Tab)
        );
        assert_eq!(
            sniff("login|name\njdoe|John\n", false),
            Some(Delimiter::Pipe)
        );
    }

    #[test]
    fn a_single_column_has_no_delimiter() {
        assert_eq!(sniff("login\njdoe\nasmith\n", false), None);
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        let text = "login;name\njdoe;\"Doe, John\"\nasmith;\"Smith, Anna\"\n";
        assert_eq!(sniff(text, false), Some(Delimiter::Semicolon));
    }

    #[test]
    fn the_most_consistent_delimiter_wins_over_a_more_frequent_one() {
        let text = "login;name\njdoe;Doe, John, Jr\nasmith;Smith, Anna\nbob;Bob\n";
        assert_eq!(sniff(text, false), Some(Delimiter::Semicolon));
    }

    #[test]
    fn european_decimal_commas_do_not_fool_it() {
        let text = "login;score\njdoe;3,5\nasmith;4,25\nbob;5\n";
        assert_eq!(sniff(text, false), Some(Delimiter::Semicolon));
    }

    #[test]
    fn cr_only_and_crlf_lines_are_sampled() {
        assert_eq!(sniff("a;b\rc;d\re;f", false), Some(Delimiter::Semicolon));
        assert_eq!(sniff("a|b\r\nc|d\r\n", false), Some(Delimiter::Pipe));
    }

    #[test]
    fn a_comma_followed_by_a_space_loses_a_tie_it_is_punctuation() {
        let pasted_from_excel = "jdoe@corp.com\tDoe, John\nasmith@corp.com\tSmith, Anna\n";
        assert_eq!(sniff(pasted_from_excel, false), Some(Delimiter::Tab));
        let no_header = "jdoe;Doe, John\r\nasmith;Smith, Anna\r\n";
        assert_eq!(sniff(no_header, false), Some(Delimiter::Semicolon));
        let german = "Benutzername;Name, Vorname\nj.mueller;Müller, Jürgen\n";
        assert_eq!(sniff(german, false), Some(Delimiter::Semicolon));
        let departments = "login,department\njdoe,Sales; Marketing\nbob,IT; Support\n";
        assert_eq!(sniff(departments, false), Some(Delimiter::Comma));
    }

    #[test]
    fn a_tie_goes_to_the_split_that_yields_addresses_or_user_ids() {
        let spaced_commas = "jdoe@corp.com, Sales;Marketing\nasmith@corp.com, IT;Support\n";
        assert_eq!(sniff(spaced_commas, false), Some(Delimiter::Comma));
        let ids = "0f8fad5b-d9cb-469f-a165-70867728950e, a;b\n7c9e6679-7425-40de-944b-e07fc1f90ae7, c;d\n";
        assert_eq!(sniff(ids, false), Some(Delimiter::Comma));
        let semicolons = "jdoe@corp.com;Doe, John\nasmith@corp.com;Smith, Anna\n";
        assert_eq!(sniff(semicolons, false), Some(Delimiter::Semicolon));
    }

    #[test]
    fn a_delimiter_on_few_lines_is_taken_from_the_first_line_alone() {
        let sparse = "login;note\njdoe\nasmith;left\nbob\ncarl\n";
        assert_eq!(sniff(sparse, false), Some(Delimiter::Semicolon));
        assert_eq!(sniff("a;b,c\nd\ne\nf\n", false), None);
        assert_eq!(sniff("login\njdoe;x\nbob\ncarl\n", false), None);
    }

    #[test]
    fn ties_go_to_comma_or_to_tab_for_utf16() {
        let text = "a,b\tc\nd,e\tf\n";
        assert_eq!(sniff(text, false), Some(Delimiter::Comma));
        assert_eq!(sniff(text, true), Some(Delimiter::Tab));
    }
}
