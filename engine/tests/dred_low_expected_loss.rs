//! Issue 28: at low expected loss the encoder sends DRED in nearly every packet, yet the
//! receiver rebuilt none of the lost ones. At 5 % expected loss and 24 kbps libopus budgets one
//! 40 ms latent per packet, whose reach (what `opus_dred_parse` returns) is 15 ms before the
//! packet: short of the 20 ms frame before it, so a `reach >= needed` test refused it every
//! time, although libopus rebuilds that whole frame from it (and `opus_demo` uses it).

mod common;

use common::{engine, run};
use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{Counters, LossModel, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

/// 30 s of speech at 48 kHz mono through the engine, 24 kbps VoIP, DRED 100 ms, with `percent`
/// random loss and the encoder told to expect as much.
fn dred_run(percent: u8) -> Counters {
    let loss = LossSettings {
        model: LossModel::Bernoulli,
        loss_percent: f32::from(percent),
        mean_burst_packets: 1.0,
        seed: 28,
    };
    let settings = Settings {
        bitrate_bps: 24_000,
        application: Application::Voip,
        frame: FrameDuration::Ms20,
        expected_loss_percent: Some(percent),
        dred_duration_ms: 100,
        loss,
        ..Settings::default()
    };
    let mut engine = engine(48_000, 1, settings);
    run(&mut engine, &test_signal::speech(48_000, 30.0), &[480]);
    engine.counters(SlotId::A)
}

#[test]
fn dred_rebuilds_most_losses_at_5_percent_expected_loss() {
    let counters = dred_run(5);
    println!("{counters:?}");
    assert!(counters.packets_lost >= 40, "{counters:?}");
    assert!(counters.packets_with_dred * 10 >= counters.packets_sent * 8, "{counters:?}");
    // Single losses after a packet that carries DRED are rebuilt; what stays concealed is the
    // first of two in a row (before the single latent's reach) and losses before a packet in
    // a pause of the speech, which carries none.
    assert!(
        counters.recovered_dred * 10 >= counters.packets_lost * 7,
        "DRED rebuilt {} of {} lost packets ({} concealed)",
        counters.recovered_dred,
        counters.packets_lost,
        counters.concealed
    );
    assert_eq!(counters.recovered_fec, 0);
}
