//! Late packets: with a known delay distribution and playout delay, the share of packets that
//! arrive after their playout time is the distribution's tail beyond it; late packets are counted
//! apart from lost ones and rebuilt from FEC only when the packet carrying it came in time; no
//! jitter leaves the output bit for bit as it was.

mod common;

use common::{engine, run};
use roundtrip_codec::{Application, Channels, FrameDuration};
use roundtrip_engine::round_trip::RoundTrip;
use roundtrip_engine::{JitterSettings, LossModel, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

/// Runs `packets` frames of speech (10 s, repeated) through a round trip at 8 kHz mono; returns
/// its counters.
fn counters_after(settings: &Settings, packets: usize) -> roundtrip_engine::meters::Counters {
    let mut round_trip =
        RoundTrip::new(8_000, Channels::Mono, settings, roundtrip_engine::pipeline::max_recovery_frames())
            .expect("a round trip");
    let frame = round_trip.frame_samples();
    let speech = test_signal::speech(8_000, 10.0);
    let mut output = vec![0.0; frame];
    for input in speech.chunks_exact(frame).cycle().take(packets) {
        round_trip.process_frame(input, &mut output, &mut ());
    }
    round_trip.counters
}

#[test]
fn the_late_share_is_the_delay_distributions_tail_beyond_the_playout_delay() {
    const PACKETS: usize = 100_000;
    for (mean_jitter_ms, playout_ms) in [(2.5, 10), (5.0, 10), (5.0, 20)] {
        let settings = Settings {
            frame: FrameDuration::Ms2_5,
            bitrate_bps: 6_000,
            jitter: JitterSettings { mean_jitter_ms, playout_ms, ..JitterSettings::DEFAULT },
            ..Settings::default()
        };
        let counters = counters_after(&settings, PACKETS);
        // Packets played out so far: all but those still held.
        let played = counters.packets_sent as f64;
        let late = 100.0 * counters.packets_late as f64 / played;
        // Exponential delays: P(delay > playout) = exp(-playout / mean). Delays are rounded to
        // the 1/8 ms of an 8 kHz sample, which moves the tail by far less than the tolerance.
        let expected = 100.0 * (-f64::from(playout_ms) / f64::from(mean_jitter_ms)).exp();
        println!("mean {mean_jitter_ms} ms, playout {playout_ms} ms: {late:.2} % late, {expected:.2} % expected");
        assert!(
            (late - expected).abs() <= 0.5,
            "mean {mean_jitter_ms} ms, playout {playout_ms} ms: {late:.2} % late, {expected:.2} % expected"
        );
        assert_eq!(counters.packets_lost, 0, "late is not lost");
        assert_eq!(counters.concealed, counters.packets_late, "every late packet is concealed (no FEC, no DRED)");
    }
}

#[test]
fn fec_rebuilds_a_late_packet_only_from_a_packet_that_came_in_time() {
    // Spikes delay a run of packets together: the next packet's FEC is often late too.
    let settings = Settings {
        frame: FrameDuration::Ms10,
        bitrate_bps: 24_000,
        application: Application::Voip,
        fec: true,
        expected_loss_percent: Some(20),
        jitter: JitterSettings {
            mean_jitter_ms: 4.0,
            spike_percent: 3.0,
            spike_ms: 120.0,
            playout_ms: 20,
            ..JitterSettings::DEFAULT
        },
        ..Settings::default()
    };
    let counters = counters_after(&settings, 20_000);
    println!(
        "{} late of {}: {} rebuilt by FEC, {} concealed",
        counters.packets_late, counters.packets_sent, counters.recovered_fec, counters.concealed
    );
    assert!(counters.packets_late > 1_000, "{counters:?}");
    assert!(counters.recovered_fec > 0, "{counters:?}");
    // Without the rule, FEC would rebuild every late packet whose successor was not lost.
    assert!(counters.recovered_fec < counters.packets_late * 9 / 10, "{counters:?}");
    assert_eq!(counters.recovered_fec + counters.recovered_dred + counters.concealed, counters.packets_late);
}

#[test]
fn no_jitter_leaves_the_output_and_the_loss_pattern_as_they_were() {
    let rate = 48_000;
    let input = test_signal::interleave_mono(&test_signal::speech(rate, 2.0), 2);
    let loss = LossSettings { model: LossModel::GilbertElliott, loss_percent: 15.0, mean_burst_packets: 2.0, seed: 9 };
    let plain = Settings { fec: true, application: Application::Voip, loss, ..Settings::default() };
    let reference = run(&mut engine(rate, 2, plain), &input, &[480]);
    // A jitter buffer as deep as FEC's wait, and delays that all fit in it, change nothing.
    let timed = Settings { jitter: JitterSettings { playout_ms: 20, ..JitterSettings::DEFAULT }, ..plain };
    assert!(run(&mut engine(rate, 2, timed), &input, &[480]) == reference);
    // Jitter draws from a stream of its own: the same packets are lost with it as without.
    let jittery = Settings {
        jitter: JitterSettings { mean_jitter_ms: 20.0, playout_ms: 40, ..JitterSettings::DEFAULT },
        ..plain
    };
    let mut with = engine(rate, 2, jittery);
    run(&mut with, &input, &[480]);
    let mut without =
        engine(rate, 2, Settings { jitter: JitterSettings { playout_ms: 40, ..JitterSettings::DEFAULT }, ..plain });
    run(&mut without, &input, &[480]);
    assert_eq!(with.counters(SlotId::A).packets_lost, without.counters(SlotId::A).packets_lost);
    assert!(with.counters(SlotId::A).packets_late > 0);
}
