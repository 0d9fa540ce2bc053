//! The progress bar `explore` and `sweep` show on a terminal while they run, and rates
//! written as people write them (`52,311`, not `52311.3347`).

use std::io::IsTerminal;

/// A bar counting to `total` `unit`s on standard error, or none when standard error is
/// not a terminal or `quiet` (results go to standard output).
pub fn bar(total: u64, unit: &str, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}  {{rate}}/s  eta {{eta}}");
    let style = indicatif::ProgressStyle::with_template(&template)
        .expect("a valid template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate(state.per_sec()));
            },
        );
    bar.set_style(style);
    Some(bar)
}

/// A rate as people write it: whole and grouped by thousands from 100 on (`52,311`),
/// one decimal below (`7.5`).
pub fn rate(per_second: f64) -> String {
    if !per_second.is_finite() || per_second < 0.0 {
        return "0".into();
    }
    if per_second < 100.0 {
        return format!("{per_second:.1}");
    }
    let digits = format!("{per_second:.0}");
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_written_as_people_write_them() {
        assert_eq!(rate(403.5204), "404");
        assert_eq!(rate(52_311.334), "52,311");
        assert_eq!(rate(1_234_567.0), "1,234,567");
        assert_eq!(rate(7.49), "7.5");
        assert_eq!(rate(f64::NAN), "0");
    }
}
