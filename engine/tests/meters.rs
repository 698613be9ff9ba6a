//! The meters another thread reads agree with what the engine did.

mod common;

use common::{engine, run};
use roundtrip_codec::RateControl;
use roundtrip_engine::{LossModel, LossSettings, Settings};
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
    let meters = engine.meters();
    let input = test_signal::music(48_000, 2, 3.0);
    run(&mut engine, &input, &[256]);
    let snapshot = meters.snapshot();
    let levels = snapshot.levels;
    assert!((levels.actual_bitrate_bps - 64_000.0).abs() < 3_000.0, "{levels:?}");
    assert!((levels.packet_bytes - 160.0).abs() <= 2.0, "CBR 64 kbps × 20 ms is 160 bytes: {levels:?}");
    assert!(levels.input_peak > 0.1 && levels.output_peak > 0.1, "{levels:?}");
    assert!((levels.input_rms_dbfs - levels.output_rms_dbfs).abs() < 3.0, "{levels:?}");
    assert!(levels.snr_db > 0.0 && levels.snr_db < 40.0, "{levels:?}");
    assert_eq!(snapshot.counters, engine.counters());
    assert_eq!(snapshot.counters.packets_sent, 150, "3 s is exactly 150 packets of 20 ms");
    assert!(snapshot.counters.packets_lost > 0);
    assert_eq!(snapshot.latency_samples, engine.latency_samples() as u64);
}
