//! Open-text entries, from what a voter typed to what the word cloud counts.
//!
//! - the **text** (the spelling the cloud may show): Unicode NFKC, whitespace and punctuation
//!   trimmed at both ends, inner runs of whitespace made one space;
//! - the **term** (what entries are counted as): the text case-folded, its stop words left
//!   out (NLTK's list for the poll's language), each word maybe stemmed (Snowball); none when
//!   nothing is left;
//! - whether the **profanity filter** holds it for the owner (`rustrict`, English).

use std::collections::HashSet;
use std::sync::OnceLock;

use pollcast_types::{Moderation, OpenText, TextEntry, TextLanguage};
use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

/// Why an entry is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryError {
    /// Nothing is left once trimmed.
    Empty,
    /// Longer than the poll's `max_length` (in characters, once trimmed).
    TooLong,
}

/// Checks and normalises one entry of a poll with `settings`.
pub fn entry(raw: &str, settings: &OpenText) -> Result<TextEntry, EntryError> {
    let text = display_text(raw);
    if text.is_empty() {
        return Err(EntryError::Empty);
    }
    if text.chars().count() > usize::from(settings.max_length) {
        return Err(EntryError::TooLong);
    }
    let term = term(&text, settings.language, settings.stemming);
    let held = match settings.moderation {
        Moderation::Approve => true,
        Moderation::Filter => is_profane(&text),
        Moderation::None => false,
    };
    Ok(TextEntry { text, term, held })
}

/// NFKC, trimmed of whitespace and punctuation at both ends, inner whitespace runs as one
/// space.
pub fn display_text(raw: &str) -> String {
    let normal: String = raw.nfkc().collect();
    let trimmed =
        normal.trim_matches(|c: char| c.is_whitespace() || is_punctuation(c) || c.is_control());
    let mut out = String::with_capacity(trimmed.len());
    for word in trimmed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
    }
    out
}

/// What entries are counted as: `None` when only stop words are left.
pub fn term(text: &str, language: TextLanguage, stemming: bool) -> Option<String> {
    let folded = caseless::default_case_fold_str(text);
    let stops = stop_words(language);
    let stemmer = stemming.then(|| Stemmer::create(algorithm(language)));
    let mut words = Vec::new();
    for word in folded.split_whitespace() {
        let bare = word.trim_matches(|c: char| is_punctuation(c));
        if bare.is_empty() || stops.contains(bare) {
            continue;
        }
        words.push(match &stemmer {
            Some(s) => s.stem(bare).into_owned(),
            None => bare.to_owned(),
        });
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// Whether the profanity filter holds `text` for the owner. rustrict's list is English (with
/// the letter swaps people use to get past filters); entries in other languages pass unless
/// they use English profanity.
pub fn is_profane(text: &str) -> bool {
    use rustrict::CensorStr;
    text.is(rustrict::Type::INAPPROPRIATE)
}

/// ASCII punctuation, the General Punctuation block, and the marks other scripts and
/// typographers use around words.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || ('\u{2000}'..='\u{206F}').contains(&c)
        || "¡¿«»、。，！？：；・·。「」『』【】〈〉《》،؛؟".contains(c)
}

fn algorithm(language: TextLanguage) -> Algorithm {
    match language {
        TextLanguage::En => Algorithm::English,
        TextLanguage::De => Algorithm::German,
        TextLanguage::Es => Algorithm::Spanish,
        TextLanguage::Fr => Algorithm::French,
        TextLanguage::Ar => Algorithm::Arabic,
    }
}

/// NLTK's stop words of `language`, case-folded, read once.
fn stop_words(language: TextLanguage) -> &'static HashSet<String> {
    static LISTS: OnceLock<Vec<HashSet<String>>> = OnceLock::new();
    let lists = LISTS.get_or_init(|| {
        TextLanguage::ALL
            .iter()
            .map(|l| {
                stop_words::get(l.as_str())
                    .iter()
                    .map(|w| caseless::default_case_fold_str(w.trim()))
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .collect()
    });
    let at = TextLanguage::ALL
        .iter()
        .position(|l| *l == language)
        .unwrap_or(0);
    &lists[at]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OpenText {
        OpenText::default()
    }

    #[test]
    fn entries_that_differ_in_case_width_space_and_punctuation_count_as_one_term() {
        let spellings = ["Fast!", "  fast ", "FAST.", "ｆａｓｔ", "«fast»", "Fast…"];
        for s in spellings {
            let e = entry(s, &settings()).unwrap();
            assert_eq!(e.term.as_deref(), Some("fast"), "{s}");
            assert!(!e.held);
        }
        assert_eq!(
            entry("  Very   fast ", &settings()).unwrap().text,
            "Very fast"
        );
        // German sharp s folds as Unicode says.
        assert_eq!(
            term("Straße", TextLanguage::De, false),
            term("STRASSE", TextLanguage::De, false)
        );
    }

    #[test]
    fn stop_words_leave_the_cloud_and_the_entry_stays() {
        let e = entry("The best", &settings()).unwrap();
        assert_eq!(
            (e.text.as_str(), e.term.as_deref()),
            ("The best", Some("best"))
        );
        let e = entry("the", &settings()).unwrap();
        assert_eq!((e.text.as_str(), e.term), ("the", None));
        assert_eq!(
            term("le meilleur", TextLanguage::Fr, false).as_deref(),
            Some("meilleur")
        );
    }

    #[test]
    fn stemming_is_asked_for() {
        assert_eq!(
            term("running", TextLanguage::En, false).as_deref(),
            Some("running")
        );
        assert_eq!(
            term("running", TextLanguage::En, true).as_deref(),
            Some("run")
        );
    }

    #[test]
    fn refuses_empty_and_long_entries() {
        assert_eq!(entry(" ?! ", &settings()), Err(EntryError::Empty));
        assert_eq!(entry("", &settings()), Err(EntryError::Empty));
        let long = "a".repeat(41);
        assert_eq!(entry(&long, &settings()), Err(EntryError::TooLong));
        // Trimmed first: the spaces do not count.
        assert!(entry(&format!("  {}  ", "a".repeat(40)), &settings()).is_ok());
    }

    #[test]
    fn the_filter_holds_profanity_and_approval_holds_everything() {
        assert!(entry("shit", &settings()).unwrap().held);
        assert!(entry("sh1t", &settings()).unwrap().held);
        assert!(!entry("Scunthorpe", &settings()).unwrap().held);
        let approve = OpenText {
            moderation: Moderation::Approve,
            ..settings()
        };
        assert!(entry("lovely", &approve).unwrap().held);
        let none = OpenText {
            moderation: Moderation::None,
            ..settings()
        };
        assert!(!entry("shit", &none).unwrap().held);
    }
}
