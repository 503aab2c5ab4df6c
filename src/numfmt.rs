//! Numbers as text: the one home of every number format the outputs use, so the terminal
//! tables, the CSV files, the charts, the pages and the validation messages write the
//! same number the same way wherever they share a format. Each format has a name that
//! says where it is for:
//!
//! | format | for | examples |
//! |---|---|---|
//! | [`shortest`] | CSV/JSON fields, parameter values in messages: lossless | `0.1`, `60`, `1e-7` |
//! | [`shortest_or_empty`] | an optional CSV field | `0.25`, `` |
//! | [`sig`] | a value rounded to n significant digits, shortest form | `0.012` |
//! | [`rounded9`] | a number the user wrote, quoted in a message without float noise | `0.95` |
//! | [`sig4`] | the analysis commands' terminal tables | `0.2667`, `1.234e5`, `–` |
//! | [`money`] | money (and large amounts): 3 significant digits, `k`/`M`/`bn`/`tn` | `1.23 bn` |
//! | [`money_within`] | money whose 95% interval has half-width `hw`: no digit finer than `hw` | `1.2 bn` |
//! | [`pct_within`] | a percentage whose 95% interval has half-width `hw` | `4%`, `3.7%` |
//! | [`units`] | physical quantities in the run page | `5000`, `12.5`, `1.23 M` |
//! | [`points`] | percentages and their differences in the run's terminal table | `0.267`, `-0.0394` |
//! | [`pct`] | a percentage in the run page (the number is already in %) | `12.3%`, `0.04%` |
//! | [`fraction_pct`] | a fraction in [0, 1] as a percent with one decimal | `84.0%` |
//! | [`prose`] | numbers in the analysis pages' sentences and tables | `87`, `12.3`, `0.0031` |
//! | [`tick`] | chart tick labels and chart notes | `25`, `2.5`, `45 k`, `12 M` |
//! | [`tick_pct`] | a percent tick label | `25%` |
//! | [`share`] | a share of futures in chart notes | `12%`, `<0.1%`, `>99.9%` |
//! | [`grouped`] | a count with thousands separators | `1,234` |
//! | [`signed`] | any of the above with `+` on positive values | `+1.90 M` |
//!
//! Pure; depends on nothing else in the crate, and every layer may use it.

/// Rust's shortest representation that reads back to the same `f64`: CSV and JSON
/// fields, and parameter values in messages (so files are byte-stable and lossless).
pub fn shortest(v: f64) -> String {
    format!("{v}")
}

/// [`shortest`] of `Some(v)`, and the empty string for `None` (an empty CSV field).
pub fn shortest_or_empty(v: Option<f64>) -> String {
    v.map(shortest).unwrap_or_default()
}

/// `v` rounded to `sig` significant digits (at least 1), printed in Rust's shortest
/// form without an exponent for ordinary magnitudes: `sig(0.012345, 2)` = `0.012`.
pub fn sig(v: f64, sig: usize) -> String {
    if !v.is_finite() || v == 0.0 {
        return shortest(v);
    }
    format!("{:.*e}", sig.max(1) - 1, v)
        .parse::<f64>()
        .map_or_else(|_| shortest(v), shortest)
}

/// `x` rounded to 9 decimal places, in shortest form: a number the user wrote (or a sum
/// of them), quoted in a message without float noise (`0.1 + 0.2` reads `0.3`).
pub fn rounded9(x: f64) -> String {
    let r = (x * 1e9).round() / 1e9;
    format!("{r}")
}

/// 4 significant digits for the analysis commands' terminal tables: exact zero as `0`,
/// an exponent below 0.001 and from 100,000, `–` for a missing value.
pub fn sig4(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(0.0) => "0".into(),
        Some(v) if v.abs() >= 1e5 || v.abs() < 1e-3 => format!("{v:.3e}"),
        Some(v) => {
            let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
            format!("{v:.digits$}")
        }
    }
}

/// Money with 3 significant digits and a `k`/`M`/`bn`/`tn` suffix, e.g. `1.23 bn`,
/// `-45.6 k`, `812`; exact zero as `0` and a non-finite value as `-`.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let a = x.abs();
    let (div, suffix) = [(1e12, " tn"), (1e9, " bn"), (1e6, " M"), (1e3, " k")]
        .into_iter()
        .find(|&(d, _)| a >= d)
        .unwrap_or((1.0, ""));
    let v = x / div;
    let decimals = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.decimals$}{suffix}")
}

/// The number of decimals that keeps a value's last digit no finer than the leading digit
/// of `hw` when the value is written in multiples of `div`: a half-width of 0.04 bn
/// supports two decimals of bn, one of 0.4 bn one, one of 4 bn none.
fn decimals_for(hw: f64, div: f64) -> usize {
    let d = -(hw / div).log10().floor();
    if d.is_finite() && d > 0.0 {
        d as usize
    } else {
        0
    }
}

/// Money as [`money`], but with no digit finer than the leading digit of `hw`, the
/// half-width of its 95% interval (never more than [`money`]'s three significant
/// digits): `money_within(1.234e9, 4e7)` = `1.23 bn`, `money_within(1.234e9, 4e8)` =
/// `1.2 bn`, `money_within(1.234e9, 4e9)` = `1 bn`. Without a positive finite `hw`, as
/// [`money`].
pub fn money_within(x: f64, hw: f64) -> String {
    if !(hw > 0.0 && hw.is_finite() && x.is_finite()) || x == 0.0 {
        return money(x);
    }
    let step = 10f64.powf(hw.log10().floor());
    let x = (x / step).round() * step;
    if x == 0.0 {
        return "0".into();
    }
    let full = money(x);
    let a = x.abs();
    let (div, suffix) = [(1e12, " tn"), (1e9, " bn"), (1e6, " M"), (1e3, " k")]
        .into_iter()
        .find(|&(d, _)| a >= d)
        .unwrap_or((1.0, ""));
    let max_d = full
        .split(' ')
        .next()
        .and_then(|n| n.split_once('.'))
        .map_or(0, |(_, f)| f.len());
    let d = decimals_for(hw, div).min(max_d);
    format!("{:.d$}{suffix}", x / div)
}

/// A percentage (`x` already in percent) as [`pct`], but with no digit finer than the
/// leading digit of `hw`, the half-width of its 95% interval: `pct_within(3.74, 0.3)` =
/// `3.7%`, `pct_within(3.74, 2.0)` = `4%`. Without a positive finite `hw`, as [`pct`].
pub fn pct_within(x: f64, hw: f64) -> String {
    if !(hw > 0.0 && hw.is_finite() && x.is_finite()) {
        return pct(x);
    }
    let d = decimals_for(hw, 1.0).min(2);
    format!("{x:.d$}%")
}

/// A physical quantity (tonnes, units) for the run page: as [`money`] from 10,000, whole
/// from 100, one decimal below; values within 0.05 of zero read `0.0`.
pub fn units(x: f64) -> String {
    let x = if x.abs() < 0.05 { 0.0 } else { x };
    let a = x.abs();
    if a >= 1e4 {
        money(x)
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A percentage-like number for the run's terminal table: two decimals from 1 up, three
/// significant digits below (so a small difference reads `-0.0123`, not `-0.00`), and
/// exact zero as `0`.
pub fn points(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        let decimals = (2 - v.abs().log10().floor() as i32).clamp(2, 8) as usize;
        format!("{v:.decimals$}")
    }
}

/// A percentage (`x` already in percent) for the run page: one decimal, two below 0.05
/// so a small non-zero value does not read `0.0%`.
pub fn pct(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.05 {
        format!("{x:.2}%")
    } else {
        format!("{x:.1}%")
    }
}

/// A fraction (0 to 1) as a percent with one decimal: `0.84` reads `84.0%`.
pub fn fraction_pct(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}

/// A number for the analysis pages' text: as [`money`] (three significant digits and a
/// `k`/`M`/`bn` suffix) from 10,000, whole from 100 (and for whole numbers), one decimal
/// from 10, two from 0.01, two significant digits below (`0.0031`, never a bare `0.00`).
pub fn prose(v: f64) -> String {
    let a = v.abs();
    if a >= 1e4 && a.is_finite() {
        money(v)
    } else if a >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.01 {
        format!("{v:.2}")
    } else {
        sig(v, 2)
    }
}

/// A chart tick label: integers without decimals, others with up to 3 significant
/// digits, thousands as `k` (from 10,000), millions as `M`, billions as `bn`.
pub fn tick(x: f64) -> String {
    // Avoid "-0" at an axis origin computed as a tiny negative.
    let x = if x.abs() < 1e-12 { 0.0 } else { x };
    let a = x.abs();
    if a >= 1e9 {
        return format!("{} bn", trim(x / 1e9));
    }
    if a >= 1e6 {
        return format!("{} M", trim(x / 1e6));
    }
    if a >= 1e4 {
        return format!("{} k", trim(x / 1e3));
    }
    trim(x)
}

/// A percent tick label (`x` already in percent): [`tick`] with `%`.
pub fn tick_pct(x: f64) -> String {
    format!("{}%", tick(x))
}

fn trim(x: f64) -> String {
    if x == x.round() && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let a = x.abs();
    let d = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    let s = format!("{x:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A share in `[0, 1]` as a percent for chart notes: `87%`, `0.4%`, `<0.1%` above zero,
/// `>99.9%` just below one.
pub fn share(p: f64) -> String {
    let pct = 100.0 * p;
    if pct == 0.0 {
        "0%".into()
    } else if pct > 99.95 && pct < 100.0 {
        ">99.9%".into()
    } else if (99.5..100.0).contains(&pct) {
        format!("{pct:.1}%")
    } else if pct < 0.1 {
        "<0.1%".into()
    } else if pct < 10.0 && (pct - pct.round()).abs() > 0.05 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

/// A count with thousands separators: `1234567` reads `1,234,567`.
pub fn grouped(k: u64) -> String {
    let s = k.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `x` written by `f`, with a `+` in front when `x` is positive (a difference).
pub fn signed(x: f64, f: impl Fn(f64) -> String) -> String {
    let s = f(x);
    if x > 0.0 { format!("+{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_an_interval_no_digit_finer_than_its_half_width() {
        assert_eq!(money_within(1.234e9, 4e7), "1.23 bn");
        assert_eq!(money_within(1.234e9, 4e8), "1.2 bn");
        assert_eq!(money_within(1.234e9, 4e9), "1 bn");
        assert_eq!(money_within(-45_678.0, 2_000.0), "-46 k");
        // Never more than money's three significant digits, however tight.
        assert_eq!(money_within(1.234e9, 1.0), "1.23 bn");
        assert_eq!(money_within(1.234e9, 0.0), "1.23 bn");
        assert_eq!(money_within(2e6, 4e7), "0");
        assert_eq!(pct_within(3.74, 0.3), "3.7%");
        assert_eq!(pct_within(3.74, 2.0), "4%");
        assert_eq!(pct_within(3.746, 0.001), "3.75%");
    }

    #[test]
    fn lossless_and_rounded() {
        assert_eq!(shortest(0.1), "0.1");
        assert_eq!(shortest(60.0), "60");
        assert_eq!(shortest_or_empty(None), "");
        assert_eq!(sig(0.012_345, 2), "0.012");
        assert_eq!(sig(0.0, 3), "0");
        assert_eq!(sig(f64::INFINITY, 3), "inf");
        assert_eq!(rounded9(0.1 + 0.2), "0.3");
        assert_eq!(rounded9(0.842_105_263_157_894_7), "0.842105263");
    }

    #[test]
    fn terminal_formats() {
        assert_eq!(sig4(None), "–");
        assert_eq!(sig4(Some(0.0)), "0");
        assert_eq!(sig4(Some(0.266_666)), "0.2667");
        assert_eq!(sig4(Some(123_456.0)), "1.235e5");
        assert_eq!(sig4(Some(0.000_5)), "5.000e-4");
        assert_eq!(points(0.0), "0");
        assert_eq!(points(1.966), "1.97");
        assert_eq!(points(-0.039_4), "-0.0394");
        assert_eq!(points(0.005_56), "0.00556");
    }

    #[test]
    fn money_suffixes() {
        assert_eq!(money(812.0), "812");
        assert_eq!(money(1_234.0), "1.23 k");
        assert_eq!(money(-45_600.0), "-45.6 k");
        assert_eq!(money(1.234e9), "1.23 bn");
        assert_eq!(money(123.4e6), "123 M");
        assert_eq!(money(2.5e12), "2.50 tn");
        assert_eq!(money(0.0), "0");
        assert_eq!(money(f64::NAN), "-");
        assert_eq!(units(5000.0), "5000");
        assert_eq!(units(12_345.0), "12.3 k");
        assert_eq!(units(12.46), "12.5");
        assert_eq!(units(-0.04), "0.0");
    }

    #[test]
    fn page_formats() {
        assert_eq!(pct(12.34), "12.3%");
        assert_eq!(pct(0.04), "0.04%");
        assert_eq!(pct(0.0), "0.0%");
        assert_eq!(fraction_pct(0.84), "84.0%");
        assert_eq!(prose(87.0), "87");
        assert_eq!(prose(0.123), "0.12");
        assert_eq!(prose(12.34), "12.3");
        assert_eq!(prose(1234.4), "1234");
        // A drivers threshold in USD read "2408330388 or more".
        assert_eq!(prose(2_408_330_388.0), "2.41 bn");
        assert_eq!(prose(-45_600.0), "-45.6 k");
        assert_eq!(prose(0.003_14), "0.0031");
        assert_eq!(prose(-0.000_5), "-0.0005");
        assert_eq!(grouped(2000), "2,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(999), "999");
        assert_eq!(signed(1.5, prose), "+1.50");
        assert_eq!(signed(-1.5, prose), "-1.50");
        assert_eq!(signed(0.0, money), "0");
    }

    #[test]
    fn chart_formats() {
        assert_eq!(tick(25.0), "25");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(-1e-13), "0");
        assert_eq!(tick(12_000_000.0), "12 M");
        assert_eq!(tick(45_000.0), "45 k");
        assert_eq!(tick(0.125), "0.125");
        assert_eq!(tick_pct(25.0), "25%");
        assert_eq!(share(0.0), "0%");
        assert_eq!(share(0.125), "12%");
        assert_eq!(share(0.025), "2.5%");
        assert_eq!(share(0.0004), "<0.1%");
        assert_eq!(share(0.996), "99.6%");
        assert_eq!(share(0.9999), ">99.9%");
    }
}
