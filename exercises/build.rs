//! Selects a deliberately wrong variant of one exercise at build time.
//!
//! `EXERCISE_VARIANT=<id>/<variant>` becomes `--cfg exercise_variant="<id>/<variant>"`, and the
//! matching `#[cfg_attr(exercise_variant = "...", path = "...")]` line in `src/lib.rs` swaps
//! `wrong/<id>/<variant>.rs` in for the stub. The set of valid values is declared to rustc
//! (`check-cfg`) from the files in `wrong/`, so a line in `lib.rs` that names a variant without
//! a file is a warning (an error under `clippy -D warnings`).

use std::env;
use std::fs;
use std::path::Path;
use std::process;

const VARIANT_VAR: &str = "EXERCISE_VARIANT";
const WRONG_DIR: &str = "wrong";

fn main() {
    println!("cargo::rerun-if-env-changed={VARIANT_VAR}");
    println!("cargo::rerun-if-changed={WRONG_DIR}");
    println!("cargo::rerun-if-changed=src/lib.rs");

    let variants = wrong_variants(Path::new(WRONG_DIR));
    let values: Vec<String> = variants.iter().map(|v| format!("{v:?}")).collect();
    let values = if values.is_empty() {
        "none()".to_string()
    } else {
        values.join(", ")
    };
    println!("cargo::rustc-check-cfg=cfg(exercise_variant, values({values}))");

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
    let lib = fs::read_to_string("src/lib.rs").unwrap_or_default();
    if !lib.contains(&format!("exercise_variant = \"{chosen}\"")) {
        fail(&format!(
            "{VARIANT_VAR}={chosen}: src/lib.rs has no `#[cfg_attr(exercise_variant = \"{chosen}\", \
             path = ...)]` line, so the stub would be tested instead of the variant"
        ));
    }
    println!("cargo::rustc-cfg=exercise_variant={chosen:?}");
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
