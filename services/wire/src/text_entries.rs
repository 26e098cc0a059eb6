//! An open-text ballot's entries as one word of the vote line (no space, no comma outside
//! the separators): `<h|s><term>=<text>,...`, term and text percent-encoded, `h` for an entry
//! held for the owner, an empty term for an entry of stop words only.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use pollcast_types::TextEntry;

/// What may not appear raw: the line's and this word's separators, and `%` itself.
const RESERVED: &AsciiSet = &CONTROLS.add(b' ').add(b',').add(b'=').add(b'%');

pub(crate) fn encode(entries: &[TextEntry]) -> String {
    let mut out = String::new();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push(if e.held { 'h' } else { 's' });
        if let Some(term) = &e.term {
            out.extend(utf8_percent_encode(term, RESERVED));
        }
        out.push('=');
        out.extend(utf8_percent_encode(&e.text, RESERVED));
    }
    out
}

/// Whether a word of the line is a list of entries (option ids never hold `=`).
pub(crate) fn is_entries(word: &str) -> bool {
    word.contains('=')
}

pub(crate) fn decode(word: &str) -> Option<Vec<TextEntry>> {
    let decoded = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    word.split(',')
        .map(|item| {
            let held = match item.as_bytes().first()? {
                b'h' => true,
                b's' => false,
                _ => return None,
            };
            let (term, text) = item[1..].split_once('=')?;
            let term = decoded(term)?;
            Some(TextEntry {
                text: decoded(text)?,
                term: (!term.is_empty()).then_some(term),
                held,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_any_text() {
        let entries = vec![
            TextEntry {
                text: "Fast, 100% = good".into(),
                term: Some("fast, 100% = good".into()),
                held: false,
            },
            TextEntry {
                text: "the".into(),
                term: None,
                held: true,
            },
            TextEntry {
                text: "سريع 🚀".into(),
                term: Some("سريع 🚀".into()),
                held: false,
            },
        ];
        let word = encode(&entries);
        assert!(!word.contains(' ') && is_entries(&word));
        assert_eq!(decode(&word), Some(entries));
        assert_eq!(decode("xfast=fast"), None);
        assert_eq!(decode("sfast"), None);
    }
}
