//! A loss trace replaces the loss model packet for packet: the packets it marks, and only those,
//! are lost, whatever the host's blocks and rate; a new trace starts from its beginning.

mod common;

use common::{engine, run};
use roundtrip_engine::{LossModel, LossSettings, LossTrace, PacketObserver, SentPacket, Settings, SlotId};
use roundtrip_signal::test_signal;

/// Which packets the network lost, in order.
#[derive(Default)]
struct LostFlags(Vec<bool>);

impl PacketObserver for LostFlags {
    fn sent(&mut self, packet: &SentPacket<'_>) {
        self.0.push(packet.lost);
    }
}

/// A pattern no model draws: lost runs of 1 to 5 packets at irregular places.
fn pattern(packets: usize) -> Vec<bool> {
    (0..packets).map(|index| matches!(index % 37, 3 | 9..=10 | 20..=24) || index % 101 == 50).collect()
}

#[test]
fn the_packets_a_trace_marks_are_lost_at_every_rate_and_block_size() {
    let trace = LossTrace::new(pattern(61)).unwrap();
    // The model the trace stands in for would lose a third of the packets.
    let settings = Settings {
        loss: LossSettings { model: LossModel::GilbertElliott, loss_percent: 33.0, mean_burst_packets: 2.0, seed: 4 },
        ..Settings::default()
    };
    for (rate, max_block) in [(48_000, 4_096), (44_100, 17), (16_000, 1)] {
        let mut engine = engine(rate, 2, settings);
        let mut sender = engine.loss_trace_sender(SlotId::A);
        sender.send(Some(trace.clone()));
        let input = test_signal::interleave_mono(&test_signal::speech(rate, 3.0), 2);
        let mut output = vec![0.0; input.len()];
        let mut lost = LostFlags::default();
        let mut done = 0;
        for block in test_support::random_blocks(max_block, u64::from(rate)) {
            let len = (block * 2).min(input.len() - done);
            if len == 0 {
                break;
            }
            let range = done..done + len;
            engine.process_interleaved_observed(&input[range.clone()], &mut output[range], &mut |_, _| {}, &mut lost);
            done += len;
        }
        // 3 s of 20 ms packets, less the first one's delay: the 61-packet trace repeated.
        assert!(lost.0.len() >= 148, "{rate} Hz: {} packets", lost.0.len());
        let expected: Vec<bool> = (0..lost.0.len() as u64).map(|index| trace.is_lost(index)).collect();
        assert_eq!(lost.0, expected, "{rate} Hz, blocks up to {max_block}");
        assert_eq!(engine.counters(SlotId::A).packets_lost, expected.iter().filter(|&&lost| lost).count() as u64);
    }
}

#[test]
fn a_new_trace_starts_from_its_beginning_and_none_gives_the_model_back() {
    let mut engine = engine(48_000, 1, Settings::default());
    let mut sender = engine.loss_trace_sender(SlotId::A);
    let second = test_signal::speech(48_000, 1.0);
    let mut lost = LostFlags::default();
    let play = |engine: &mut roundtrip_engine::Engine, lost: &mut LostFlags| {
        let mut output = vec![0.0; second.len()];
        engine.process_interleaved_observed(&second, &mut output, &mut |_, _| {}, lost);
    };
    sender.send(Some(LossTrace::new(vec![true]).unwrap()));
    play(&mut engine, &mut lost);
    let all_lost = lost.0.len();
    assert!(lost.0.iter().all(|&lost| lost), "{:?}", lost.0);
    // A period of 3 against 50 packets a second: only a restart lines it up with the first run.
    sender.send(Some(LossTrace::new(vec![false, false, true]).unwrap()));
    play(&mut engine, &mut lost);
    assert_eq!(lost.0[all_lost..all_lost + 6], [false, false, true, false, false, true]);
    let traced = lost.0.len();
    sender.send(None);
    play(&mut engine, &mut lost);
    assert!(lost.0[traced..].iter().all(|&lost| !lost), "the model (no loss) decides again");
    // A reset restarts the trace in force from its start: the same output again.
    sender.send(Some(LossTrace::new(pattern(40)).unwrap()));
    engine.reset();
    let first = run(&mut engine, &second, &[480]);
    engine.reset();
    assert!(run(&mut engine, &second, &[480]) == first, "a reset did not replay the trace from its start");
}
