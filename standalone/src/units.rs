//! Values with units as people type them: `24k`, `64kbps`, `5%`, `20ms`, `2.5 ms`, `0.1s`.
//! Used as `clap` value parsers, so a bad value is a usage error naming the flag.

use roundtrip_codec::FrameDuration;
use roundtrip_engine::Choice;

/// Splits `text` into its number and its unit (lower case, spaces ignored).
fn number_and_unit(text: &str) -> Option<(f64, String)> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(text.len());
    let number = text[..split].parse::<f64>().ok().filter(|n| n.is_finite())?;
    Some((number, text[split..].to_string()))
}

/// A bitrate in bits per second. A bare number is kbps, as the help says: `24`, `24k`,
/// `24kbps`, `24 kb/s`, `24000bps`, `0.5M`.
pub fn parse_bitrate(text: &str) -> Result<i32, String> {
    const SPELLINGS: &str = "write kbps as 24, 24k or 24kbps, or bits per second as 24000bps";
    let (number, unit) = number_and_unit(text).ok_or_else(|| format!("'{text}' is not a bitrate; {SPELLINGS}"))?;
    let scale = match unit.as_str() {
        "b" | "bps" | "b/s" => 1.0,
        "" | "k" | "kb" | "kbps" | "kb/s" | "kbit/s" => 1_000.0,
        "m" | "mb" | "mbps" | "mb/s" => 1_000_000.0,
        _ => return Err(format!("unknown bitrate unit '{unit}'; {SPELLINGS}")),
    };
    let bps = (number * scale).round();
    let (low, high) = roundtrip_engine::settings::BITRATE_RANGE_BPS;
    if bps < f64::from(low) || bps > f64::from(high) {
        // Said in kbps, the unit of the range quoted, whatever unit was typed.
        let kbps = bps / 1000.0;
        let mut message = format!("{kbps} kbps is outside Opus's {} to {} kbps", low / 1000, high / 1000);
        if unit.is_empty() && (f64::from(low)..=f64::from(high)).contains(&number) {
            message += &format!(" (a bare number is kbps: did you mean {}k, that is {number}bps?)", number / 1000.0);
        }
        return Err(message);
    }
    Ok(bps as i32)
}

/// A percentage from 0 to 100: `5%`, `5`, `12.5 %`, `0.5%`. A bare number below 1 (other than 0)
/// looks like a fraction and is refused, with the percentage it would be.
pub fn parse_percent(text: &str) -> Result<f32, String> {
    let (number, unit) = number_and_unit(text).ok_or_else(|| format!("'{text}' is not a percentage; write e.g. 5%"))?;
    if !matches!(unit.as_str(), "" | "%") {
        return Err(format!("unknown unit '{unit}'; write a percentage such as 5%"));
    }
    if unit.is_empty() && number > 0.0 && number < 1.0 {
        return Err(format!(
            "{text} looks like a fraction: did you mean {}%? (write {text}% for {text} percent)",
            number * 100.0
        ));
    }
    if !(0.0..=100.0).contains(&number) {
        return Err(format!("{text} is outside 0 to 100 %"));
    }
    Ok(number as f32)
}

/// A duration in milliseconds: `20ms`, `2.5 ms`, `0.1s`, `100` (a bare number is milliseconds).
pub fn parse_millis(text: &str) -> Result<f64, String> {
    parse_duration(text, "ms")
}

/// A duration in milliseconds written in seconds: `8s`, `8`, `1.5 s`, `500ms` (a bare number is
/// seconds).
pub fn parse_seconds_as_millis(text: &str) -> Result<f64, String> {
    parse_duration(text, "s")
}

/// A duration in milliseconds; `bare_unit` (`ms` or `s`) is the unit of a bare number.
fn parse_duration(text: &str, bare_unit: &str) -> Result<f64, String> {
    let spellings = if bare_unit == "s" { "write e.g. 8s, 8 or 500ms" } else { "write e.g. 20ms, 20 or 0.1s" };
    let (number, unit) = number_and_unit(text).ok_or_else(|| format!("'{text}' is not a duration; {spellings}"))?;
    let scale = match if unit.is_empty() { bare_unit } else { unit.as_str() } {
        "ms" => 1.0,
        "s" => 1_000.0,
        _ => return Err(format!("unknown duration unit '{unit}'; {spellings}")),
    };
    let millis = number * scale;
    if millis < 0.0 {
        return Err(format!("{text} is negative"));
    }
    Ok(millis)
}

/// An Opus frame duration: one of the engine's frame choices, e.g. `20ms`, `2.5`.
pub fn parse_frame(text: &str) -> Result<FrameDuration, String> {
    let millis = parse_millis(text)?;
    FrameDuration::FIXED
        .into_iter()
        .find(|frame| frame.millis().is_some_and(|ms| (f64::from(ms) - millis).abs() < 1e-6))
        .ok_or_else(|| format!("{text} is not an Opus frame; use {}", FrameDuration::LABELS.join(", ")))
}

/// A DRED duration: 0 to 1040 ms in steps of 10 ms.
pub fn parse_dred(text: &str) -> Result<u16, String> {
    // The plugin's menu shows "Off" for 0.
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(0);
    }
    let millis = parse_millis(text)?;
    let (max, step) = (roundtrip_engine::settings::MAX_DRED_DURATION_MS, roundtrip_engine::settings::DRED_STEP_MS);
    if millis > f64::from(max) || (millis / f64::from(step)).fract() != 0.0 {
        return Err(format!("{text}: DRED reaches 0 to {max} ms in steps of {step} ms"));
    }
    Ok(millis as u16)
}

/// A delay in milliseconds from 0 to `max_ms`: `10ms`, `10`, `0.2s`.
pub fn parse_delay_up_to(text: &str, max_ms: f64) -> Result<f64, String> {
    let millis = parse_millis(text)?;
    if !(0.0..=max_ms).contains(&millis) {
        return Err(format!("{text} is outside 0 to {max_ms} ms"));
    }
    Ok(millis)
}

/// A mean burst length in packets, at least 1: `3`, `2.5`.
pub fn parse_burst(text: &str) -> Result<f32, String> {
    let (number, unit) = number_and_unit(text).ok_or_else(|| format!("'{text}' is not a number of packets"))?;
    let (low, high) = roundtrip_engine::settings::MEAN_BURST_RANGE_PACKETS;
    if !matches!(unit.as_str(), "" | "packets" | "packet" | "p")
        || !(f64::from(low)..=f64::from(high)).contains(&number)
    {
        return Err(format!("{text}: the mean burst is {low} to {high} packets"));
    }
    Ok(number as f32)
}

/// A gain in decibels: `-6dB`, `3`, `+2.5 dB`.
pub fn parse_gain_db(text: &str) -> Result<f32, String> {
    let (number, unit) = number_and_unit(text).ok_or_else(|| format!("'{text}' is not a gain; write e.g. -6dB"))?;
    let (low, high) = roundtrip_engine::settings::OUTPUT_GAIN_RANGE_DB;
    if !matches!(unit.as_str(), "" | "db") || !(f64::from(low)..=f64::from(high)).contains(&number) {
        return Err(format!("{text}: the gain is {low} to +{high} dB"));
    }
    Ok(number as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_people_write_them() {
        assert_eq!(parse_bitrate("24k"), Ok(24_000));
        assert_eq!(parse_bitrate("64 kbps"), Ok(64_000));
        assert_eq!(parse_bitrate("24"), Ok(24_000));
        assert_eq!(parse_bitrate("96000bps"), Ok(96_000));
        assert_eq!(parse_bitrate("0.5M"), Ok(500_000));
        assert_eq!(parse_bitrate("2k").unwrap_err(), "2 kbps is outside Opus's 6 to 510 kbps");
        assert_eq!(
            parse_bitrate("24000").unwrap_err(),
            "24000 kbps is outside Opus's 6 to 510 kbps (a bare number is kbps: did you mean 24k, that is 24000bps?)"
        );
        assert_eq!(parse_bitrate("600000bps").unwrap_err(), "600 kbps is outside Opus's 6 to 510 kbps");
        assert!(parse_bitrate("24q").unwrap_err().contains("unit"));
        assert_eq!(parse_percent("5%"), Ok(5.0));
        assert_eq!(parse_percent("12.5 %"), Ok(12.5));
        assert!(parse_percent("120%").is_err());
        assert_eq!(parse_percent("0"), Ok(0.0));
        assert_eq!(parse_percent("0.5%"), Ok(0.5));
        assert_eq!(
            parse_percent("0.05").unwrap_err(),
            "0.05 looks like a fraction: did you mean 5%? (write 0.05% for 0.05 percent)"
        );
        assert_eq!(parse_frame("2.5ms"), Ok(FrameDuration::Ms2_5));
        assert_eq!(parse_frame("0.02s"), Ok(FrameDuration::Ms20));
        assert!(parse_frame("30ms").is_err());
        assert_eq!(parse_dred("100ms"), Ok(100));
        assert!(parse_dred("105ms").is_err());
        assert_eq!(parse_burst("3"), Ok(3.0));
        assert!(parse_burst("0.5").is_err());
        assert_eq!(parse_gain_db("-6dB"), Ok(-6.0));
        assert!(parse_millis("abc").is_err());
        assert_eq!(parse_millis("20"), Ok(20.0));
        assert_eq!(parse_seconds_as_millis("2"), Ok(2_000.0));
        assert_eq!(parse_seconds_as_millis("500ms"), Ok(500.0));
    }
}
