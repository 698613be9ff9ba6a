//! Arbitrary setting sequences, including out-of-range and non-finite values, changed between
//! random blocks at every kind of host rate: the output stays finite and within the ceiling, and
//! the pipeline never runs dry. Bounded here (`ROUNDTRIP_FUZZ_CHANGES`, default 2,000 changes per
//! rate); `cargo xtask fuzz` runs many more.

mod common;

use roundtrip_codec::{Application, Bandwidth, FrameDuration, RateControl};
use roundtrip_engine::{JitterSettings, LossModel, LossSettings, Monitor, OUTPUT_CEILING, Receiver, Settings, SlotId};
use roundtrip_signal::test_signal;

use common::{engine, random_blocks};

/// Settings drawn from `draw`, sometimes far outside their ranges.
fn arbitrary_settings(draw: &mut impl FnMut() -> u64) -> Settings {
    let wild = |value: u64| f32::from_bits(value as u32);
    let mut pick = |n: u64| draw() % n;
    Settings {
        bitrate_bps: [6_000, 24_000, 64_000, 510_000, -5, i32::MAX][pick(6) as usize],
        frame: FrameDuration::FIXED[pick(9) as usize],
        complexity: pick(14) as u8,
        application: [Application::Voip, Application::Audio, Application::RestrictedLowDelay][pick(3) as usize],
        bandwidth: [None, Some(Bandwidth::Narrowband), Some(Bandwidth::Wideband), Some(Bandwidth::Fullband)]
            [pick(4) as usize],
        rate_control: [RateControl::Vbr, RateControl::ConstrainedVbr, RateControl::Cbr][pick(3) as usize],
        dtx: pick(2) == 0,
        fec: pick(2) == 0,
        expected_loss_percent: [None, Some(0), Some(20), Some(250)][pick(4) as usize],
        dred_duration_ms: [0, 100, 1_040, 5_000][pick(4) as usize],
        decoder_complexity: pick(12) as u8,
        force_mono: pick(2) == 0,
        loss: LossSettings {
            model: [LossModel::Bernoulli, LossModel::GilbertElliott, LossModel::Realistic][pick(3) as usize],
            loss_percent: [0.0, 5.0, 30.0, 100.0, f32::NAN, -3.0, wild(pick(u64::MAX))][pick(7) as usize],
            mean_burst_packets: [1.0, 3.0, 0.0, f32::INFINITY][pick(4) as usize],
            seed: pick(u64::MAX),
        },
        jitter: JitterSettings {
            mean_jitter_ms: [0.0, 10.0, f32::NAN, 1e9][pick(4) as usize],
            spike_percent: [0.0, 5.0, -1.0, 300.0][pick(4) as usize],
            spike_ms: [0.0, 400.0, f32::INFINITY][pick(3) as usize],
            playout_ms: [0, 60, 200, u16::MAX][pick(4) as usize],
            receiver: [
                Receiver::Fixed,
                Receiver::ADAPTIVE_DEFAULT,
                Receiver::Adaptive { min_ms: u16::MAX, max_ms: 0 },
                Receiver::Adaptive { min_ms: 0, max_ms: u16::MAX },
            ][pick(4) as usize],
        },
        monitor: [Monitor::Decoded, Monitor::Difference, Monitor::Dry][pick(3) as usize],
        mix: [1.0, 0.5, f32::NAN, 9.0][pick(4) as usize],
        output_gain_db: [0.0, 24.0, -60.0, f32::INFINITY, wild(pick(u64::MAX))][pick(5) as usize],
        level_match: pick(2) == 0,
    }
}

fn changes_per_rate() -> usize {
    std::env::var("ROUNDTRIP_FUZZ_CHANGES").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000)
}

#[test]
fn arbitrary_setting_sequences_keep_the_output_sane() {
    let mut random = test_support::XorShift::new(0xC0FF_EE00);
    let mut draw = move || random.next_u64();
    for (rate, channels) in [(48_000, 2), (44_100, 1), (16_000, 2), (96_000, 2)] {
        let mut engine = engine(rate, channels, Settings::default());
        let music = test_signal::music(rate, channels, 1.0);
        let blocks = random_blocks(changes_per_rate(), 1_500, u64::from(rate));
        let mut output = vec![0.0f32; 1_500 * channels];
        let mut position = 0;
        for (change, &block) in blocks.iter().enumerate() {
            engine.set_settings(&arbitrary_settings(&mut draw));
            let len = block * channels;
            let start = position % (music.len() - len);
            engine.process_interleaved(&music[start..start + len], &mut output[..len]);
            position += len;
            if let Some(bad) = output[..len].iter().find(|s| !s.is_finite() || s.abs() > OUTPUT_CEILING) {
                panic!("{rate} Hz, change {change}: output sample {bad}");
            }
        }
        let counters = engine.counters(SlotId::A);
        assert_eq!((counters.underruns, counters.rejected_blocks), (0, 0), "{rate} Hz: {counters:?}");
    }
}
