//! Instant-runoff rounds, computed from aggregated ballots: each distinct ranking once, with
//! the number of voters who cast it. The work per recount grows with the number of *distinct*
//! rankings, not with the number of votes, so a poll with a million ballots recounts as fast
//! as one with a thousand when voters rank alike (they do: most rank the top few options).
//!
//! The rules, which `docs/api.md` states for integrators:
//! - each round, a ballot counts for its highest-ranked option still in the race; a ballot
//!   with none left is `exhausted`;
//! - an option with more than half of the round's continuing ballots wins;
//! - if every option still in the race has the same count, the race ends in a tie;
//! - otherwise every option with zero votes is eliminated at once (that never changes the
//!   outcome) or, if none has zero, the one with the fewest votes. A tie for fewest is broken
//!   by fewer votes in the previous rounds, latest first, then by the later position.

use serde::{Deserialize, Serialize};

use crate::{OptionCount, OptionId};

/// One round of an instant-runoff count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunoffRound {
    /// 1-based.
    pub round: u32,
    /// The options still in the race this round, in poll order, with their counts.
    pub tallies: Vec<OptionCount>,
    /// Ballots that rank no option still in the race.
    pub exhausted: u64,
    /// Options eliminated at the end of this round.
    pub eliminated: Vec<OptionId>,
    /// Set on the last round when one option won.
    pub winner: Option<OptionId>,
    /// Set on the last round when the remaining options tied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tied: Vec<OptionId>,
}

/// Counts the rounds. `options` is the poll's options in order; each ballot is a ranking
/// (most preferred first) with the number of voters who cast it. Ids in a ballot that are not
/// options (an option removed since, which only an option without votes can be) are skipped.
/// With no ballots at all there is nothing to count and the result is empty.
pub fn instant_runoff<'a, I>(options: &[OptionId], ballots: I) -> Vec<RunoffRound>
where
    I: IntoIterator<Item = (&'a [OptionId], u64)>,
{
    // Ballots as option indexes, so each round is integer work.
    let ballots: Vec<(Vec<usize>, u64)> = ballots
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(ranking, n)| {
            let ranks = ranking
                .iter()
                .filter_map(|id| options.iter().position(|o| o == id))
                .collect();
            (ranks, n)
        })
        .collect();
    if ballots.is_empty() {
        return Vec::new();
    }
    let mut active = vec![true; options.len()];
    let mut history: Vec<Vec<u64>> = Vec::new();
    let mut rounds = Vec::new();
    loop {
        let mut counts = vec![0u64; options.len()];
        let mut exhausted = 0u64;
        for (ranks, n) in &ballots {
            match ranks.iter().find(|&&i| active[i]) {
                Some(&i) => counts[i] += n,
                None => exhausted += n,
            }
        }
        let in_race: Vec<usize> = (0..options.len()).filter(|&i| active[i]).collect();
        let continuing: u64 = in_race.iter().map(|&i| counts[i]).sum();
        let mut round = RunoffRound {
            round: rounds.len() as u32 + 1,
            tallies: in_race
                .iter()
                .map(|&i| OptionCount {
                    id: options[i].clone(),
                    votes: counts[i],
                })
                .collect(),
            exhausted,
            eliminated: Vec::new(),
            winner: None,
            tied: Vec::new(),
        };
        if let Some(&w) = in_race.iter().find(|&&i| counts[i] * 2 > continuing) {
            round.winner = Some(options[w].clone());
            rounds.push(round);
            return rounds;
        }
        let first = in_race.first().map_or(0, |&i| counts[i]);
        if in_race.iter().all(|&i| counts[i] == first) {
            round.tied = in_race.iter().map(|&i| options[i].clone()).collect();
            rounds.push(round);
            return rounds;
        }
        let out: Vec<usize> = if in_race.iter().any(|&i| counts[i] == 0) {
            in_race
                .iter()
                .copied()
                .filter(|&i| counts[i] == 0)
                .collect()
        } else {
            // Fewest now, then fewest in earlier rounds (latest first), then the later position.
            let key = |i: usize| {
                let mut k = vec![counts[i]];
                k.extend(history.iter().rev().map(|h| h[i]));
                (k, std::cmp::Reverse(i))
            };
            in_race
                .iter()
                .copied()
                .min_by_key(|&i| key(i))
                .into_iter()
                .collect()
        };
        for &i in &out {
            active[i] = false;
        }
        round.eliminated = out.iter().map(|&i| options[i].clone()).collect();
        rounds.push(round);
        history.push(counts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<OptionId> {
        (0..n)
            .map(|i| OptionId::parse(&format!("o{i}")).unwrap())
            .collect()
    }

    fn tallies(round: &RunoffRound) -> Vec<(String, u64)> {
        round
            .tallies
            .iter()
            .map(|t| (t.id.to_string(), t.votes))
            .collect()
    }

    /// The capital-of-Tennessee example: Memphis leads the first round but Knoxville wins.
    #[test]
    fn the_tennessee_example() {
        let o = ids(4); // 0 Memphis, 1 Nashville, 2 Chattanooga, 3 Knoxville
        let ballots = [
            (
                vec![o[0].clone(), o[1].clone(), o[2].clone(), o[3].clone()],
                42,
            ),
            (
                vec![o[1].clone(), o[2].clone(), o[3].clone(), o[0].clone()],
                26,
            ),
            (
                vec![o[2].clone(), o[3].clone(), o[1].clone(), o[0].clone()],
                15,
            ),
            (
                vec![o[3].clone(), o[2].clone(), o[1].clone(), o[0].clone()],
                17,
            ),
        ];
        let rounds = instant_runoff(&o, ballots.iter().map(|(b, n)| (b.as_slice(), *n)));
        assert_eq!(rounds.len(), 3);
        assert_eq!(
            tallies(&rounds[0]),
            [
                ("o0".into(), 42),
                ("o1".into(), 26),
                ("o2".into(), 15),
                ("o3".into(), 17)
            ]
        );
        assert_eq!(rounds[0].eliminated, [o[2].clone()]);
        assert_eq!(
            tallies(&rounds[1]),
            [("o0".into(), 42), ("o1".into(), 26), ("o3".into(), 32)]
        );
        assert_eq!(rounds[1].eliminated, [o[1].clone()]);
        assert_eq!(tallies(&rounds[2]), [("o0".into(), 42), ("o3".into(), 58)]);
        assert_eq!(rounds[2].winner, Some(o[3].clone()));
    }

    #[test]
    fn partial_rankings_exhaust_and_zero_options_go_at_once() {
        let o = ids(4);
        let ballots = [
            (vec![o[0].clone()], 3),
            (vec![o[1].clone()], 2),
            (vec![o[2].clone(), o[1].clone()], 2),
        ];
        let rounds = instant_runoff(&o, ballots.iter().map(|(b, n)| (b.as_slice(), *n)));
        // Round 1: 3/2/2/0 of 7, no majority; o3 has none and goes alone.
        assert_eq!(rounds[0].eliminated, [o[3].clone()]);
        // Round 2: o1 and o2 tie for fewest with equal history; the later one (o2) goes.
        assert_eq!(rounds[1].eliminated, [o[2].clone()]);
        // Round 3: o1 has 4 of 7.
        assert_eq!(tallies(&rounds[2]), [("o0".into(), 3), ("o1".into(), 4)]);
        assert_eq!(rounds[2].winner, Some(o[1].clone()));
        assert_eq!(rounds[2].exhausted, 0);
    }

    #[test]
    fn exhausted_ballots_leave_the_majority_threshold() {
        let o = ids(3);
        let ballots = [
            (vec![o[0].clone()], 4),
            (vec![o[1].clone()], 3),
            (vec![o[2].clone()], 2),
        ];
        let rounds = instant_runoff(&o, ballots.iter().map(|(b, n)| (b.as_slice(), *n)));
        assert_eq!(rounds[1].exhausted, 2);
        // 4 of the 7 continuing ballots is a majority even though it is not one of all 9.
        assert_eq!(rounds[1].winner, Some(o[0].clone()));
    }

    #[test]
    fn an_even_split_is_a_tie_and_no_ballots_no_rounds() {
        let o = ids(2);
        let ballots = [(vec![o[0].clone()], 5), (vec![o[1].clone()], 5)];
        let rounds = instant_runoff(&o, ballots.iter().map(|(b, n)| (b.as_slice(), *n)));
        assert_eq!(rounds.len(), 1);
        assert_eq!(rounds[0].winner, None);
        assert_eq!(rounds[0].tied, o);
        assert!(instant_runoff(&o, std::iter::empty()).is_empty());
    }
}
