//! Comparing settings: slots B to F coded beside A on the same input. The latency is the slowest
//! chain's; each slot then plays, bit for bit, what an engine with its settings alone plays,
//! delayed to that latency, and so does the dry input; a switch between them lands on the same
//! sample and makes no step the sources themselves do not make.

mod common;

use common::{engine, engine_with_slots, random_blocks, run};
use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{Comparison, Engine, Listen, LossModel, LossSettings, MAX_SLOTS, Settings, SlotId};
use roundtrip_signal::test_signal;
use test_support::{add_pulse, peak_position};

/// Slot A: short frames at a high bitrate.
fn fast() -> Settings {
    Settings { bitrate_bps: 128_000, frame: FrameDuration::Ms10, ..Settings::default() }
}

/// Slot B: long frames, FEC and bursty loss at a speech bitrate: a longer latency.
fn slow() -> Settings {
    Settings {
        bitrate_bps: 16_000,
        frame: FrameDuration::Ms60,
        application: Application::Voip,
        fec: true,
        loss: LossSettings { model: LossModel::GilbertElliott, loss_percent: 10.0, ..LossSettings::default() },
        ..Settings::default()
    }
}

/// An engine with `a` in slot A and `b` in slot B, hearing `listen`, as if it started that way.
fn comparing(rate: u32, channels: usize, a: Settings, b: Settings, listen: Listen) -> Engine {
    let mut engine = engine_with_slots(rate, channels, a, 2);
    engine.set_comparison(&Comparison::listening(listen).with(SlotId::B, Some(b)));
    engine.reset();
    engine
}

/// `signal` delayed by `frames` frames of `channels` samples, silence first, same length.
fn delayed(signal: &[f32], frames: usize, channels: usize) -> Vec<f32> {
    let shift = (frames * channels).min(signal.len());
    let mut out = vec![0.0; signal.len()];
    out[shift..].copy_from_slice(&signal[..signal.len() - shift]);
    out
}

#[test]
fn each_source_plays_as_alone_delayed_to_the_slower_chain() {
    for (rate, channels) in [(48_000, 2), (44_100, 1)] {
        let input = test_signal::music(rate, channels, 1.5);
        let blocks = random_blocks(100, 1_500, u64::from(rate));
        let mut alone_a = engine(rate, channels, fast());
        let mut alone_b = engine(rate, channels, slow());
        let (latency_a, latency_b) = (alone_a.latency_samples(), alone_b.latency_samples());
        assert!(latency_b > latency_a + 1_000, "{rate} Hz: {latency_a} against {latency_b}");
        let (out_a, out_b) = (run(&mut alone_a, &input, &blocks), run(&mut alone_b, &input, &blocks));
        for (listen, expected) in [
            (Listen::A, delayed(&out_a, latency_b - latency_a, channels)),
            (Listen::B, out_b.clone()),
            (Listen::Dry, delayed(&input, latency_b, channels)),
        ] {
            let mut engine = comparing(rate, channels, fast(), slow(), listen);
            assert_eq!(engine.latency_samples(), latency_b, "{rate} Hz {listen:?}");
            let output = run(&mut engine, &input, &blocks);
            assert!(output == expected, "{rate} Hz {listen:?}: not the source alone, delayed");
            assert_eq!(engine.counters(SlotId::A).underruns + engine.counters(SlotId::B).underruns, 0);
        }
        // The other way round: B faster than A, so B waits.
        let mut engine = comparing(rate, channels, slow(), fast(), Listen::B);
        assert_eq!(engine.latency_samples(), latency_b);
        assert!(run(&mut engine, &input, &blocks) == delayed(&out_a, latency_b - latency_a, channels));
    }
}

#[test]
fn turning_b_on_and_off_restarts_at_the_slower_latency_and_back() {
    let input = test_signal::music(48_000, 2, 1.0);
    let mut engine = engine_with_slots(48_000, 2, fast(), 2);
    let alone = engine.latency_samples();
    assert_eq!(engine.meters(SlotId::B).snapshot().latency_samples, 0, "B does not run: its meters say so");
    let mut output = vec![0.0; input.len()];
    engine.set_comparison(&Comparison::listening(Listen::B).with(SlotId::B, Some(slow())));
    engine.process_interleaved(&input[..9_600], &mut output[..9_600]);
    let slower = engine.latency_samples();
    assert!(slower > alone, "{slower} after B came in, {alone} before");
    assert_eq!(engine.comparison(), Comparison::listening(Listen::B).with(SlotId::B, Some(slow().clamped())));
    let b_meters = engine.meters(SlotId::B).snapshot();
    assert_eq!(b_meters.latency_samples as usize, slower);
    assert!(b_meters.counters.packets_sent > 0);
    engine.set_comparison(&Comparison::listening(Listen::B));
    engine.process_interleaved(&input[9_600..19_200], &mut output[9_600..19_200]);
    assert_eq!(engine.latency_samples(), alone);
    assert_eq!(engine.meters(SlotId::B).snapshot().latency_samples, 0);
    // B back: its counts start again from zero.
    engine.set_comparison(&Comparison::listening(Listen::B).with(SlotId::B, Some(slow())));
    engine.process_interleaved(&input[19_200..19_200 + 480], &mut output[19_200..19_200 + 480]);
    assert!(engine.counters(SlotId::B).packets_sent < b_meters.counters.packets_sent);
}

#[test]
fn the_same_impulse_lands_on_the_same_sample_from_dry_a_and_b() {
    let rate = 48_000;
    let sharp = |frame| Settings { bitrate_bps: 510_000, frame, ..Settings::default() };
    let (a, b) = (sharp(FrameDuration::Ms10), sharp(FrameDuration::Ms60));
    let mut engine = comparing(rate, 1, a, b, Listen::Dry);
    let latency = engine.latency_samples();
    let spacing = 24_000;
    let sources = [Listen::Dry, Listen::A, Listen::B, Listen::Dry, Listen::B, Listen::A];
    let mut input = vec![0.0f32; spacing * (sources.len() + 1) + latency];
    let starts: Vec<usize> = (0..sources.len()).map(|i| spacing / 2 + i * spacing + i * 37).collect();
    starts.iter().for_each(|&start| add_pulse(&mut input, start, rate));
    let mut output = vec![0.0; input.len()];
    // Each source is switched to a quarter spacing before its impulse comes out.
    let mut done = 0;
    for (&start, &source) in starts.iter().zip(&sources) {
        let switch_at = start + latency - spacing / 4;
        engine.process_interleaved(&input[done..switch_at], &mut output[done..switch_at]);
        engine.set_comparison(&Comparison::listening(source).with(SlotId::B, Some(b)));
        done = switch_at;
    }
    let end = input.len();
    engine.process_interleaved(&input[done..], &mut output[done..end]);
    // What each source plays alone, to tell which one was heard: Dry, A and B differ in their
    // last bits even at 510 kbps.
    let alone = [Listen::Dry, Listen::A, Listen::B].map(|listen| {
        let mut engine = comparing(rate, 1, a, b, listen);
        (listen, run(&mut engine, &input, &[480]))
    });
    for (&start, source) in starts.iter().zip(sources) {
        let window = start..start + latency + spacing / 4;
        let delay = peak_position(&output[window.clone()]);
        assert!((delay - latency as f64).abs() < 0.1, "{source:?}: at {delay}, latency {latency}");
        for (listen, heard) in &alone {
            let same = output[window.clone()] == heard[window.clone()];
            assert_eq!(same, *listen == source, "{source:?} switched in, compared with {listen:?} alone");
        }
    }
}

/// The largest difference between consecutive samples of `signal` (interleaved `channels`
/// wide), from frame `from` on.
fn largest_step(signal: &[f32], channels: usize, from: usize) -> f32 {
    let signal = &signal[from * channels..];
    signal.iter().zip(&signal[channels..]).map(|(a, b)| (b - a).abs()).fold(0.0, f32::max)
}

#[test]
fn switching_sources_makes_no_step_the_sources_do_not_make() {
    let rate = 48_000;
    let tone: Vec<f32> = (0..rate as usize * 2)
        .map(|n| 0.5 * (std::f32::consts::TAU * 1_000.0 * n as f32 / rate as f32).sin())
        .collect();
    let input = test_signal::interleave_mono(&tone, 2);
    let blocks = [256];
    let b = Settings { bitrate_bps: 12_000, ..slow() };
    let own = [Listen::Dry, Listen::A, Listen::B].map(|listen| {
        let mut engine = comparing(rate, 2, fast(), b, listen);
        run(&mut engine, &input, &blocks)
    });
    let mut engine = comparing(rate, 2, fast(), b, Listen::Dry);
    let latency = engine.latency_samples();
    let mut switched = vec![0.0; input.len()];
    let cycle = [Listen::A, Listen::B, Listen::Dry, Listen::B, Listen::A, Listen::Dry];
    for (index, (block_in, block_out)) in input.chunks(2 * 256).zip(switched.chunks_mut(2 * 256)).enumerate() {
        // A switch every 50 ms, after the latency's silence.
        if index * 256 > latency && index % 10 == 0 {
            engine.set_comparison(&Comparison::listening(cycle[index / 10 % cycle.len()]).with(SlotId::B, Some(b)));
        }
        engine.process_interleaved(block_in, block_out);
    }
    // Between switches (once each 5 ms fade is over), each source plays as it does alone.
    let switches = (0..input.len() / 512).filter(|index| index * 256 > latency && index % 10 == 0);
    for index in switches.filter(|index| 2 * (index * 256 + 2_560) <= input.len()) {
        let source = cycle[index / 10 % cycle.len()];
        let own = match source {
            Listen::Dry => &own[0],
            Listen::A => &own[1],
            _ => &own[2],
        };
        let settled = 2 * (index * 256 + 480)..2 * (index * 256 + 2_560);
        assert!(switched[settled.clone()] == own[settled], "block {index}: not {source:?}, switched to");
    }
    // Each source's onset (silence to tone) is past by then.
    let from = latency + 2_400;
    let sources = own.iter().map(|output| largest_step(output, 2, from)).fold(0.0, f32::max);
    let step = largest_step(&switched, 2, from);
    assert!(step <= sources, "switching stepped {step}; the sources at most {sources}");
    // A cut between the tone and B's waveform without the crossfade would step ~20 times more.
    let hard_cut = own[0][from * 2..].iter().zip(&own[2][from * 2..]).map(|(d, b)| (d - b).abs()).fold(0.0, f32::max);
    assert!(hard_cut > 5.0 * sources, "the test could not tell: {hard_cut} against {sources}");
}

#[test]
fn each_slot_meters_its_own_losses() {
    let input = test_signal::interleave_mono(&test_signal::speech(48_000, 6.0), 2);
    let b = Settings { loss: LossSettings { loss_percent: 20.0, ..LossSettings::default() }, ..fast() };
    let mut engine = comparing(48_000, 2, fast(), b, Listen::A);
    run(&mut engine, &input, &[480]);
    let (a, b) = (engine.meters(SlotId::A).snapshot(), engine.meters(SlotId::B).snapshot());
    assert_eq!(a.counters.packets_lost, 0);
    assert_eq!(a.counters.packets_sent, b.counters.packets_sent);
    let percent = b.counters.loss_percent();
    assert!((15.0..25.0).contains(&percent), "B lost {percent} %");
    assert_eq!(a.latency_samples, b.latency_samples);
}

/// Six settings that differ in frame, bitrate, application, FEC and loss: six latencies.
fn six_settings() -> [Settings; MAX_SLOTS] {
    let frames = [FrameDuration::Ms10, FrameDuration::Ms20, FrameDuration::Ms40, FrameDuration::Ms60];
    std::array::from_fn(|index| Settings {
        bitrate_bps: [96_000, 12_000, 32_000, 24_000, 64_000, 16_000][index],
        frame: frames[index % frames.len()],
        application: if index % 2 == 0 { Application::Audio } else { Application::Voip },
        fec: index % 3 == 1,
        loss: LossSettings { loss_percent: (index * 6) as f32, seed: index as u64, ..LossSettings::default() },
        ..Settings::default()
    })
}

#[test]
fn six_slots_each_play_as_alone_delayed_to_the_slowest_chain() {
    let (rate, channels) = (44_100, 2);
    let input = test_signal::music(rate, channels, 1.5);
    let blocks = random_blocks(100, 1_500, 6);
    let settings = six_settings();
    let alone: Vec<(usize, Vec<f32>, Engine)> = settings
        .iter()
        .map(|settings| {
            let mut engine = engine(rate, channels, *settings);
            let output = run(&mut engine, &input, &blocks);
            (engine.latency_samples(), output, engine)
        })
        .collect();
    let slowest = alone.iter().map(|(latency, ..)| *latency).max().unwrap();
    let fastest = alone.iter().map(|(latency, ..)| *latency).min().unwrap();
    assert!(slowest > fastest + 1_000, "the latencies should differ: {fastest} to {slowest}");
    let comparison = |listen: Listen| {
        SlotId::COMPARED
            .into_iter()
            .fold(Comparison::listening(listen), |comparison, slot| comparison.with(slot, Some(settings[slot.index()])))
    };
    for slot in SlotId::ALL {
        let mut engine = engine_with_slots(rate, channels, settings[0], MAX_SLOTS);
        engine.set_comparison(&comparison(slot.into()));
        engine.reset();
        assert_eq!(engine.latency_samples(), slowest, "{slot:?}");
        let output = run(&mut engine, &input, &blocks);
        let (latency, own, _) = &alone[slot.index()];
        assert!(output == delayed(own, slowest - latency, channels), "{slot:?}: not its settings alone, delayed");
        // Every slot, heard or not, sent and lost what its settings alone do.
        for (other, (.., own)) in SlotId::ALL.into_iter().zip(&alone) {
            let (counted, own) = (engine.counters(other), own.counters(SlotId::A));
            let fates = |counters: roundtrip_engine::Counters| (counters.packets_sent, counters.packets_lost);
            assert_eq!(fates(counted), fates(own), "{slot:?} heard, {other:?}'s packets");
        }
    }
    let losses: Vec<u64> = alone.iter().map(|(.., engine)| engine.counters(SlotId::A).packets_lost).collect();
    assert!(losses[0] == 0 && losses[1..].iter().all(|&lost| lost > 0), "every slot but A loses: {losses:?}");
}

#[test]
fn a_slot_the_engine_was_not_made_with_stays_off() {
    let (rate, channels) = (48_000, 1);
    let input = test_signal::music(rate, channels, 0.5);
    let mut alone = engine(rate, channels, fast());
    let expected = run(&mut alone, &input, &[480]);
    // Three slots: D is asked for and heard, but the engine has none, so A plays, undelayed.
    let mut engine = engine_with_slots(rate, channels, fast(), 3);
    assert_eq!(engine.slot_count(), 3);
    engine.set_comparison(&Comparison::listening(Listen::D).with(SlotId::D, Some(slow())));
    engine.reset();
    assert!(!engine.comparison().compares(), "{:?}", engine.comparison());
    assert!(run(&mut engine, &input, &[480]) == expected);
    assert_eq!(engine.counters(SlotId::D).packets_sent, 0);
    assert_eq!(engine.meters(SlotId::D).snapshot().latency_samples, 0);
}
