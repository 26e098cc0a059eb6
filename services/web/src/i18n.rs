//! The languages pages speak: one Fluent file per language under `web/locales/`, compiled in.
//! A page's language is `?lang=` (what `data-lang` sends), else the browser's
//! `Accept-Language`, else English.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    De,
    Es,
    Fr,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Es, Lang::Fr, Lang::Ar];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::Ar => "ar",
        }
    }

    /// The writing direction, for `<html dir>`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// The language's files: the pages visitors see, then the console.
    fn sources(self) -> [&'static str; 2] {
        match self {
            Lang::En => [
                include_str!("../../../web/locales/en.ftl"),
                include_str!("../../../web/locales/console/en.ftl"),
            ],
            Lang::De => [
                include_str!("../../../web/locales/de.ftl"),
                include_str!("../../../web/locales/console/de.ftl"),
            ],
            Lang::Es => [
                include_str!("../../../web/locales/es.ftl"),
                include_str!("../../../web/locales/console/es.ftl"),
            ],
            Lang::Fr => [
                include_str!("../../../web/locales/fr.ftl"),
                include_str!("../../../web/locales/console/fr.ftl"),
            ],
            Lang::Ar => [
                include_str!("../../../web/locales/ar.ftl"),
                include_str!("../../../web/locales/console/ar.ftl"),
            ],
        }
    }

    /// A language tag's language, if pages speak it (`de-AT` is German).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// `explicit` (a `?lang=`) if spoken, else the best of `Accept-Language`, else English.
    pub fn negotiate(explicit: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = explicit.and_then(Lang::parse) {
            return lang;
        }
        let requested = accept_language.map(by_preference).unwrap_or_default();
        let available: Vec<LanguageIdentifier> = Lang::ALL
            .iter()
            .filter_map(|l| l.code().parse().ok())
            .collect();
        let default: Option<LanguageIdentifier> = "en".parse().ok();
        fluent_langneg::negotiate_languages(
            &requested,
            &available,
            default.as_ref(),
            fluent_langneg::NegotiationStrategy::Lookup,
        )
        .first()
        .and_then(|id| Lang::parse(id.language.as_str()))
        .unwrap_or(Lang::En)
    }

    pub fn text(self) -> Text {
        Text { lang: self }
    }
}

/// `Accept-Language`'s tags, most preferred first (by `q`, then by order).
fn by_preference(header: &str) -> Vec<LanguageIdentifier> {
    let mut tags: Vec<(f32, usize, LanguageIdentifier)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim().parse().ok()?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some((q, i, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|(_, _, tag)| tag).collect()
}

static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> = LazyLock::new(|| {
    Lang::ALL
        .iter()
        .map(|lang| {
            let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            for source in lang.sources() {
                // A file that does not parse is caught by the tests; what parsed is still used.
                let resource = FluentResource::try_new(source.to_owned())
                    .unwrap_or_else(|(partial, _)| partial);
                let _ = bundle.add_resource(resource);
            }
            bundle
        })
        .collect()
});

/// A message argument.
pub enum Arg<'a> {
    Str(&'a str),
    Num(f64),
}

impl From<&'static str> for Arg<'static> {
    fn from(s: &'static str) -> Self {
        Arg::Str(s)
    }
}

/// The messages of one language.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    lang: Lang,
}

/// Sample numbers per plural category, for the forms handed to the page's script (which picks
/// one with `Intl.PluralRules`). Each sample falls in its category in the languages that have
/// it; in the others it formats as whatever category it falls in, which the script never asks.
const PLURAL_SAMPLES: [(&str, i64); 6] = [
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("few", 3),
    ("many", 11),
    ("other", 100),
];

impl Text {
    pub fn lang(self) -> Lang {
        self.lang
    }

    pub fn get(self, id: &str) -> String {
        self.format(id, &[])
    }

    /// The message `id` with its arguments; its own id if the language lacks it (the tests
    /// hold every file to the English one, so that is a bug, not a blank page).
    pub fn format(self, id: &str, args: &[(&str, Arg)]) -> String {
        let bundle = &BUNDLES[Lang::ALL.iter().position(|l| *l == self.lang).unwrap_or(0)];
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Str(s) => fluent_args.set(*name, FluentValue::from(*s)),
                Arg::Num(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// A message with a number in it, in every plural form, with `{count}` where the number
    /// goes (and `{name}` for each of `placeholders`): what the page's script fills in when
    /// a live count changes.
    pub fn plural_forms(
        self,
        id: &str,
        count: &str,
        placeholders: &[&str],
    ) -> BTreeMap<&'static str, String> {
        let marks: Vec<(String, String)> = placeholders
            .iter()
            .map(|p| (format!("\u{1}{p}\u{1}"), format!("{{{p}}}")))
            .collect();
        PLURAL_SAMPLES
            .iter()
            .map(|(category, sample)| {
                let mut args: Vec<(&str, Arg)> = vec![(count, Arg::Num(*sample as f64))];
                for (p, (mark, _)) in placeholders.iter().zip(&marks) {
                    args.push((p, Arg::Str(mark)));
                }
                let mut text = self.format(id, &args).replace(
                    &format!("\u{2068}{sample}\u{2069}"),
                    &format!("\u{2068}{{{count}}}\u{2069}"),
                );
                for (mark, slot) in &marks {
                    text = text.replace(mark, slot);
                }
                (*category, text)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(lang: Lang) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for source in lang.sources() {
            let resource = FluentResource::try_new(source.to_owned()).expect("the file parses");
            ids.extend(resource.entries().filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            }));
        }
        ids.sort();
        ids
    }

    #[test]
    fn every_language_has_exactly_the_english_messages() {
        let english = ids(Lang::En);
        assert!(english.len() > 40);
        for lang in Lang::ALL {
            assert_eq!(ids(lang), english, "{}", lang.code());
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let votes = |lang: Lang, n: f64| lang.text().format("votes", &[("count", Arg::Num(n))]);
        assert_eq!(votes(Lang::En, 1.0), "\u{2068}1\u{2069} vote");
        assert_eq!(votes(Lang::En, 2.0), "\u{2068}2\u{2069} votes");
        assert_eq!(votes(Lang::Ar, 2.0), "صوتان");
        assert_eq!(votes(Lang::Ar, 3.0), "\u{2068}3\u{2069} أصوات");
        assert_eq!(votes(Lang::Ar, 11.0), "\u{2068}11\u{2069} صوتًا");
        let forms = Lang::Ar.text().plural_forms("votes", "count", &[]);
        assert_eq!(forms["two"], "صوتان");
        assert_eq!(forms["few"], "\u{2068}{count}\u{2069} أصوات");
        let forms = Lang::En
            .text()
            .plural_forms("runoff-winner", "rounds", &["label"]);
        assert!(forms["other"].contains("{label}") && forms["other"].contains("{rounds}"));
    }

    #[test]
    fn the_language_is_the_asked_one_then_the_browsers_then_english() {
        assert_eq!(Lang::negotiate(Some("ar"), Some("de")), Lang::Ar);
        assert_eq!(
            Lang::negotiate(Some("xx"), Some("fr-CA,fr;q=0.9")),
            Lang::Fr
        );
        assert_eq!(
            Lang::negotiate(None, Some("pt-BR, es;q=0.8, de;q=0.9")),
            Lang::De
        );
        assert_eq!(Lang::negotiate(None, Some("zh")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("de;q=0, fr;q=0.1")), Lang::Fr);
        assert_eq!(Lang::negotiate(None, Some("ar-EG")), Lang::Ar);
    }
}
