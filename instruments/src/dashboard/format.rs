//! Numbers as a learner reads them: `21.4 MiB` rather than `22439526`, `10 000` rather than
//! `10000`, `52.1 ms` rather than `52100`.
//!
//! Every function here returns text for a person, never for a machine: the JSON output keeps
//! the raw numbers.

/// Separates groups of three digits. A terminal cell cannot be thinner than one column, so
/// this is a no-break space (U+00A0): it looks like a thin gap in a monospace font, and text
/// wrapping never splits a number at it.
pub const DIGIT_SEPARATOR: char = '\u{a0}';

/// Shown where a number does not exist (a ratio with nothing to divide by).
pub const NOT_AVAILABLE: &str = "–";

const BYTE_UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];

/// A size in binary units, e.g. `512 B`, `21.4 MiB`, `2.6 GiB`; one decimal below 100.
pub fn bytes(n: u64) -> String {
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < BYTE_UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} {}", BYTE_UNITS[0])
    } else if value < 100.0 {
        format!("{value:.1} {}", BYTE_UNITS[unit])
    } else {
        format!("{value:.0} {}", BYTE_UNITS[unit])
    }
}

/// A whole number with its thousands separated, e.g. `10 000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(DIGIT_SEPARATOR);
        }
        out.push(digit);
    }
    out
}

/// An amount per second, e.g. `19 412` or `2.5`: one decimal only when it matters (below 10).
/// Not-a-number, infinite and negative rates read as [`NOT_AVAILABLE`].
pub fn rate(per_s: f64) -> String {
    if !per_s.is_finite() || per_s < 0.0 {
        NOT_AVAILABLE.to_string()
    } else if per_s < 10.0 && per_s.fract() != 0.0 {
        format!("{per_s:.1}")
    } else {
        count(per_s.round() as u64)
    }
}

/// A ratio such as context switches per request, with two decimals (`1.04`, `0.03`).
pub fn ratio(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.2}"),
        _ => NOT_AVAILABLE.to_string(),
    }
}

/// A percentage with one decimal, e.g. `42.0%`.
pub fn percent(value: f32) -> String {
    format!("{value:.1}%")
}

/// A latency given in microseconds, in the unit that keeps it short: `0.35 ms`, `52.1 ms`,
/// `312 ms`, `1.25 s`.
pub fn latency(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// Seconds since the run started, e.g. `42s`.
pub fn seconds(t: f64) -> String {
    if t.is_finite() {
        format!("{:.0}s", t.max(0.0))
    } else {
        NOT_AVAILABLE.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaced(s: &str) -> String {
        s.replace(' ', &DIGIT_SEPARATOR.to_string())
    }

    #[test]
    fn bytes_pick_the_unit_that_keeps_the_number_short() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(512 * 1024), "512 KiB");
        assert_eq!(bytes(22_439_526), "21.4 MiB");
        assert_eq!(bytes(24 * 1024 * 1024 * 1024), "24.0 GiB");
        assert_eq!(bytes(u64::MAX), "16777216 TiB");
    }

    #[test]
    fn counts_are_grouped_by_three() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), spaced("1 000"));
        assert_eq!(count(10_000), spaced("10 000"));
        assert_eq!(count(1_234_567), spaced("1 234 567"));
        assert_eq!(count(u64::MAX), spaced("18 446 744 073 709 551 615"));
    }

    #[test]
    fn rates_keep_a_decimal_only_when_small() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(2.5), "2.5");
        assert_eq!(rate(3.0), "3");
        assert_eq!(rate(19_411.6), spaced("19 412"));
        assert_eq!(rate(f64::NAN), NOT_AVAILABLE);
        assert_eq!(rate(f64::INFINITY), NOT_AVAILABLE);
        assert_eq!(rate(-1.0), NOT_AVAILABLE);
    }

    #[test]
    fn ratios_and_percentages() {
        assert_eq!(ratio(Some(1.0449)), "1.04");
        assert_eq!(ratio(Some(0.031)), "0.03");
        assert_eq!(ratio(None), NOT_AVAILABLE);
        assert_eq!(ratio(Some(f64::NAN)), NOT_AVAILABLE);
        assert_eq!(percent(42.0), "42.0%");
        assert_eq!(percent(199.96), "200.0%");
    }

    #[test]
    fn latencies_use_a_readable_unit() {
        assert_eq!(latency(350), "0.35 ms");
        assert_eq!(latency(52_100), "52.1 ms");
        assert_eq!(latency(312_400), "312 ms");
        assert_eq!(latency(1_250_000), "1.25 s");
    }

    #[test]
    fn seconds_are_whole() {
        assert_eq!(seconds(41.6), "42s");
        assert_eq!(seconds(-3.0), "0s");
        assert_eq!(seconds(f64::NAN), NOT_AVAILABLE);
    }
}
