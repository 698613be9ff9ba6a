//! The meters another thread reads agree with what the engine did.

mod common;

use common::{engine, run};
use roundtrip_codec::{Application, Bandwidth, CodingMode, RateControl};
use roundtrip_engine::{LossModel, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

#[test]
fn meters_report_bitrate_levels_snr_counts_and_latency() {
    let settings = Settings {
        bitrate_bps: 64_000,
        rate_control: RateControl::Cbr,
        loss: LossSettings { model: LossModel::Bernoulli, loss_percent: 5.0, mean_burst_packets: 1.0, seed: 2 },
        ..Settings::default()
    };
    let mut engine = engine(48_000, 2, settings);
    let meters = engine.meters(SlotId::A);
    let input = test_signal::music(48_000, 2, 3.0);
    run(&mut engine, &input, &[256]);
    let snapshot = meters.snapshot();
    let levels = snapshot.levels;
    assert!((levels.actual_bitrate_bps - 64_000.0).abs() < 3_000.0, "{levels:?}");
    assert!((levels.packet_bytes - 160.0).abs() <= 2.0, "CBR 64 kbps × 20 ms is 160 bytes: {levels:?}");
    assert!(levels.input_peak > 0.1 && levels.output_peak > 0.1, "{levels:?}");
    assert!((levels.input_rms_dbfs - levels.output_rms_dbfs).abs() < 3.0, "{levels:?}");
    assert!(levels.snr_db > 0.0 && levels.snr_db < 40.0, "{levels:?}");
    assert_eq!(snapshot.counters, engine.counters(SlotId::A));
    assert_eq!(snapshot.counters.packets_sent, 150, "3 s is exactly 150 packets of 20 ms");
    assert!(snapshot.counters.packets_lost > 0);
    assert_eq!(snapshot.latency_samples, engine.latency_samples() as u64);
}

/// The mode and bandwidth counts of a run of `input` with `settings`, checked to add up to the
/// packets sent, as the meters publish them.
fn coded_after(settings: Settings, channels: usize, input: &[f32]) -> roundtrip_engine::CodedCounts {
    let mut engine = engine(48_000, channels, settings);
    let meters = engine.meters(SlotId::A);
    run(&mut engine, input, &[480]);
    let counters = meters.snapshot().counters;
    let coded = counters.coded();
    assert!(counters.packets_sent > 0 && counters.codec_errors == 0, "{counters:?}");
    assert_eq!(coded.modes.iter().sum::<u64>(), counters.packets_sent, "{coded:?}");
    assert_eq!(coded.bandwidths.iter().sum::<u64>(), counters.packets_sent, "{coded:?}");
    coded
}

#[test]
fn every_packet_sent_is_counted_once_by_mode_and_once_by_bandwidth() {
    let speech = test_signal::speech(48_000, 3.0);
    let plain = coded_after(Settings { bitrate_bps: 64_000, ..Settings::default() }, 1, &speech);
    assert_eq!(plain.main_mode(), Some((CodingMode::Celt, 100.0)), "{plain}");
    // With deep redundancy sent (it needs loss expected, or libopus sends none), libopus codes
    // most of the same speech hybrid: a cost of DRED that the bitrate does not show.
    let dred =
        Settings { bitrate_bps: 64_000, dred_duration_ms: 100, expected_loss_percent: Some(10), ..Settings::default() };
    let dred = coded_after(dred, 1, &speech);
    assert_eq!(dred.main_mode().map(|(mode, _)| mode), Some(CodingMode::Hybrid), "{dred}");
    let narrow = Settings {
        bitrate_bps: 12_000,
        application: Application::Voip,
        bandwidth: Some(Bandwidth::Narrowband),
        ..Settings::default()
    };
    let narrow = coded_after(narrow, 1, &speech);
    assert_eq!(narrow.main_mode(), Some((CodingMode::Silk, 100.0)), "{narrow}");
    assert_eq!(narrow.main_bandwidth(), Some((Bandwidth::Narrowband, 100.0)), "{narrow}");
}
