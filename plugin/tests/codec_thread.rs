//! The Codec thread parameter through a CLAP host: it waits for the host's restart, adds exactly
//! the latency it reports, and an offline bounce with it is the plain bounce delayed by that
//! latency, sample for sample, for any blocks. The plugin under test is a debug build, which
//! aborts on any allocation in `process`.

mod common;

use clack_extensions::render::RenderMode;
use common::clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path, param_named, process_random_blocks};
use roundtrip_signal::test_signal;

const RATE: f64 = 96_000.0;
const BLOCK: u32 = 64;
/// What the codec thread adds at 96 kHz with 64-frame blocks: the block plus 10 ms.
const EXTRA: usize = 64 + 960;

/// A harness activated at [`RATE`] and [`BLOCK`] in `mode`, with the codec thread turned on
/// through an automation event and the host's restart if `codec_thread`.
fn activated(mode: RenderMode, codec_thread: bool) -> ClapHarness {
    activated_with_blocks(mode, codec_thread, BLOCK)
}

/// The first sample at which `got` differs from `expected` delayed by `frames`.
fn first_difference_from_delayed(expected: &[f32], got: &[f32], frames: usize) -> Option<usize> {
    let delayed = std::iter::repeat_n(0.0f32, frames).chain(expected.iter().copied());
    delayed.zip(got).position(|(a, b)| a.to_bits() != b.to_bits())
}

fn activated_with_blocks(mode: RenderMode, codec_thread: bool, max_block: u32) -> ClapHarness {
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    host.set_render_mode(mode);
    host.activate(RATE, max_block);
    if codec_thread {
        let id = param_named(&host.params(), "Codec thread").id;
        let on = host.text_to_value(id, "On").unwrap();
        let silence = [0.0f32; BLOCK as usize];
        host.process(&silence, &silence, &[(0, id, on)]);
        assert!(host.honour_restart(), "turning the codec thread on asks for a restart");
    }
    host
}

#[test]
fn an_offline_bounce_with_the_codec_thread_is_the_plain_one_delayed_by_the_reported_latency() {
    let mut plain = activated(RenderMode::Offline, false);
    let mut threaded = activated(RenderMode::Offline, true);
    assert_eq!(threaded.latency() as usize, plain.latency() as usize + EXTRA);
    assert_eq!(threaded.restart_requests(), 1);

    let music = test_signal::music(96_000, 2, 1.5);
    let (left, right): (Vec<f32>, Vec<f32>) = music.chunks_exact(2).map(|frame| (frame[0], frame[1])).unzip();
    let expected = process_random_blocks(&mut plain, &left, &right, BLOCK as usize, &[], 9);
    let got = process_random_blocks(&mut threaded, &left, &right, BLOCK as usize, &[], 9);
    for (expected, got) in [(&expected.0, &got.0), (&expected.1, &got.1)] {
        assert_eq!(first_difference_from_delayed(expected, got, EXTRA), None);
        assert!(got.iter().any(|sample| sample.abs() > 0.1));
    }
    plain.assert_protocol();
    threaded.assert_protocol();
}

#[test]
fn hostile_blocks_through_the_codec_thread_keep_the_delayed_output_exact() {
    const MAX: u32 = 4_096;
    let mut plain = activated_with_blocks(RenderMode::Offline, false, MAX);
    let mut threaded = activated_with_blocks(RenderMode::Offline, true, MAX);
    let extra = MAX as usize + 960;
    assert_eq!(threaded.latency() as usize, plain.latency() as usize + extra);
    let music = test_signal::music(96_000, 1, 1.0);
    let mut blocks = vec![1, 4_096, 1, 4_096];
    blocks.extend(test_support::random_blocks(4_096, 5).take(60));
    let (mut expected, mut got) = (Vec::new(), Vec::new());
    let mut start = 0;
    for block in blocks {
        if start == music.len() {
            break;
        }
        let end = (start + block).min(music.len());
        expected.extend(plain.process(&music[start..end], &music[start..end], &[]).0);
        got.extend(threaded.process(&music[start..end], &music[start..end], &[]).0);
        start = end;
    }
    assert_eq!(start, music.len(), "the blocks cover the signal");
    assert_eq!(first_difference_from_delayed(&expected, &got, extra), None);
    assert!(got.iter().any(|sample| sample.abs() > 0.1));
}

/// The codec threads running in this process, by their name (Linux); `None` elsewhere (Wine
/// does not give Windows threads' names to their Linux tasks).
fn codec_threads() -> Option<usize> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    let named = |entry: std::fs::DirEntry| std::fs::read_to_string(entry.path().join("comm")).ok();
    Some(
        tasks
            .filter_map(|entry| named(entry.ok()?))
            .filter(|name| name.trim_end() == roundtrip_engine::codec_thread::THREAD_NAME)
            .count(),
    )
}

#[test]
fn a_real_time_codec_thread_reports_its_latency_and_stops_with_the_plugin() {
    // The only test here that starts a thread (offline rendering runs the worker inline).
    assert!(codec_threads().is_none_or(|count| count == 0));
    let mut host = activated(RenderMode::Realtime, true);
    // A thread names itself once it runs: wait for that (the clock only guards against a hang).
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while codec_threads().is_some_and(|count| count == 0) && std::time::Instant::now() < give_up {
        std::thread::yield_now();
    }
    assert!(codec_threads().is_none_or(|count| count == 1), "{:?}", codec_threads());
    let mut plain = activated(RenderMode::Realtime, false);
    assert_eq!(host.latency() as usize, plain.latency() as usize + EXTRA);
    let music = test_signal::music(96_000, 1, 0.5);
    // However late the thread is on this machine, this runs without allocating in `process`
    // (a debug build aborts if it does).
    process_random_blocks(&mut host, &music, &music, BLOCK as usize, &[], 4);
    // Turning it off again waits for the host too, and the next activation joins the thread.
    let id = param_named(&host.params(), "Codec thread").id;
    let off = host.text_to_value(id, "Off").unwrap();
    host.process(&[0.0; 64], &[0.0; 64], &[(0, id, off)]);
    assert!(host.honour_restart());
    assert_eq!(host.latency(), plain.latency());
    assert!(codec_threads().is_none_or(|count| count == 0), "the restart joined the thread");
    host.deactivate();
    host.assert_protocol();
    plain.assert_protocol();
}
