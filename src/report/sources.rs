//! The fact sources that ship with the product: `docs/sources.md`, embedded at build
//! time, read into one [`Source`] per fact id, and rendered for the run report, where each
//! fact id cited in the scenario's description links to a "Sources" list that repeats the
//! figure, date, publication and address. The report is a single file, so it carries the
//! rows it cites instead of linking to a page the reader may not have.
//!
//! A fact id is two or three capital letters, a hyphen and two digits (`RE-28`); a range
//! `RE-16...RE-20` (or with `…`) cites every id between its ends.
//!
//! Pure: no I/O; the run briefing ([`super::pages::run`]) lists the cited rows.

use serde::Serialize;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// `docs/sources.md` as it was when the binary was built.
pub const SOURCES_MD: &str = include_str!("../../docs/sources.md");

/// One fact row of `docs/sources.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The fact id, e.g. `RE-28`.
    pub id: String,
    /// The figure in plain text (markdown removed).
    pub figure: String,
    /// The date or period the figure refers to.
    pub date: String,
    /// The publication or dataset that reports it.
    pub publication: String,
    /// Where the text was read: one or more http(s) addresses.
    pub addresses: Vec<String>,
    /// Reliability grade and markers, e.g. `B [PROVISIONAL]`.
    pub grade: String,
}

/// The anchor of a fact row in `docs/sources.md` (`re-28`).
pub fn anchor(id: &str) -> String {
    id.to_ascii_lowercase()
}

/// Reads the fact rows of a `sources.md` text: table rows whose first cell opens with
/// `<a id="..."></a>` followed by the id. Rows that do not have six cells are skipped
/// (the test of the shipped file checks that every anchored row is read).
pub fn parse(md: &str) -> Vec<Source> {
    let mut out = Vec::new();
    for line in md.lines() {
        let Some(rest) = line.trim().strip_prefix("| <a id=\"") else {
            continue;
        };
        let cells: Vec<&str> = rest
            .trim_end_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.len() != 6 {
            continue;
        }
        let Some((_, id)) = cells[0].split_once("</a>") else {
            continue;
        };
        let addresses = cells[4]
            .split(|c: char| c.is_whitespace() || c == '<' || c == '>')
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_string)
            .collect();
        out.push(Source {
            id: id.trim().to_string(),
            figure: plain(cells[1]),
            date: plain(cells[2]),
            publication: plain(cells[3]),
            addresses,
            grade: plain(cells[5]),
        });
    }
    out
}

/// The fact rows of the shipped `docs/sources.md`, read once.
pub fn entries() -> &'static [Source] {
    static ENTRIES: OnceLock<Vec<Source>> = OnceLock::new();
    ENTRIES.get_or_init(|| parse(SOURCES_MD))
}

/// The shipped row of fact `id`, if there is one.
pub fn find(id: &str) -> Option<&'static Source> {
    entries().iter().find(|s| s.id == id)
}

/// Markdown of a table cell as plain text: `**bold**`, `*italic*` and code marks dropped,
/// `[text](target)` reduced to `text`, `<address>` to `address`.
fn plain(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut rest = cell;
    while let Some(c) = rest.chars().next() {
        if c == '['
            && let Some(close) = rest.find(']')
            && rest[close + 1..].starts_with('(')
            && let Some(end) = rest[close..].find(')')
        {
            out.push_str(&rest[1..close]);
            rest = &rest[close + end + 1..];
            continue;
        }
        if !matches!(c, '*' | '`' | '<' | '>') {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Where a fact id sits in a text (byte range).
struct Found {
    start: usize,
    end: usize,
}

/// Fact ids in `text`, by byte range, in order.
fn find_ids(text: &str) -> Vec<Found> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_uppercase() && (i == 0 || !is_word(b[i - 1])) {
            let letters = b[i..].iter().take_while(|c| c.is_ascii_uppercase()).count();
            let j = i + letters;
            if (2..=3).contains(&letters)
                && j + 3 <= b.len()
                && b[j] == b'-'
                && b[j + 1].is_ascii_digit()
                && b[j + 2].is_ascii_digit()
                && (j + 3 == b.len() || !is_word(b[j + 3]))
            {
                out.push(Found {
                    start: i,
                    end: j + 3,
                });
                i = j + 3;
                continue;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Every fact id `text` cites, in order of first mention and without repeats; a range
/// (`RE-16...RE-20`, `RE-16…RE-20`) contributes every id between its ends.
pub fn cited_ids(text: &str) -> Vec<String> {
    let found = find_ids(text);
    let mut out: Vec<String> = Vec::new();
    let mut push = |id: String| {
        if !out.contains(&id) {
            out.push(id);
        }
    };
    for (k, f) in found.iter().enumerate() {
        let id = &text[f.start..f.end];
        let range_end = found.get(k + 1).and_then(|g| {
            let between = &text[f.end..g.start];
            (between == "..." || between == "…").then(|| &text[g.start..g.end])
        });
        match range_end.and_then(|end| expand(id, end)) {
            Some(ids) => ids.into_iter().for_each(&mut push),
            None => push(id.to_string()),
        }
    }
    out
}

/// The ids from `a` to `b` inclusive when both have the same prefix and `a <= b`.
fn expand(a: &str, b: &str) -> Option<Vec<String>> {
    let (pa, na) = a.split_once('-')?;
    let (pb, nb) = b.split_once('-')?;
    let (na, nb): (u32, u32) = (na.parse().ok()?, nb.parse().ok()?);
    (pa == pb && na <= nb).then(|| (na..=nb).map(|n| format!("{pa}-{n:02}")).collect())
}

/// Wraps every fact id of `html` (already escaped) that has a shipped row in a link to
/// its entry of the report's Sources list (`#src-re-28`); other text is unchanged.
pub fn link_ids(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut last = 0;
    for f in find_ids(html) {
        let id = &html[f.start..f.end];
        if find(id).is_none() {
            continue;
        }
        out.push_str(&html[last..f.start]);
        let _ = write!(out, "<a class=fact href=\"#src-{}\">{id}</a>", anchor(id));
        last = f.end;
    }
    out.push_str(&html[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD: &str = "intro RE-99\n\
        | Id | Figure | Date | Publication or dataset | Address | Grade |\n\
        | <a id=\"re-01\"></a>RE-01 | **World output**: 390,000 t [EST] (see [RE-02](#re-02)). | 2024 | USGS *MCS* 2025 | <https://a.example/x> <http://b.example/y?z=1> | A (via C) |\n\
        | <a id=\"re-02\"></a>RE-02 | too few cells | 2024 |\n";

    #[test]
    fn parses_rows_and_strips_markdown() {
        let rows = parse(MD);
        assert_eq!(rows.len(), 1, "the short row is skipped");
        let r = &rows[0];
        assert_eq!(r.id, "RE-01");
        assert_eq!(r.figure, "World output: 390,000 t [EST] (see RE-02).");
        assert_eq!(r.date, "2024");
        assert_eq!(r.publication, "USGS MCS 2025");
        assert_eq!(
            r.addresses,
            ["https://a.example/x", "http://b.example/y?z=1"]
        );
        assert_eq!(r.grade, "A (via C)");
    }

    #[test]
    fn finds_ids_and_ranges() {
        assert_eq!(
            cited_ids("RE-16...RE-18, ST-03 and ST-03; GG-01…GG-02; xRE-01, RE-012, SHA-256"),
            ["RE-16", "RE-17", "RE-18", "ST-03", "GG-01", "GG-02"]
        );
        // A "range" across prefixes or backwards is two separate ids.
        assert_eq!(cited_ids("RE-05...ST-01"), ["RE-05", "ST-01"]);
        assert_eq!(cited_ids("RE-05...RE-03"), ["RE-05", "RE-03"]);
    }

    #[test]
    fn links_only_known_ids() {
        let html = link_ids("Japan (RE-16...RE-20) and XX-01.");
        assert_eq!(
            html,
            "Japan (<a class=fact href=\"#src-re-16\">RE-16</a>...\
             <a class=fact href=\"#src-re-20\">RE-20</a>) and XX-01."
        );
    }

    #[test]
    fn shipped_file_has_the_rows_the_flagship_needs() {
        let s = find("RE-28").expect("RE-28 ships");
        assert!(s.figure.contains("1,943 t"), "{}", s.figure);
        assert!(s.addresses.iter().all(|a| a.starts_with("http")));
    }
}
