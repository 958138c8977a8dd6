//! Hints in tiers, and the small file that remembers which tiers a learner has seen.
//!
//! `hints/<id>.md` has three sections, `## 1` (a nudge), `## 2` (a direction) and `## 3`
//! (a skeleton to fill in); anything before `## 1` is a preamble that is not shown. `hint <id>`
//! shows the next tier each time; `hint <id> N` shows tier N. The tiers seen are kept in
//! `.hints-seen` (one `<id> <tier>` per line, git-ignored): the one piece of state the runner
//! keeps, and harmless if deleted.

use std::collections::BTreeMap;

/// Every exercise has exactly this many tiers.
pub const TIERS: usize = 3;

/// The file, in the exercises crate, that remembers the tiers seen.
pub const SEEN_FILE: &str = ".hints-seen";

/// The tiers of one hints file, in order: `tiers[0]` is `## 1`.
pub fn parse_tiers(text: &str) -> Result<Vec<String>, String> {
    let mut tiers: Vec<(usize, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let number = heading.split_whitespace().next().unwrap_or("");
            let tier: usize = number
                .parse()
                .map_err(|_| format!("`{line}`: a hint heading is `## <tier number>`"))?;
            if tier != tiers.len() + 1 {
                return Err(format!(
                    "`{line}`: expected `## {}` (the tiers are numbered 1 to {TIERS}, in order)",
                    tiers.len() + 1
                ));
            }
            tiers.push((tier, Vec::new()));
        } else if let Some((_, body)) = tiers.last_mut() {
            body.push(line);
        }
    }
    if tiers.len() != TIERS {
        return Err(format!(
            "has {} tier(s); every exercise has {TIERS}: `## 1` (a nudge), `## 2` (a direction), \
             `## 3` (a skeleton to fill in)",
            tiers.len()
        ));
    }
    tiers
        .into_iter()
        .map(|(tier, body)| {
            let body = body.join("\n").trim().to_string();
            if body.is_empty() {
                Err(format!("tier {tier} is empty"))
            } else {
                Ok(body)
            }
        })
        .collect()
}

/// The highest tier seen, per exercise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen(BTreeMap<String, usize>);

impl Seen {
    /// Reads the seen-file's text. Lines it cannot read are ignored: the worst outcome is a
    /// hint shown again.
    pub fn parse(text: &str) -> Seen {
        let mut seen = Seen::default();
        for line in text.lines() {
            if let Some((id, tier)) = line.split_once(' ')
                && let Ok(tier) = tier.trim().parse::<usize>()
            {
                seen.record(id, tier.min(TIERS));
            }
        }
        seen
    }

    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|(id, tier)| format!("{id} {tier}\n"))
            .collect()
    }

    pub fn get(&self, id: &str) -> usize {
        self.0.get(id).copied().unwrap_or(0)
    }

    /// Remembers that `tier` of `id` was shown (the highest tier seen is kept).
    pub fn record(&mut self, id: &str, tier: usize) {
        let entry = self.0.entry(id.to_string()).or_insert(0);
        *entry = (*entry).max(tier);
    }

    /// The tier `hint <id>` shows next: one past the highest seen, or the last one again.
    pub fn next_tier(&self, id: &str) -> usize {
        (self.get(id) + 1).min(TIERS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINTS: &str = "# Hints for p1_x\n\npreamble\n\n## 1\nLook at Drop.\n\n## 2 A direction\nThe guard needs a reference.\n\n## 3\n```rust\nimpl Drop for G {}\n```\n";

    #[test]
    fn splits_the_three_tiers_and_drops_the_preamble() {
        let tiers = parse_tiers(HINTS).expect("valid");
        assert_eq!(
            tiers,
            vec![
                "Look at Drop.".to_string(),
                "The guard needs a reference.".to_string(),
                "```rust\nimpl Drop for G {}\n```".to_string(),
            ]
        );
    }

    #[test]
    fn rejects_missing_empty_or_misnumbered_tiers() {
        assert!(parse_tiers("## 1\na\n## 2\nb\n").is_err());
        assert!(parse_tiers("## 1\na\n## 3\nb\n## 2\nc\n").is_err());
        assert!(parse_tiers("## 1\na\n## 2\n\n## 3\nc\n").is_err());
        assert!(parse_tiers("## One\na\n").is_err());
    }

    #[test]
    fn each_hint_shows_the_next_tier_then_stays_on_the_last() {
        let mut seen = Seen::default();
        let mut shown = Vec::new();
        for _ in 0..4 {
            let tier = seen.next_tier("p1_x");
            seen.record("p1_x", tier);
            shown.push(tier);
        }
        assert_eq!(shown, [1, 2, 3, 3]);
        assert_eq!(seen.next_tier("p1_other"), 1, "tiers are per exercise");
    }

    #[test]
    fn asking_for_a_tier_keeps_the_highest_seen() {
        let mut seen = Seen::default();
        seen.record("p1_x", 3);
        seen.record("p1_x", 1);
        assert_eq!(seen.get("p1_x"), 3);
    }

    #[test]
    fn the_seen_file_round_trips_and_tolerates_junk() {
        let mut seen = Seen::default();
        seen.record("p1_b", 2);
        seen.record("p1_a", 1);
        let text = seen.to_text();
        assert_eq!(text, "p1_a 1\np1_b 2\n");
        assert_eq!(Seen::parse(&text), seen);
        let junk = Seen::parse("garbage\np1_a x\np1_c 9\n");
        assert_eq!(junk.get("p1_a"), 0);
        assert_eq!(junk.get("p1_c"), TIERS);
    }
}
