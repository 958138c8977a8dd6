//! The ordered list of exercises, read from `manifest.toml`.
//!
//! Everything else (the progress table, the hints, `verify`) goes by this list: an exercise
//! exists when it has an entry here, and its files are named after its `id`.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use serde::Deserialize;

/// Where the manifest lives, relative to the exercises crate.
pub const MANIFEST_FILE: &str = "manifest.toml";

/// The parts of the workshop an exercise can belong to.
const PARTS: std::ops::RangeInclusive<u8> = 1..=4;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// `p<part>_<name>`; also the file stem of the stub, tests, solution, hints and variants.
    pub id: String,
    pub part: u8,
    pub title: String,
    /// Where the lesson explains what the exercise builds.
    pub lesson: String,
    /// A fair time estimate, in minutes, for a learner who has read the lesson.
    pub minutes: u32,
    /// Tests that may pass on the untouched stub; normally none.
    #[serde(default)]
    pub stub_may_pass: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "exercise")]
    pub exercises: Vec<Exercise>,
}

impl Manifest {
    /// Reads and checks `manifest.toml` in `crate_dir`.
    pub fn load(crate_dir: &Path) -> Result<Manifest, String> {
        let path = crate_dir.join(MANIFEST_FILE);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses a manifest and checks each entry; every problem is listed in the error.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        let problems = manifest.problems();
        if problems.is_empty() {
            Ok(manifest)
        } else {
            Err(problems.join("\n"))
        }
    }

    pub fn get(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// The exercise called `id`, or an error that lists the known ids.
    pub fn find(&self, id: &str) -> Result<&Exercise, String> {
        self.get(id).ok_or_else(|| {
            let known: Vec<&str> = self.ids().collect();
            format!(
                "no exercise called {id:?}; the exercises are: {}",
                known.join(", ")
            )
        })
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.exercises.iter().map(|e| e.id.as_str())
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.exercises.is_empty() {
            problems.push("the manifest lists no exercise".to_string());
        }
        let mut seen = HashSet::new();
        for exercise in &self.exercises {
            let id = &exercise.id;
            if !seen.insert(id.as_str()) {
                problems.push(format!("{id}: listed twice"));
            }
            if !PARTS.contains(&exercise.part) {
                problems.push(format!(
                    "{id}: part {} is not a part of the workshop ({}–{})",
                    exercise.part,
                    PARTS.start(),
                    PARTS.end()
                ));
            } else if !id_is_valid(id, exercise.part) {
                problems.push(format!(
                    "{id}: an id is `p{}_` followed by lowercase letters, digits and `_`",
                    exercise.part
                ));
            }
            if exercise.title.trim().is_empty() {
                problems.push(format!("{id}: the title is empty"));
            }
            if exercise.lesson.trim().is_empty() {
                problems.push(format!("{id}: the lesson section is empty"));
            }
            if exercise.minutes == 0 {
                problems.push(format!("{id}: `minutes` must be a time estimate above 0"));
            }
        }
        problems
    }
}

/// `p<part>_<name>` with a non-empty name of lowercase letters, digits and underscores: a valid
/// Rust module name and file stem.
fn id_is_valid(id: &str, part: u8) -> bool {
    id.strip_prefix(&format!("p{part}_")).is_some_and(|name| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
        [[exercise]]
        id = "p1_guard"
        part = 1
        title = "A guard"
        lesson = "part1-threads/README.md"
        minutes = 15
    "#;

    #[test]
    fn parses_an_entry_with_defaults() {
        let manifest = Manifest::parse(ONE).expect("valid");
        assert_eq!(manifest.exercises.len(), 1);
        assert_eq!(manifest.exercises[0].id, "p1_guard");
        assert!(manifest.exercises[0].stub_may_pass.is_empty());
        assert!(manifest.find("p1_guard").is_ok());
        let missing = manifest.find("p9_x").expect_err("unknown");
        assert!(
            missing.contains("p1_guard"),
            "lists the known ids: {missing}"
        );
    }

    #[test]
    fn lists_every_problem() {
        let text = format!(
            "{ONE}{}",
            r#"
            [[exercise]]
            id = "p1_guard"
            part = 2
            title = " "
            lesson = "x"
            minutes = 0
            "#
        );
        let error = Manifest::parse(&text).expect_err("invalid");
        for expected in ["listed twice", "`p2_`", "title is empty", "above 0"] {
            assert!(
                error.contains(expected),
                "{expected:?} missing from:\n{error}"
            );
        }
    }

    #[test]
    fn rejects_unknown_fields_and_bad_parts() {
        let typo = ONE.replace("minutes", "minute");
        assert!(Manifest::parse(&typo).is_err());
        let error = Manifest::parse(&ONE.replace("part = 1", "part = 7")).expect_err("part 7");
        assert!(error.contains("not a part"), "{error}");
    }

    #[test]
    fn ids_are_module_names_with_their_part() {
        assert!(id_is_valid("p1_thread_pool", 1));
        assert!(id_is_valid("p2_timer2", 2));
        assert!(!id_is_valid("p1_thread_pool", 2));
        assert!(!id_is_valid("p1_", 1));
        assert!(!id_is_valid("p1_Pool", 1));
        assert!(!id_is_valid("p1_thread-pool", 1));
    }
}
