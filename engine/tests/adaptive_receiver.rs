//! The adaptive receiver ([`Receiver::Adaptive`]): without jitter it plays bit for bit what the
//! fixed receiver plays at the same delay; its target follows the delays it measures; on the
//! same network it is late less often than a fixed receiver waiting as long on average; its
//! stretches keep a sung vowel's pitch and level without a click; a delay trace replays it.

mod common;

use common::{engine, run};
use roundtrip_codec::{Channels, FrameDuration};
use roundtrip_engine::meters::Counters;
use roundtrip_engine::round_trip::RoundTrip;
use roundtrip_engine::{JitterSettings, LossModel, LossSettings, LossTrace, Receiver, Settings, SlotId};
use roundtrip_signal::test_signal;

fn adaptive(min_ms: u16, max_ms: u16) -> JitterSettings {
    JitterSettings { receiver: Receiver::Adaptive { min_ms, max_ms }, ..JitterSettings::DEFAULT }
}

/// A round trip at `rate` mono for `settings`.
fn round_trip(rate: u32, settings: &Settings) -> RoundTrip {
    RoundTrip::new(rate, Channels::Mono, settings, roundtrip_engine::pipeline::max_recovery_frames()).unwrap()
}

/// Runs `input` through `round_trip` frame by frame, taking the settings `at(frame index)` gives
/// before each; returns the output and the counters after each frame.
fn play(
    round_trip: &mut RoundTrip,
    input: &[f32],
    frames: usize,
    at: impl Fn(usize) -> Settings,
) -> (Vec<f32>, Vec<Counters>) {
    let frame = round_trip.frame_samples();
    let mut output = vec![0.0; frames * frame];
    let mut counters = Vec::with_capacity(frames);
    for (index, (input, output)) in input.chunks_exact(frame).cycle().zip(output.chunks_exact_mut(frame)).enumerate() {
        round_trip.configure(&at(index), false);
        round_trip.process_frame(input, output, &mut ());
        counters.push(round_trip.counters);
    }
    (output, counters)
}

#[test]
fn without_jitter_adaptive_plays_bit_for_bit_what_fixed_plays_at_the_same_delay() {
    let rate = 48_000;
    let input = test_signal::interleave_mono(&test_signal::speech(rate, 4.0), 2);
    let lossy = LossSettings { model: LossModel::GilbertElliott, loss_percent: 10.0, mean_burst_packets: 2.0, seed: 3 };
    for loss in [LossSettings::default(), lossy] {
        let fixed = Settings {
            loss,
            jitter: JitterSettings { playout_ms: 40, ..JitterSettings::DEFAULT },
            ..Settings::default()
        };
        let adaptive = Settings { jitter: adaptive(40, 200), ..fixed };
        let (mut fixed_engine, mut adaptive_engine) = (engine(rate, 2, fixed), engine(rate, 2, adaptive));
        let blocks = [64, 300, 1, 4096, 480];
        let (fixed_out, adaptive_out) =
            (run(&mut fixed_engine, &input, &blocks), run(&mut adaptive_engine, &input, &blocks));
        assert!(fixed_out.iter().any(|&sample| sample != 0.0));
        assert!(fixed_out == adaptive_out, "{loss:?}: the adaptive receiver played something else");
        // It plays at 40 ms and reports its maximum, 160 ms more.
        assert_eq!(adaptive_engine.latency_samples() - fixed_engine.latency_samples(), 160 * 48);
        let counters = adaptive_engine.counters(SlotId::A);
        assert_eq!((counters.accelerations, counters.expansions), (0, 0));
        assert_eq!((counters.playout_delay_us, counters.target_delay_us), (40_000, 40_000));
    }
}

#[test]
fn a_step_in_jitter_raises_the_target_within_two_seconds_and_it_comes_back_down_after() {
    let calm =
        Settings { frame: FrameDuration::Ms20, bitrate_bps: 8_000, jitter: adaptive(20, 200), ..Settings::default() };
    let rough = Settings { jitter: JitterSettings { mean_jitter_ms: 10.0, ..calm.jitter }, ..calm };
    let speech = test_signal::speech(8_000, 10.0);
    // 20 s calm, 20 s of jitter, 100 s calm: 50 frames a second.
    let mut round_trip = round_trip(8_000, &calm);
    let (_, counters) =
        play(&mut round_trip, &speech, 140 * 50, |index| if (1_000..2_000).contains(&index) { rough } else { calm });
    let target_ms = |second: usize| counters[second * 50 - 1].target_delay_us as f64 / 1000.0;
    assert_eq!(target_ms(20), 20.0);
    // NetEq adds the largest delay of each 500 ms; 3 additions give a new bucket 5 % of the
    // weight (1 − 0.983³), so the target has risen within 1.5 to 2 s of the step.
    let risen = (20..40).find(|&second| target_ms(second) > 20.0).unwrap();
    assert!(risen <= 22, "risen after {} s: {:?}", risen - 20, (20..40).map(target_ms).collect::<Vec<_>>());
    let peak = (20..=40).map(target_ms).fold(0.0, f64::max);
    // The largest of 25 exponential delays of mean 10 ms is about 10 · ln 25 = 32 ms, and the 95th
    // percentile of those maxima some 30 ms more.
    assert!((60.0..=100.0).contains(&peak), "peak target {peak} ms");
    // Down again once the jitter's weight has been forgotten: 0.983ⁿ ≤ 5 % after 175 additions
    // at most (88 s), fewer as the step never reached all the weight.
    let fallen = (40..140).find(|&second| target_ms(second) == 20.0).unwrap();
    println!("target risen {} s after the step, peak {peak} ms, back at 20 ms {} s after it", risen - 20, fallen - 40);
    assert!((60..=130).contains(&fallen), "back at 20 ms {} s after the jitter stopped", fallen - 40);
    // The delay played follows the target up (it plays slower to get there).
    let delay_ms = counters[40 * 50 - 1].playout_delay_us as f64 / 1000.0;
    assert!(delay_ms >= target_ms(40) - 15.0, "delay {delay_ms} ms for a target of {} ms", target_ms(40));
    assert!(counters[40 * 50 - 1].expansions > 0);
}

/// Lost share and mean delay of a receiver on 300 s of 10 ms packets: 120 s calm and 30 s of
/// jitter (mean 20 ms), twice.
fn late_and_mean_delay(jitter: JitterSettings) -> (f64, f64) {
    let calm = Settings { frame: FrameDuration::Ms10, bitrate_bps: 8_000, jitter, ..Settings::default() };
    let rough = Settings { jitter: JitterSettings { mean_jitter_ms: 20.0, ..jitter }, ..calm };
    let speech = test_signal::speech(8_000, 10.0);
    let mut round_trip = round_trip(8_000, &calm);
    let (_, counters) =
        play(&mut round_trip, &speech, 300 * 100, |index| if index / 100 % 150 >= 120 { rough } else { calm });
    let last = counters[counters.len() - 1];
    let mean_delay_ms = match jitter.receiver {
        Receiver::Fixed => f64::from(jitter.playout_ms),
        Receiver::Adaptive { .. } => {
            counters.iter().map(|c| c.playout_delay_us as f64 / 1000.0).sum::<f64>() / counters.len() as f64
        }
    };
    (last.late_percent(), mean_delay_ms)
}

#[test]
fn on_the_same_network_adaptive_is_late_less_often_than_fixed_waiting_as_long_on_average() {
    let (adaptive_late, adaptive_delay) = late_and_mean_delay(adaptive(20, 200));
    // The fixed receiver waits whole frames: give it the mean rounded up.
    let playout_ms = ((adaptive_delay / 10.0).ceil() * 10.0) as u16;
    let (fixed_late, _) = late_and_mean_delay(JitterSettings { playout_ms, ..JitterSettings::DEFAULT });
    println!(
        "adaptive: {adaptive_late:.2} % late at {adaptive_delay:.1} ms on average; fixed at {playout_ms} ms: {fixed_late:.2} %"
    );
    assert!(adaptive_late < 0.75 * fixed_late, "adaptive {adaptive_late:.2} %, fixed {fixed_late:.2} %");
}

/// A sung /a/ at 220 Hz: harmonics shaped by three formants (700, 1220, 2600 Hz).
fn sung_vowel(rate: u32, seconds: f64) -> Vec<f32> {
    let formant = |frequency: f64, centre: f64, width: f64| 1.0 / (1.0 + ((frequency - centre) / width).powi(2));
    let harmonics: Vec<(f64, f64)> = (1..=30)
        .map(|h| 220.0 * f64::from(h))
        .filter(|&frequency| frequency < f64::from(rate) / 2.0 - 500.0)
        .map(|frequency| {
            (
                frequency,
                formant(frequency, 700.0, 130.0)
                    + 0.5 * formant(frequency, 1_220.0, 150.0)
                    + 0.25 * formant(frequency, 2_600.0, 200.0),
            )
        })
        .collect();
    let total: f64 = harmonics.iter().map(|(_, amplitude)| amplitude).sum();
    (0..(seconds * f64::from(rate)) as usize)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            let sum: f64 = harmonics.iter().map(|(f, a)| a * (std::f64::consts::TAU * f * t).sin()).sum();
            (0.5 * sum / total) as f32
        })
        .collect()
}

/// The period (in samples, interpolated) that best repeats `window`, between 2.5 and 15 ms.
fn period_of(window: &[f32], rate: u32) -> f64 {
    let similarity = |lag: usize| -> f64 {
        let (a, b) = (&window[..window.len() - lag], &window[lag..]);
        let cross: f64 = a.iter().zip(b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
        let energy = (a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>()
            * b.iter().map(|&y| f64::from(y).powi(2)).sum::<f64>())
        .sqrt();
        cross / energy.max(1e-30)
    };
    let lags = (rate as usize / 400)..=(rate as usize * 15 / 1000);
    let scores: Vec<f64> = lags.clone().map(similarity).collect();
    let best = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let index = scores.iter().position(|&score| score >= best - 0.02).unwrap();
    let lag = (lags.start() + index) as f64;
    if index == 0 || index + 1 == scores.len() {
        return lag;
    }
    let (a, b, c) = (scores[index - 1], scores[index], scores[index + 1]);
    lag + 0.5 * (a - c) / (a - 2.0 * b + c)
}

#[test]
fn stretches_keep_a_sung_vowels_pitch_and_level_without_a_step_above_its_own() {
    let rate = 16_000;
    let vowel = sung_vowel(rate, 10.0);
    // 5 s at 20 ms, the minimum raised to 120 ms (plays slower to get there), then back to 20 ms
    // (plays faster): 10 ms packets.
    let base =
        Settings { frame: FrameDuration::Ms10, bitrate_bps: 48_000, jitter: adaptive(20, 200), ..Settings::default() };
    let at = |index: usize| {
        let min_ms = if (500..1_000).contains(&index) { 120 } else { 20 };
        Settings { jitter: adaptive(min_ms, 200), ..base }
    };
    let (stretched, counters) = play(&mut round_trip(rate, &base), &vowel, 1_500, at);
    let (plain, _) = play(&mut round_trip(rate, &base), &vowel, 1_500, |_| base);
    let last = counters[counters.len() - 1];
    assert!(last.expansions >= 5 && last.accelerations >= 5, "{last:?}");
    assert!(last.stretch_added_us >= 60_000 && last.stretch_removed_us >= 60_000, "{last:?}");
    // Where it stretched: from 5 s to 7 s and from 10 s to 12 s.
    let frames_of =
        |from_s: f64, to_s: f64| &stretched[(from_s * f64::from(rate)) as usize..(to_s * f64::from(rate)) as usize];
    let expected_period = f64::from(rate) / 220.0;
    let mut worst_period = 0.0f64;
    for (from, to) in [(5.0, 7.0), (10.0, 12.0)] {
        for window in frames_of(from, to).chunks_exact(rate as usize * 40 / 1000) {
            let period = period_of(window, rate);
            worst_period = worst_period.max((period - expected_period).abs() / expected_period);
            assert!(
                (period - expected_period).abs() < 0.02 * expected_period,
                "period {period:.2}, expected {expected_period:.2}"
            );
        }
        let rms =
            |signal: &[f32]| (signal.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / signal.len() as f64).sqrt();
        let plain_rms = rms(&plain[(from * f64::from(rate)) as usize..(to * f64::from(rate)) as usize]);
        let level_db = 20.0 * (rms(frames_of(from, to)) / plain_rms).log10();
        println!("{from} s to {to} s: level {level_db:+.3} dB against the unstretched decode");
        assert!(level_db.abs() < 0.5, "{from} s to {to} s: {level_db:+.2} dB against the unstretched decode");
    }
    println!("pitch within {:.3} % of 220 Hz in every 40 ms window", worst_period * 100.0);
    let largest_step = |signal: &[f32]| signal.windows(2).map(|pair| (pair[1] - pair[0]).abs()).fold(0.0f32, f32::max);
    let own = largest_step(&plain[rate as usize..]);
    let steps = largest_step(&stretched[rate as usize..]);
    println!("{last:?}\nlargest step {steps:.4}, the decode's own {own:.4}");
    assert!(steps <= own * 1.05, "largest step {steps:.4} against the decode's own {own:.4}");
}

#[test]
fn a_delay_trace_replays_the_adaptive_receivers_decisions_bit_for_bit() {
    let rate = 16_000;
    let settings = Settings {
        frame: FrameDuration::Ms20,
        jitter: JitterSettings { mean_jitter_ms: 25.0, ..adaptive(20, 200) },
        loss: LossSettings { loss_percent: 5.0, seed: 9, ..LossSettings::default() },
        ..Settings::default()
    };
    let input = test_signal::speech(rate, 20.0);
    // The delays as the network drew them, then replayed as a trace.
    let mut drawn = engine(rate, 1, settings);
    let mut recorder = roundtrip_engine_recorder::Delays::default();
    let output = {
        let mut output = vec![0.0; input.len()];
        for (block_in, block_out) in input.chunks(320).zip(output.chunks_mut(320)) {
            drawn.process_interleaved_observed(block_in, block_out, &mut |_, _| {}, &mut recorder);
        }
        output
    };
    let trace = LossTrace::with_delays(recorder.0).unwrap();
    let mut replayed =
        engine(rate, 1, Settings { jitter: JitterSettings { mean_jitter_ms: 0.0, ..settings.jitter }, ..settings });
    replayed.loss_trace_sender(SlotId::A).send(Some(trace));
    let again = run(&mut replayed, &input, &[320]);
    assert!(
        drawn.counters(SlotId::A).accelerations + drawn.counters(SlotId::A).expansions > 0,
        "{:?}",
        drawn.counters(SlotId::A)
    );
    assert_eq!(drawn.counters(SlotId::A).accelerations, replayed.counters(SlotId::A).accelerations);
    assert!(output == again, "the replay played something else");
}

mod roundtrip_engine_recorder {
    use roundtrip_engine::{PacketObserver, SentPacket};

    /// Each packet's delay as sent, `None` for a lost one.
    #[derive(Default)]
    pub struct Delays(pub Vec<Option<f64>>);

    impl PacketObserver for Delays {
        fn sent(&mut self, packet: &SentPacket<'_>) {
            self.0.push((!packet.lost).then_some(packet.delay_ms));
        }
    }
}
