//! The plugin keeps CLAP's rules on latency, whatever order the host runs things in: the host's
//! `latency.changed()` only inside `activate`; while active, a latency change is one
//! `request_restart()`, and until the host restarts the output stays at the latency it was told;
//! no restart after a plain activation. Each scenario runs with the main-thread callbacks run
//! promptly, only after `deactivate`, and never. The harness also fails any test on a host call
//! made from a thread or in a state CLAP does not allow (see `common::clap_host`).

mod common;

use common::clap_host::{Callbacks, ClapHarness, PLUGIN_ID, Phase, built_plugin_path, param_named};
use test_support::peak_position;

const POLICIES: [Callbacks; 3] = [Callbacks::Prompt, Callbacks::AfterDeactivate, Callbacks::Never];
const RATE: u32 = 48_000;

/// The plugin, active at [`RATE`] with blocks up to `max_block`, at full bitrate (so that the
/// codec keeps an impulse sharp), in a host that runs main-thread callbacks as `callbacks` says.
fn active(callbacks: Callbacks, max_block: u32) -> ClapHarness {
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    host.set_callbacks(callbacks);
    host.activate(f64::from(RATE), max_block);
    set(&mut host, "Bitrate", "510 kbps");
    host
}

/// Sets `name` to `text` at the start of a short block of silence.
fn set(host: &mut ClapHarness, name: &str, text: &str) {
    let id = param_named(&host.params(), name).id;
    let value = host.text_to_value(id, text).unwrap_or_else(|| panic!("{name}: {text}"));
    host.process(&[0.0; 64], &[0.0; 64], &[(0, id, value)]);
}

/// Where an impulse comes out, in samples after it went in (fractional, by the peak's shape).
fn impulse_delay(host: &mut ClapHarness, tail: usize) -> f64 {
    let mut input = vec![0.0f32; RATE as usize / 10 + tail];
    let at = RATE as usize / 20;
    input[at] = 0.9;
    let (left, _) = host.process(&input, &input, &[]);
    peak_position(&left[at..])
}

fn assert_impulse_at(host: &mut ClapHarness, expected: u32, what: &str) {
    let delay = impulse_delay(host, expected as usize + 4_800);
    assert!((delay - f64::from(expected)).abs() < 1.0, "{what}: expected {expected}, impulse at {delay:.2}");
}

/// Every `latency.changed()` so far, checked to have come inside an activation.
fn latency_changes(host: &ClapHarness) -> usize {
    let calls = host.calls_named("latency.changed");
    assert!(calls.iter().all(|call| call.phase == Phase::Activating), "{calls:?}");
    calls.len()
}

#[test]
fn a_plain_activation_asks_for_no_restart_and_tells_the_latency_only_inside_activate() {
    for policy in POLICIES {
        let mut host = active(policy, 256);
        let latency = host.latency();
        assert!(latency > 0);
        assert_impulse_at(&mut host, latency, &format!("{policy:?}"));
        host.deactivate();
        assert_eq!(host.restart_requests(), 0, "{policy:?}: a restart after a plain activation");
        assert_eq!(latency_changes(&host), 1, "{policy:?}: the first activation tells the host once");
        // The same settings again: no news for the host.
        host.activate(f64::from(RATE), 256);
        host.process(&[0.0; 512], &[0.0; 512], &[]);
        host.deactivate();
        assert_eq!((host.restart_requests(), latency_changes(&host)), (0, 1), "{policy:?}");
        host.assert_protocol();
    }
}

#[test]
fn a_latency_change_is_one_restart_and_the_output_keeps_the_told_latency_until_then() {
    for policy in POLICIES {
        let what = format!("{policy:?}");
        let mut host = active(policy, 256);
        let told = host.latency();
        // Frame size and FEC both change the latency; changed again and again before the host
        // restarts, they still make one request.
        for (name, text) in [("Frame", "60 ms"), ("In-band FEC", "On"), ("Frame", "10 ms"), ("Frame", "40 ms")] {
            set(&mut host, name, text);
            host.process(&[0.0; 2_000], &[0.0; 2_000], &[]);
        }
        assert_eq!(host.restart_requests(), 1, "{what}: one request per activation");
        // Until the restart the plugin runs at the latency the host was told.
        assert_eq!(host.latency(), told, "{what}");
        assert_impulse_at(&mut host, told, &format!("{what}, before the restart"));
        assert!(host.honour_restart(), "{what}");
        let new = host.latency();
        assert!(new > told, "{what}: 40 ms frames with FEC must add latency ({new} vs {told})");
        assert_eq!(latency_changes(&host), 2, "{what}: told once at each activation");
        assert_impulse_at(&mut host, new, &format!("{what}, after the restart"));
        // The restart satisfied the request: nothing more is asked.
        host.process(&[0.0; 4_800], &[0.0; 4_800], &[]);
        host.deactivate();
        assert_eq!((host.restart_requests(), host.restarts), (1, 1), "{what}");
    }
}

#[test]
fn a_change_taken_back_before_the_restart_leaves_the_latency_as_it_was() {
    for policy in POLICIES {
        let mut host = active(policy, 256);
        let told = host.latency();
        set(&mut host, "DRED", "100 ms");
        set(&mut host, "DRED", "Off");
        host.process(&[0.0; 960], &[0.0; 960], &[]);
        assert_eq!(host.restart_requests(), 1, "{policy:?}");
        assert!(host.honour_restart());
        assert_eq!(host.latency(), told, "{policy:?}");
        assert_eq!(latency_changes(&host), 1, "{policy:?}: nothing changed, so no news");
        assert_impulse_at(&mut host, told, &format!("{policy:?} after the restart"));
    }
}

#[test]
fn every_latency_changing_setting_restarts_once_with_an_exact_impulse_after_each() {
    let mut host = active(Callbacks::AfterDeactivate, 480);
    let changes = [
        ("Frame", "2.5 ms"),
        ("Application", "Low delay"),
        ("Frame", "120 ms"),
        ("Application", "Audio"),
        ("In-band FEC", "On"),
        ("DRED", "100 ms"),
        ("Frame", "20 ms"),
        ("DRED", "Off"),
        ("In-band FEC", "Off"),
    ];
    for (index, (name, text)) in changes.into_iter().enumerate() {
        let before = host.latency();
        set(&mut host, name, text);
        host.process(&[0.0; 480], &[0.0; 480], &[]);
        let restarted = host.honour_restart();
        let after = host.latency();
        assert_eq!(restarted, after != before, "{name} {text}: restart {restarted}, latency {before} → {after}");
        assert_eq!(host.restart_requests(), host.restarts, "{name} {text}");
        assert_impulse_at(&mut host, after, &format!("change {index}: {name} {text}"));
    }
    assert!(host.restarts >= 7, "{} restarts", host.restarts);
    eprintln!("{} restarts for {} changes", host.restarts, changes.len());
}
