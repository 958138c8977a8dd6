//! The first proof: every exercise has all of its pieces, and no piece belongs to nothing.
//!
//! For each manifest entry `<id>`: a stub `src/<id>.rs`, tests `tests/<id>.rs`, a solution `solutions/<id>.rs`, hints
//! `hints/<id>.md` in three tiers, at least [`MIN_WRONG_VARIANTS`] wrong variants
//! `wrong/<id>/*.rs`, a `[[test]] name = "<id>" test = false` entry in `Cargo.toml`, and at the
//! top of its tests the module declaration that includes the stub, the solution or a variant;
//! and in its tests, no assertion without a message ([`crate::assertions`]). A file or entry
//! with no manifest entry is an orphan, and an error too: an exercise that exists on disk but
//! not in the manifest would be skipped by every check.
//!
//! That an untouched stub holds a `//!` task description, a `// TODO:` and a `todo!()` is a
//! separate check ([`untouched_stub_problems`]): `verify` runs it on the tree CI checks out,
//! while [`check`] also runs as a unit test in a learner's tree, where stubs get solved.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::assertions;
use crate::hints;
use crate::manifest::Manifest;

/// Fewer wrong variants would make "the tests catch mistakes" a claim about one mistake.
pub const MIN_WRONG_VARIANTS: usize = 2;

/// Files in `src/` that are not exercises.
const NOT_EXERCISES: [&str; 2] = ["lib", "harness"];

/// The exercise-related contents of the crate directory, read once.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// `src/<stem>.rs` (minus [`NOT_EXERCISES`]) → contents.
    pub stubs: BTreeMap<String, String>,
    /// `tests/<stem>.rs` → contents.
    pub tests: BTreeMap<String, String>,
    /// `solutions/<stem>.rs`.
    pub solutions: BTreeSet<String>,
    /// `hints/<stem>.md` → contents.
    pub hints: BTreeMap<String, String>,
    /// `wrong/<id>/` → the stems of its `.rs` files.
    pub wrong: BTreeMap<String, BTreeSet<String>>,
    /// Files where only the kinds above belong (`solutions/notes.txt`, `wrong/x.rs`...).
    pub strays: Vec<String>,
    /// The `[[test]]` entries of `Cargo.toml`.
    pub test_targets: Vec<TestTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TestTarget {
    pub name: String,
    pub test: Option<bool>,
    pub path: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CargoToml {
    #[serde(rename = "test", default)]
    tests: Vec<TestTarget>,
}

impl Layout {
    pub fn read(crate_dir: &Path) -> Result<Layout, String> {
        let mut layout = Layout::default();
        for (stem, contents) in files_with_contents(crate_dir, "src", "rs", &mut layout.strays)? {
            if !NOT_EXERCISES.contains(&stem.as_str()) {
                layout.stubs.insert(stem, contents);
            }
        }
        layout.tests = files_with_contents(crate_dir, "tests", "rs", &mut layout.strays)?;
        layout.solutions = files(crate_dir, "solutions", "rs", &mut layout.strays)?;
        layout.hints = files_with_contents(crate_dir, "hints", "md", &mut layout.strays)?;
        let wrong_dir = crate_dir.join("wrong");
        for entry in sorted_entries(&wrong_dir)? {
            let name = file_name(&entry);
            if entry.is_dir() {
                let variants = files(&wrong_dir, &name, "rs", &mut layout.strays)?;
                layout.wrong.insert(name, variants);
            } else {
                layout.strays.push(format!("wrong/{name}"));
            }
        }
        let cargo_toml = read(&crate_dir.join("Cargo.toml"))?;
        let cargo: CargoToml =
            toml::from_str(&cargo_toml).map_err(|e| format!("exercises/Cargo.toml: {e}"))?;
        layout.test_targets = cargo.tests;
        Ok(layout)
    }
}

/// Every problem found, one line each, empty when the exercises are one-to-one.
pub fn check(manifest: &Manifest, layout: &Layout) -> Vec<String> {
    let mut problems = Vec::new();
    for id in manifest.ids() {
        let mut problem = |what: String| problems.push(format!("{id}: {what}"));
        if !layout.stubs.contains_key(id) {
            problem(format!("no stub src/{id}.rs"));
        }
        let tests = layout.tests.get(id).map(|t| code_without_whitespace(t));
        if tests.is_none() {
            problem(format!("no tests tests/{id}.rs"));
        }
        if !layout.solutions.contains(id) {
            problem(format!("no solution solutions/{id}.rs"));
        }
        match layout.hints.get(id) {
            None => problem(format!("no hints hints/{id}.md")),
            Some(text) => {
                if let Err(e) = hints::parse_tiers(text) {
                    problem(format!("hints/{id}.md: {e}"));
                }
            }
        }
        let variants = layout.wrong.get(id).cloned().unwrap_or_default();
        if variants.len() < MIN_WRONG_VARIANTS {
            problem(format!(
                "{} wrong variant(s) in wrong/{id}/; at least {MIN_WRONG_VARIANTS} are needed",
                variants.len()
            ));
        }
        let targets: Vec<&TestTarget> = layout
            .test_targets
            .iter()
            .filter(|t| t.name == id)
            .collect();
        match targets.as_slice() {
            [] => problem(format!(
                "no `[[test]] name = \"{id}\"` with `test = false` in exercises/Cargo.toml"
            )),
            [target] => {
                if target.test != Some(false) {
                    problem(
                        "its [[test]] entry needs `test = false` (or `cargo test --workspace` \
                         runs the failing stub)"
                            .to_string(),
                    );
                }
                let expected_path = format!("tests/{id}.rs");
                if target.path.as_ref().is_some_and(|p| *p != expected_path) {
                    problem(format!("its [[test]] entry must use {expected_path}"));
                }
            }
            _ => problem("more than one [[test]] entry".to_string()),
        }
        if let Some(source) = layout.tests.get(id) {
            problems.extend(assertions::silent_assertions(source).into_iter().map(|silent| {
                format!(
                    "{id}: tests/{id}.rs:{}: `{}!` has no message; add one that says what is \
                     wrong and the likely mistake (it is the first thing a learner reads)",
                    silent.line, silent.macro_name
                )
            }));
        }
        if let Some(tests) = &tests {
            problems.extend(
                missing_declarations(tests, id, &variants)
                    .into_iter()
                    .map(|line| {
                        format!("{id}: the module declaration in tests/{id}.rs lacks `{line}`")
                    }),
            );
        }
    }
    problems.extend(orphans(manifest, layout));
    problems
}

/// Every stub that is not as a learner must find it: a `//!` task, a `// TODO:` and a
/// `todo!()` body. Only `verify` asks this, of the untouched tree CI checks out: in a
/// learner's working tree the stubs are being solved, and [`check`] must still pass there.
pub fn untouched_stub_problems(manifest: &Manifest, layout: &Layout) -> Vec<String> {
    let mut problems = Vec::new();
    for id in manifest.ids() {
        let Some(stub) = layout.stubs.get(id) else {
            continue; // `check` names the missing stub.
        };
        let mut problem = |what: String| problems.push(format!("{id}: {what}"));
        if !stub.starts_with("//!") {
            problem(format!(
                "src/{id}.rs does not start with a `//!` doc (the task, why it matters, the \
                 lesson section)"
            ));
        }
        if !stub.contains("// TODO:") {
            problem(format!("src/{id}.rs has no `// TODO:` saying what to do"));
        }
        if !stub.contains("todo!(") {
            problem(format!("src/{id}.rs has no `todo!()` body: is it solved?"));
        }
    }
    problems
}

/// The lines of the declaration `pub mod <id>;` at the top of `tests/<id>.rs` (given without
/// comments and whitespace) that are missing: one per code it can include.
fn missing_declarations(tests: &str, id: &str, variants: &BTreeSet<String>) -> Vec<String> {
    let stub = format!(
        "#[cfg_attr(not(any(feature = \"solution\", exercise_variant_of = \"{id}\")), path = \
         \"../src/{id}.rs\")]"
    );
    let solution = format!("#[cfg_attr(feature = \"solution\", path = \"../solutions/{id}.rs\")]");
    let variants = variants.iter().map(|variant| {
        format!(
            "#[cfg_attr(exercise_variant = \"{id}/{variant}\", path = \
             \"../wrong/{id}/{variant}.rs\")]"
        )
    });
    let module = format!("pub mod {id};");
    [stub, solution]
        .into_iter()
        .chain(variants)
        .chain([module])
        .filter(|line| !tests.contains(&code_without_whitespace(line)))
        .collect()
}

/// Pieces that no manifest entry owns.
fn orphans(manifest: &Manifest, layout: &Layout) -> Vec<String> {
    let known: BTreeSet<&str> = manifest.ids().collect();
    let mut problems = Vec::new();
    let mut orphan = |what: String| {
        problems.push(format!(
            "{what} belongs to no exercise in manifest.toml (add the exercise, or remove it)"
        ));
    };
    let groups: [(&str, Vec<&String>); 5] = [
        ("src/{}.rs", layout.stubs.keys().collect()),
        ("tests/{}.rs", layout.tests.keys().collect()),
        ("solutions/{}.rs", layout.solutions.iter().collect()),
        ("hints/{}.md", layout.hints.keys().collect()),
        ("wrong/{}/", layout.wrong.keys().collect()),
    ];
    for (pattern, stems) in groups {
        for stem in stems {
            if !known.contains(stem.as_str()) {
                orphan(pattern.replace("{}", stem));
            }
        }
    }
    for target in &layout.test_targets {
        if !known.contains(target.name.as_str()) {
            orphan(format!(
                "[[test]] {:?} in exercises/Cargo.toml",
                target.name
            ));
        }
    }
    for stray in &layout.strays {
        orphan(stray.clone());
    }
    for (id, tests) in &layout.tests {
        for selected in selected_variants(&code_without_whitespace(tests)) {
            let exists = selected.split_once('/').is_some_and(|(of, variant)| {
                of == id
                    && layout
                        .wrong
                        .get(of)
                        .is_some_and(|variants| variants.contains(variant))
            });
            if !exists {
                problems.push(format!(
                    "tests/{id}.rs selects variant {selected:?}, but there is no \
                     wrong/{selected}.rs for it"
                ));
            }
        }
    }
    problems
}

/// The `<id>/<variant>` of each `exercise_variant = "..."` in whitespace-free code.
fn selected_variants(code: &str) -> Vec<&str> {
    code.split("exercise_variant=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(value, _)| value))
        .collect()
}

/// Code without its comments and whitespace, so that the checks see declarations only and do
/// not depend on how rustfmt wraps them.
fn code_without_whitespace(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // A missing directory simply holds no file; the per-exercise checks name what is missing.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        paths.push(entry.path());
    }
    paths.sort();
    Ok(paths)
}

/// The stems of `<base>/<sub>/*.<ext>`; anything else there is recorded as a stray.
fn files(
    base: &Path,
    sub: &str,
    ext: &str,
    strays: &mut Vec<String>,
) -> Result<BTreeSet<String>, String> {
    let dir = base.join(sub);
    let mut stems = BTreeSet::new();
    for path in sorted_entries(&dir)? {
        let is_wanted = path.is_file() && path.extension().is_some_and(|e| e == ext);
        match path.file_stem() {
            Some(stem) if is_wanted => {
                stems.insert(stem.to_string_lossy().into_owned());
            }
            // A directory of shared test code (`tests/support/`) is not an exercise's.
            _ if sub == "tests" && path.is_dir() => {}
            _ => strays.push(format!("{sub}/{}", file_name(&path))),
        }
    }
    Ok(stems)
}

fn files_with_contents(
    base: &Path,
    sub: &str,
    ext: &str,
    strays: &mut Vec<String>,
) -> Result<BTreeMap<String, String>, String> {
    let dir = base.join(sub);
    let mut contents = BTreeMap::new();
    for stem in files(base, sub, ext, strays)? {
        let text = read(&dir.join(format!("{stem}.{ext}")))?;
        contents.insert(stem, text);
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINTS: &str = "## 1\na nudge\n## 2\na direction\n## 3\nnearly\n";

    fn manifest(ids: &[&str]) -> Manifest {
        let text: String = ids
            .iter()
            .map(|id| {
                format!(
                    "[[exercise]]\nid = \"{id}\"\npart = 1\ntitle = \"t\"\nlesson = \"l\"\n\
                     minutes = 10\n"
                )
            })
            .collect();
        Manifest::parse(&text).expect("valid manifest")
    }

    /// The top of a test file that declares the code under test, as rustfmt writes it.
    fn declaration(id: &str, variants: &[&str]) -> String {
        let mut text = format!(
            "//! Tests.\n\n// Comments may mention `exercise_variant = \"{id}/x\"`.\n\
             #[cfg_attr(\n    not(any(feature = \"solution\", exercise_variant_of = \"{id}\")),\n    \
             path = \"../src/{id}.rs\"\n)]\n\
             #[cfg_attr(feature = \"solution\", path = \"../solutions/{id}.rs\")]\n"
        );
        for variant in variants {
            text += &format!(
                "#[cfg_attr(\n    exercise_variant = \"{id}/{variant}\",\n    \
                 path = \"../wrong/{id}/{variant}.rs\"\n)]\n"
            );
        }
        text + &format!("pub mod {id};\n\n#[test]\nfn t() {{}}\n")
    }

    /// A layout in which `ids` are complete, each with variants `a` and `b`.
    fn complete(ids: &[&str]) -> Layout {
        let mut layout = Layout::default();
        for id in ids {
            let id = id.to_string();
            layout.stubs.insert(
                id.clone(),
                "//! Task.\n// TODO: do it\npub fn f() { todo!() }\n".into(),
            );
            layout
                .tests
                .insert(id.clone(), declaration(&id, &["a", "b"]));
            layout.solutions.insert(id.clone());
            layout.hints.insert(id.clone(), HINTS.into());
            layout
                .wrong
                .insert(id.clone(), ["a", "b"].map(String::from).into());
            layout.test_targets.push(TestTarget {
                name: id.clone(),
                test: Some(false),
                path: None,
            });
        }
        layout
    }

    #[test]
    fn a_complete_layout_has_no_problem() {
        let ids = ["p1_a", "p1_b"];
        assert_eq!(
            check(&manifest(&ids), &complete(&ids)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn names_every_missing_piece() {
        let mut layout = complete(&["p1_a"]);
        layout.tests.clear();
        layout.solutions.clear();
        layout
            .hints
            .insert("p1_a".into(), "## 1\nonly one\n".into());
        layout
            .wrong
            .insert("p1_a".into(), ["a"].map(String::from).into());
        layout.test_targets[0].test = None;
        layout.stubs.clear();
        let problems = check(&manifest(&["p1_a"]), &layout).join("\n");
        for expected in [
            "no stub src/p1_a.rs",
            "no tests tests/p1_a.rs",
            "no solution solutions/p1_a.rs",
            "hints/p1_a.md: has 1 tier(s)",
            "1 wrong variant(s)",
            "needs `test = false`",
        ] {
            assert!(
                problems.contains(expected),
                "{expected:?} missing from:\n{problems}"
            );
        }
    }

    #[test]
    fn a_solved_stub_is_a_problem_for_verify_only() {
        let ids = ["p1_a"];
        let mut layout = complete(&ids);
        layout.stubs.insert("p1_a".into(), "pub fn f() {}\n".into());
        assert_eq!(
            check(&manifest(&ids), &layout),
            Vec::<String>::new(),
            "a learner's solved stub must not fail the layout check `cargo test` runs"
        );
        let problems = untouched_stub_problems(&manifest(&ids), &layout).join("\n");
        for expected in ["`//!` doc", "no `// TODO:`", "no `todo!()` body"] {
            assert!(
                problems.contains(expected),
                "{expected:?} missing from:\n{problems}"
            );
        }
        assert_eq!(
            untouched_stub_problems(&manifest(&ids), &complete(&ids)),
            Vec::<String>::new(),
            "an untouched stub has its task, TODO and todo!()"
        );
    }

    #[test]
    fn names_each_missing_line_of_the_declaration() {
        let mut layout = complete(&["p1_a"]);
        layout
            .wrong
            .get_mut("p1_a")
            .expect("p1_a has variants")
            .insert("c".into());
        let problems = check(&manifest(&["p1_a"]), &layout);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("exercise_variant = \"p1_a/c\""));

        layout
            .tests
            .insert("p1_a".into(), "#[test]\nfn t() {}\n".into());
        let problems = check(&manifest(&["p1_a"]), &layout).join("\n");
        for expected in [
            "path = \"../src/p1_a.rs\"",
            "path = \"../solutions/p1_a.rs\"",
            "path = \"../wrong/p1_a/b.rs\"",
            "`pub mod p1_a;`",
        ] {
            assert!(
                problems.contains(expected),
                "{expected:?} missing from:\n{problems}"
            );
        }
    }

    #[test]
    fn names_each_assertion_without_a_message_by_file_and_line() {
        let mut layout = complete(&["p1_a"]);
        let tests = declaration("p1_a", &["a", "b"])
            + "#[test]\nfn u() {\n    assert_eq!(\n        1,\n        2\n    );\n    \
               assert!(true, \"a message\");\n}\n";
        let line = tests
            .lines()
            .position(|l| l.contains("assert_eq!("))
            .expect("the test has an assert_eq!")
            + 1;
        layout.tests.insert("p1_a".into(), tests);
        let problems = check(&manifest(&["p1_a"]), &layout);
        assert_eq!(
            problems,
            [format!(
                "p1_a: tests/p1_a.rs:{line}: `assert_eq!` has no message; add one that says \
                 what is wrong and the likely mistake (it is the first thing a learner reads)"
            )],
            "exactly the silent assert_eq! is named, at the line of its name"
        );
    }

    #[test]
    fn names_every_orphan() {
        let mut layout = complete(&["p1_a", "p1_gone"]);
        layout.strays.push("solutions/notes.txt".into());
        layout.wrong.get_mut("p1_a").expect("p1_a").remove("b");
        layout
            .wrong
            .get_mut("p1_a")
            .expect("p1_a")
            .insert("c".into());
        let mut tests = declaration("p1_a", &["a", "c"]);
        tests += "#[cfg_attr(exercise_variant = \"p1_a/zzz\", path = \"x\")]\n";
        layout.tests.insert("p1_a".into(), tests);
        let problems = check(&manifest(&["p1_a"]), &layout).join("\n");
        for expected in [
            "src/p1_gone.rs belongs to no exercise",
            "tests/p1_gone.rs belongs",
            "solutions/p1_gone.rs belongs",
            "hints/p1_gone.md belongs",
            "wrong/p1_gone/ belongs",
            "[[test]] \"p1_gone\"",
            "solutions/notes.txt belongs",
            "selects variant \"p1_a/zzz\"",
        ] {
            assert!(
                problems.contains(expected),
                "{expected:?} missing from:\n{problems}"
            );
        }
        assert!(
            !problems.contains("p1_a: "),
            "p1_a is complete:\n{problems}"
        );
    }

    /// Runs in a learner's working tree too, so it leaves the stubs' contents (solved or not)
    /// to `verify`.
    #[test]
    fn the_real_crate_is_one_to_one() {
        let workspace = crate::cargo::Workspace::this();
        let manifest = Manifest::load(&workspace.crate_dir).expect("manifest.toml is valid");
        let layout = Layout::read(&workspace.crate_dir).expect("the crate can be read");
        assert_eq!(check(&manifest, &layout), Vec::<String>::new());
    }
}
