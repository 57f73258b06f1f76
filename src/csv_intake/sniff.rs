//! Guessing the delimiter from the first lines.

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
/// (a single column). Delimiters inside quotes are not counted. `prefer_tab` breaks ties towards tab.
pub fn sniff(text: &str, prefer_tab: bool) -> Option<Delimiter> {
    let lines = count_per_line(text);
    let mut best: Option<(Delimiter, usize)> = None;
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
        let counts: Vec<usize> = lines.iter().map(|c| c[i]).collect();
        let Some(mode) = mode(&counts) else { continue };
        if mode == 0 {
            continue;
        }
        let agreeing = counts.iter().filter(|&&c| c == mode).count();
        if best.is_none_or(|(_, score)| agreeing > score) {
            best = Some((delimiter, agreeing));
        }
    }
    best.map(|(d, _)| d)
}

/// Per non-blank line among the first [`SAMPLE_LINES`], how often each delimiter occurs outside quotes.
fn count_per_line(text: &str) -> Vec<[usize; 4]> {
    let mut lines = Vec::new();
    let mut counts = [0usize; 4];
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
                    lines.push(counts);
                    if lines.len() == SAMPLE_LINES {
                        return lines;
                    }
                }
                counts = [0; 4];
                non_blank = false;
            }
            _ if in_quotes => {}
            b' ' => {}
            _ => {
                non_blank = true;
                if let Some(i) = Delimiter::ALL.iter().position(|d| d.byte() == b) {
                    counts[i] += 1;
                }
            }
        }
    }
    if non_blank {
        lines.push(counts);
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
    fn ties_go_to_comma_or_to_tab_for_utf16() {
        let text = "a,b\tc\nd,e\tf\n";
        assert_eq!(sniff(text, false), Some(Delimiter::Comma));
        assert_eq!(sniff(text, true), Some(Delimiter::Tab));
    }
}
