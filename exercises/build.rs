//! Selects a deliberately wrong variant of one exercise at build time.
//!
//! `EXERCISE_VARIANT=<id>/<variant>` becomes `--cfg exercise_variant="<id>/<variant>"` and
//! `--cfg exercise_variant_of="<id>"`: in `tests/<id>.rs` the first turns on the line that
//! includes `wrong/<id>/<variant>.rs` as the code under test, the second turns off the line
//! that includes the stub. The valid values are declared to rustc (`check-cfg`) from the files
//! in `wrong/`, so a line that names a variant without a file is a warning (an error under
//! `clippy -D warnings`).

use std::env;
use std::fs;
use std::path::Path;
use std::process;

const VARIANT_VAR: &str = "EXERCISE_VARIANT";
const WRONG_DIR: &str = "wrong";

fn main() {
    println!("cargo::rerun-if-env-changed={VARIANT_VAR}");
    println!("cargo::rerun-if-changed={WRONG_DIR}");

    let variants = wrong_variants(Path::new(WRONG_DIR));
    let mut ids: Vec<&str> = variants.iter().filter_map(|v| exercise_of(v)).collect();
    ids.dedup();
    println!(
        "cargo::rustc-check-cfg=cfg(exercise_variant, values({}))",
        cfg_values(&variants)
    );
    println!(
        "cargo::rustc-check-cfg=cfg(exercise_variant_of, values({}))",
        cfg_values(&ids)
    );

    let chosen = env::var(VARIANT_VAR).unwrap_or_default();
    if chosen.is_empty() {
        return;
    }
    if !variants.contains(&chosen) {
        fail(&format!(
            "{VARIANT_VAR}={chosen}: there is no file {WRONG_DIR}/{chosen}.rs. Known variants: {}",
            variants.join(", ")
        ));
    }
    if env::var_os("CARGO_FEATURE_SOLUTION").is_some() {
        fail(&format!(
            "{VARIANT_VAR}={chosen} and the `solution` feature both replace the stub; use one"
        ));
    }
    let id = exercise_of(&chosen).unwrap_or_default();
    let tests = fs::read_to_string(format!("tests/{id}.rs")).unwrap_or_default();
    if !tests.contains(&format!("exercise_variant = \"{chosen}\"")) {
        fail(&format!(
            "{VARIANT_VAR}={chosen}: tests/{id}.rs has no `#[cfg_attr(exercise_variant = \
             \"{chosen}\", path = ...)]` line, so the variant would never be compiled"
        ));
    }
    println!("cargo::rustc-cfg=exercise_variant={chosen:?}");
    println!("cargo::rustc-cfg=exercise_variant_of={id:?}");
}

/// `<id>` of `<id>/<variant>`.
fn exercise_of(variant: &str) -> Option<&str> {
    variant.split_once('/').map(|(id, _)| id)
}

/// `"a", "b"` for check-cfg, or `none()` when there is no value.
fn cfg_values(values: &[impl AsRef<str>]) -> String {
    if values.is_empty() {
        return "none()".to_string();
    }
    let quoted: Vec<String> = values.iter().map(|v| format!("{:?}", v.as_ref())).collect();
    quoted.join(", ")
}

/// `<id>/<variant>` for every `wrong/<id>/<variant>.rs`, sorted.
fn wrong_variants(dir: &Path) -> Vec<String> {
    let mut variants = Vec::new();
    for exercise in read_dir_sorted(dir) {
        if !exercise.is_dir() {
            continue;
        }
        let Some(id) = exercise.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        for file in read_dir_sorted(&exercise) {
            if file.extension().is_some_and(|e| e == "rs")
                && let Some(variant) = file.file_stem().and_then(|s| s.to_str())
            {
                variants.push(format!("{id}/{variant}"));
            }
        }
    }
    variants
}

fn read_dir_sorted(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut paths: Vec<_> = match fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    paths
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    process::exit(1);
}
