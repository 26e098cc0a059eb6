//! The poll page: one template (`web/templates/page.html`) for the hosted page `/p/{id}` and
//! the embedded one `/embed/{id}`, server-rendered so that it works without JavaScript; the
//! script (`web/static/poll.js`) then votes over the API and follows the live results.

use askama::Template;
use pollcast_types::{
    KindResults, Poll, PollKind, PollStatus, ResultsSnapshot, ResultsVisibility, RunoffRound,
    VoteChange,
};
use serde_json::json;

use crate::i18n::{Arg, Lang, Text};
use crate::theme::{Accent, Theme};

/// How the visitor asked to see the page.
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub lang: Lang,
    pub theme: Theme,
    pub accent: Option<Accent>,
    /// In an iframe (`/embed/{id}`): no page chrome, the height reported to the host page.
    pub embed: bool,
    /// `data-results="hidden"`: the site owner shows no results in the widget.
    pub hide_results: bool,
}

/// What the page knows about this visitor's vote (from the no-JS cookie).
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    /// The options (or score) this browser voted for, if it voted.
    pub voted: Option<Vec<String>>,
}

pub struct OptionRow {
    pub id: String,
    pub label: String,
    pub votes: u64,
    pub votes_text: String,
    /// 0 to 100: the bar's width (a class, `w-N`: the CSP allows no inline style).
    pub percent: u8,
    pub share_text: String,
    pub chosen: bool,
    pub move_up: String,
    pub move_down: String,
}

#[derive(Template)]
#[template(path = "page.html")]
pub struct PollPage<'a> {
    pub t: Text,
    pub view: View,
    pub base: &'a str,
    pub poll: &'a Poll,
    /// The question as shown (see [`shown`]).
    pub question: String,
    pub status: &'static str,
    pub kind: &'static str,
    pub visibility: &'static str,
    pub hint: String,
    pub options: Vec<OptionRow>,
    /// Rating polls: one row per score (its label is the score).
    pub scores: Vec<OptionRow>,
    /// Rating polls of at most 5 points are stars; longer scales a numbered row.
    pub stars: bool,
    pub max_score: u8,
    pub show_results: bool,
    pub results_note: Option<String>,
    pub total_text: String,
    pub summary: Option<String>,
    /// Ranked polls: one line per instant-runoff round.
    pub rounds: Vec<String>,
    pub your_choice: Option<String>,
    pub message: Option<String>,
    pub opens_at: Option<(String, String)>,
    pub can_vote: bool,
    /// Translated strings for the script, as JSON (`<` escaped, so it cannot end its element).
    pub strings_json: String,
    pub status_text: String,
    pub oembed_href: String,
    /// Where the form posts: the vote route, with the page's view (language, theme...) kept.
    pub form_action: String,
    /// Open-text polls: one labelled input per entry a voter may send.
    pub entry_inputs: Vec<String>,
    pub max_length: u16,
    /// Open-text polls: the cloud's terms, most frequent first, as "text: count" and count.
    pub terms: Vec<TermRow>,
}

/// One term of an open-text poll's ranked list.
pub struct TermRow {
    pub text: String,
    pub count: u64,
    pub count_text: String,
}

impl<'a> PollPage<'a> {
    /// `snapshot`: the poll's current results (`None` when they could not be read: the page
    /// still works, and the script fills them in).
    pub fn new(
        base: &'a str,
        poll: &'a Poll,
        status: PollStatus,
        snapshot: Option<&ResultsSnapshot>,
        view: View,
        visitor: &Visitor,
        message: Option<String>,
    ) -> Self {
        let t = view.lang.text();
        let voted = visitor.voted.as_ref();
        let total = snapshot.map_or(0, |s| s.total_votes);
        let visible = match poll.results_visibility {
            ResultsVisibility::Always => true,
            ResultsVisibility::AfterVote => voted.is_some() || status == PollStatus::Closed,
            ResultsVisibility::AfterClose => status == PollStatus::Closed,
            ResultsVisibility::OwnerOnly => false,
        };
        let results_note = if view.hide_results {
            None
        } else if !visible {
            Some(t.get(match poll.results_visibility {
                ResultsVisibility::AfterVote => "results-after-vote",
                ResultsVisibility::AfterClose => "results-after-close",
                _ => "results-private",
            }))
        } else {
            None
        };
        let show_results = visible && !view.hide_results && snapshot.is_some();
        let row = |id: String, label: String, votes: u64| {
            let percent = if total == 0 {
                0
            } else {
                ((votes as f64 / total as f64) * 100.0).round() as u8
            };
            OptionRow {
                chosen: voted.is_some_and(|v| v.contains(&id)),
                move_up: t.format("move-up", &[("label", Arg::Str(&label))]),
                move_down: t.format("move-down", &[("label", Arg::Str(&label))]),
                votes_text: t.format("votes", &[("count", Arg::Num(votes as f64))]),
                share_text: t.format("share", &[("share", Arg::Num(f64::from(percent)))]),
                id,
                label,
                votes,
                percent,
            }
        };
        let options = poll
            .options
            .iter()
            .map(|o| {
                let votes = snapshot.map_or(0, |s| s.votes_for(&o.id));
                row(o.id.as_str().to_owned(), shown(&o.label), votes)
            })
            .collect::<Vec<_>>();
        let max_score = poll.rating_scale();
        let scores = if poll.kind == PollKind::Rating {
            (1..=max_score)
                .map(|score| {
                    let votes = match snapshot.map(|s| &s.detail) {
                        Some(KindResults::Rating { distribution, .. }) => distribution
                            .iter()
                            .find(|d| d.score == score)
                            .map_or(0, |d| d.votes),
                        _ => 0,
                    };
                    let label = t.format(
                        "score-label",
                        &[
                            ("score", Arg::Num(f64::from(score))),
                            ("max", Arg::Num(f64::from(max_score))),
                        ],
                    );
                    row(score.to_string(), label, votes)
                })
                .collect()
        } else {
            Vec::new()
        };
        let label_of = |id: &str| {
            poll.options
                .iter()
                .find(|o| o.id.as_str() == id)
                .map_or_else(|| id.to_owned(), |o| shown(&o.label))
        };
        let summary = snapshot.and_then(|s| match &s.detail {
            KindResults::Rating {
                mean: Some(mean), ..
            } => Some(t.format(
                "average",
                &[
                    ("mean", Arg::Num(*mean)),
                    ("max", Arg::Num(f64::from(max_score))),
                ],
            )),
            KindResults::OpenText { total_entries, .. } => {
                Some(t.format("entries", &[("count", Arg::Num(*total_entries as f64))]))
            }
            KindResults::Ranked { rounds } => rounds.last().and_then(|last| {
                if let Some(winner) = &last.winner {
                    let label = label_of(winner.as_str());
                    Some(t.format(
                        "runoff-winner",
                        &[
                            ("label", Arg::Str(&label)),
                            ("rounds", Arg::Num(f64::from(last.round))),
                        ],
                    ))
                } else if last.tied.is_empty() {
                    None
                } else {
                    let labels: Vec<String> =
                        last.tied.iter().map(|id| label_of(id.as_str())).collect();
                    Some(t.format("runoff-tie", &[("labels", Arg::Str(&labels.join(", ")))]))
                }
            }),
            _ => None,
        });
        let rounds = match snapshot.map(|s| &s.detail) {
            Some(KindResults::Ranked { rounds }) => round_lines(t, rounds, label_of),
            _ => Vec::new(),
        };
        let your_choice = voted.map(|ids| {
            if poll.kind == PollKind::OpenText {
                return t.get("you-answered");
            }
            let labels: Vec<String> = if poll.kind == PollKind::Rating {
                ids.clone()
            } else {
                ids.iter().map(|id| label_of(id)).collect()
            };
            t.format("your-choice", &[("choice", Arg::Str(&labels.join(", ")))])
        });
        let settings = poll.open_text.unwrap_or_default();
        let hint = match poll.kind {
            PollKind::Single => String::new(),
            PollKind::OpenText => t.format(
                "open-text-hint",
                &[
                    ("max", Arg::Num(f64::from(settings.max_entries_per_voter))),
                    ("length", Arg::Num(f64::from(settings.max_length))),
                ],
            ),
            PollKind::Rating => t.format("rating-hint", &[("max", Arg::Num(f64::from(max_score)))]),
            PollKind::Ranked => t.get("ranked-hint"),
            PollKind::Multiple => {
                let (min, max) = (f64::from(poll.min_choices), f64::from(poll.max_choices));
                if min == max {
                    t.format("choose-exactly", &[("min", Arg::Num(min))])
                } else if min <= 1.0 {
                    t.format("choose-up-to", &[("max", Arg::Num(max))])
                } else {
                    t.format(
                        "choose-between",
                        &[("min", Arg::Num(min)), ("max", Arg::Num(max))],
                    )
                }
            }
        };
        let opens_at = (status == PollStatus::Scheduled)
            .then_some(poll.opens_at)
            .flatten()
            .map(|at| {
                let iso = at.to_string();
                (
                    iso.clone(),
                    t.format("opens-at", &[("time", Arg::Str(&iso))]),
                )
            });
        let status_text = status_text(t, status);
        let entry_inputs = if poll.kind == PollKind::OpenText {
            (1..=settings.max_entries_per_voter)
                .map(|n| t.format("entry-label", &[("n", Arg::Num(f64::from(n)))]))
                .collect()
        } else {
            Vec::new()
        };
        let terms = match snapshot.map(|s| &s.detail) {
            Some(KindResults::OpenText { terms, .. }) => terms
                .iter()
                .map(|term| TermRow {
                    text: shown(&term.text),
                    count: term.count,
                    count_text: t.format("entries", &[("count", Arg::Num(term.count as f64))]),
                })
                .collect(),
            _ => Vec::new(),
        };
        Self {
            entry_inputs,
            max_length: settings.max_length,
            terms,
            question: shown(&poll.question),
            // Relative, like every URL the page loads: it works whatever name the server is
            // reached by (a proxy, a CDN, a test on a free port).
            form_action: format!("/p/{}/vote", poll.id),
            strings_json: script_strings(t),
            oembed_href: format!(
                "{base}/oembed?format=json&url={}",
                urlencode(&format!("{base}/p/{}", poll.id))
            ),
            // Where voters may change their minds, the form stays open to them.
            can_vote: status == PollStatus::Open
                && (voted.is_none() || poll.vote_change == VoteChange::WhileOpen),
            total_text: t.format("votes", &[("count", Arg::Num(total as f64))]),
            kind: poll.kind.as_str(),
            status: status.as_str(),
            visibility: match poll.results_visibility {
                ResultsVisibility::Always => "always",
                ResultsVisibility::AfterVote => "after_vote",
                ResultsVisibility::AfterClose => "after_close",
                ResultsVisibility::OwnerOnly => "owner_only",
            },
            stars: max_score <= 5,
            t,
            view,
            base,
            poll,
            hint,
            options,
            scores,
            max_score,
            show_results,
            results_note,
            summary,
            rounds,
            your_choice,
            message,
            opens_at,
            status_text,
        }
    }

    /// The rows the results list shows: options, or scores for rating polls.
    pub fn result_rows(&self) -> &[OptionRow] {
        if self.poll.kind == PollKind::Rating {
            &self.scores
        } else {
            &self.options
        }
    }
}

/// The messages the page's script needs, plural ones in every form.
/// A poll's status in words ("Open"): the poll page's and the console's.
pub fn status_text(t: Text, status: PollStatus) -> String {
    t.get(&format!("status-{}", status.as_str()))
}

/// The instant-runoff rounds of a ranked poll, a line each ("Round 1: A 3, B 2 · out: B"):
/// the poll page's and the console's.
pub fn round_lines(
    t: Text,
    rounds: &[RunoffRound],
    label_of: impl Fn(&str) -> String,
) -> Vec<String> {
    rounds
        .iter()
        .map(|r| {
            let tallies: Vec<String> = r
                .tallies
                .iter()
                .map(|c| format!("{} {}", label_of(c.id.as_str()), c.votes))
                .collect();
            let mut line = t.format(
                "round-line",
                &[
                    ("round", Arg::Num(f64::from(r.round))),
                    ("tallies", Arg::Str(&tallies.join(", "))),
                ],
            );
            if !r.eliminated.is_empty() {
                let out: Vec<String> = r
                    .eliminated
                    .iter()
                    .map(|id| label_of(id.as_str()))
                    .collect();
                line.push_str(" · ");
                line.push_str(
                    &t.format("round-eliminated", &[("labels", Arg::Str(&out.join(", ")))]),
                );
            }
            line
        })
        .collect()
}

fn script_strings(t: Text) -> String {
    let plain = [
        "vote",
        "you-voted",
        "change-vote",
        "thanks",
        "sending",
        "choose-option",
        "choose-score",
        "live-connecting",
        "live-on",
        "live-reconnecting",
        "live-polling",
        "results-after-vote",
        "status-open",
        "status-closed",
        "status-scheduled",
        "status-draft",
        "error-already-voted",
        "error-poll-closed",
        "error-poll-not-open",
        "error-invalid-choice",
        "error-verified-only",
        "error-busy",
        "error-network",
        "error-rate-limited",
        "verifying",
        "error-verification",
        "send-answers",
        "you-answered",
        "terms-empty",
        "write-entry",
        "error-entry",
    ];
    let mut strings = serde_json::Map::new();
    for id in plain {
        strings.insert(id.to_owned(), json!(t.get(id)));
    }
    strings.insert(
        "your-choice".into(),
        json!(t.format("your-choice", &[("choice", Arg::Str("{choice}"))])),
    );
    strings.insert(
        "share".into(),
        json!(t.format("share", &[("share", Arg::Str("{share}"))])),
    );
    strings.insert(
        "average".into(),
        json!(t.format(
            "average",
            &[("mean", Arg::Str("{mean}")), ("max", Arg::Str("{max}"))]
        )),
    );
    strings.insert(
        "opens-at".into(),
        json!(t.format("opens-at", &[("time", Arg::Str("{time}"))])),
    );
    strings.insert(
        "round-line".into(),
        json!(t.format(
            "round-line",
            &[
                ("round", Arg::Str("{round}")),
                ("tallies", Arg::Str("{tallies}"))
            ]
        )),
    );
    strings.insert(
        "round-eliminated".into(),
        json!(t.format("round-eliminated", &[("labels", Arg::Str("{labels}"))])),
    );
    strings.insert(
        "runoff-tie".into(),
        json!(t.format("runoff-tie", &[("labels", Arg::Str("{labels}"))])),
    );
    strings.insert("votes".into(), json!(t.plural_forms("votes", "count", &[])));
    strings.insert(
        "entries".into(),
        json!(t.plural_forms("entries", "count", &[])),
    );
    strings.insert(
        "watching".into(),
        json!(t.plural_forms("watching", "count", &[])),
    );
    strings.insert(
        "runoff-winner".into(),
        json!(t.plural_forms("runoff-winner", "rounds", &["label"])),
    );
    serde_json::Value::Object(strings)
        .to_string()
        .replace('<', "\\u003c")
}

/// A poll owner's text as the page shows it: without the invisible characters that override
/// or embed a writing direction (U+202A..U+202E, U+2066..U+2069), with which a label can
/// show text in another order than it is (`gnp.exe` as `exe.png`). The page isolates each
/// text itself (`unicode-bidi: plaintext`), so right-to-left text still reads right.
pub fn shown(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect()
}

/// Percent-encodes everything but unreserved characters.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_overrides_are_not_shown() {
        assert_eq!(shown("invoice\u{202E}gnp.exe"), "invoicegnp.exe");
        assert_eq!(shown("a\u{2066}b\u{2069}c\u{202A}d"), "abcd");
        assert_eq!(shown("مرحبا hello"), "مرحبا hello");
    }
}
