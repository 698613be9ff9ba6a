//! Thousands of damaged saved states, loaded through a real CLAP host: random bytes, every
//! truncation of a valid state, bit flips, and valid JSON with wrong versions or wrong types.
//! Each one is either refused (the plugin keeps what it had) or loaded with every parameter in
//! its range; the plugin then still processes sanely. A valid state always round-trips exactly.

mod common;

use common::clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path, param_named};
use roundtrip_engine::OUTPUT_CEILING;
use test_support::random_blocks;

/// Every parameter's value lies within its range, and the plugin processes to sane output.
fn assert_usable(host: &mut ClapHarness, what: &str) {
    for param in host.params() {
        let value = host.param_value(param.id).unwrap_or_else(|| panic!("{what}: no value for {}", param.name));
        assert!(
            value.is_finite() && (param.min..=param.max).contains(&value),
            "{what}: {} = {value} outside {}..={}",
            param.name,
            param.min,
            param.max
        );
    }
    let input = vec![0.25f32; 256];
    let (left, right) = host.process(&input, &input, &[]);
    assert!(left.iter().chain(&right).all(|s| s.is_finite() && s.abs() <= OUTPUT_CEILING), "{what}: bad output");
}

#[test]
fn damaged_states_are_refused_or_loaded_within_range() {
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    host.activate(48_000.0, 256);
    // A valid state with non-default values.
    let bitrate = param_named(&host.params(), "Bitrate").id;
    let value = host.text_to_value(bitrate, "96 kbps").unwrap();
    host.process(&[0.0], &[0.0], &[(0, bitrate, value)]);
    host.deactivate();
    let valid = host.save_state();

    let mut draws = random_blocks(1 << 30, 77);
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    for n in 0..1_000 {
        let len = draws.next().unwrap() % 600;
        blobs.push((format!("random {n}"), (0..len).map(|_| draws.next().unwrap() as u8).collect()));
    }
    for len in 0..valid.len() {
        blobs.push((format!("truncated to {len}"), valid[..len].to_vec()));
    }
    for n in 0..2_000 {
        let mut blob = valid.clone();
        for _ in 0..1 + n % 8 {
            let bit = draws.next().unwrap() % (blob.len() * 8);
            blob[bit / 8] ^= 1 << (bit % 8);
        }
        blobs.push((format!("bit flips {n}"), blob));
    }
    let text = String::from_utf8_lossy(&valid).into_owned();
    for (from, to) in [
        ("\"version\":\"", "\"version\":\"99."),
        ("\"kbps\":", "\"kbps\":\"many\","),
        (":96.0", ":1e300"),
        (":96.0", ":-5"),
        ("{", "["),
    ] {
        blobs.push((format!("edited {from} -> {to}"), text.replacen(from, to, 1).into_bytes()));
    }

    let (mut refused, mut loaded) = (0, 0);
    for (what, blob) in &blobs {
        match host.try_load_state(blob) {
            Ok(()) => loaded += 1,
            Err(_) => refused += 1,
        }
        host.activate(48_000.0, 256);
        assert_usable(&mut host, what);
        host.deactivate();
    }
    eprintln!("{} damaged states: {loaded} loaded, {refused} refused", blobs.len());
    assert!(refused > 1_000, "most damage must be refused ({refused})");

    // A valid state round-trips exactly, after all that.
    host.load_state(&valid);
    assert_eq!(host.save_state(), valid);
}
