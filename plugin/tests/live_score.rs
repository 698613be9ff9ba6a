//! The live score of A and B: the side that runs with the engine copies both slots' audio
//! without allocating (this debug binary aborts on any allocation inside `assert_no_alloc`), and
//! only while the editor is open; the scoring thread scores each slot over its window, ranks a B
//! whose decoded audio carries noise below an A that is the input itself, and finds B's noise
//! audible and nothing in A.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nice_assert_no_alloc::assert_no_alloc;
use opus_roundtrip::live_score::{LiveScore, LiveScorer, Observers, RING_CAPACITY, ScoreSlot, SlotObservers, new_feed};
use opus_roundtrip::timeline;
use roundtrip_engine::{PacketObserver, SlotId};
use roundtrip_quality::Mode;
use roundtrip_signal::test_signal;
use test_support::XorShift;

const RATE: u32 = 48_000;
const PIECE: usize = 480;
/// Only a guard against a hang: the verdicts count samples and scores, never time.
const HANG_GUARD: Duration = Duration::from_secs(300);

fn observers(editor_open: &Arc<AtomicBool>, score_slots: &[ScoreSlot; 2]) -> Observers {
    let slot = |score_slot| SlotObservers {
        timeline: timeline::new_feed(&Arc::new(Mutex::new(None)), editor_open.clone(), RATE, 1),
        score: new_feed(score_slot, editor_open.clone(), RATE, 1),
    };
    Observers::new(slot(&score_slots[0]), slot(&score_slots[1]))
}

#[test]
fn a_and_b_are_scored_off_the_audio_thread_and_ranked() {
    let editor_open = Arc::new(AtomicBool::new(true));
    let slots: [ScoreSlot; 2] = [Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None))];
    let mut observers = observers(&editor_open, &slots);
    let scorer = LiveScorer::start(slots.clone());
    scorer.set_modes([Mode::Speech, Mode::Speech]);
    let speech = test_signal::speech(RATE, 9.0);
    let mut noise = XorShift::new(7);
    let mut uniform = || (noise.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let noisy: Vec<f32> = speech.iter().map(|&x| x + 0.02 * (uniform() * 2.0 - 1.0)).collect();
    let started = Instant::now();
    for (clean, degraded) in speech.chunks_exact(PIECE).zip(noisy.chunks_exact(PIECE)) {
        // The scorer drains the rings as it goes; wait for room rather than drop.
        while observers.room() < PIECE {
            assert!(started.elapsed() < HANG_GUARD, "the scorer stopped draining");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_no_alloc(|| {
            observers.piece(clean, clean);
            if let Some(b) = observers.compared_slot(SlotId::B) {
                b.piece(clean, degraded);
            }
        });
    }
    let scores = loop {
        let scores = scorer.scores();
        if scores.iter().all(|score| matches!(score, LiveScore::Scored { .. })) {
            break scores;
        }
        assert!(started.elapsed() < HANG_GUARD, "no scores: {scores:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mos = |score: &LiveScore| match score {
        LiveScore::Scored { mos, mode, .. } => {
            assert_eq!(*mode, Mode::Speech);
            *mos
        }
        other => panic!("{other:?}"),
    };
    let (a, b) = (mos(&scores[0]), mos(&scores[1]));
    println!("live scores: A (the input itself) {a:.2}, B (with noise) {b:.2}");
    assert!(a > 4.0 && b < a - 0.3, "A {a}, B {b}");
    // Where it is audible: nowhere in A, which is the input; somewhere in B's noise.
    let [audible_a, audible_b] = scorer.audibility();
    let loudest = |nmr: &[f32]| nmr.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    println!("loudest noise over mask: A {:.1} dB, B {:.1} dB", loudest(&audible_a.nmr_db), loudest(&audible_b.nmr_db));
    assert_eq!(audible_a.nmr_db.len(), audible_a.band_centres_hz.len());
    assert!(loudest(&audible_a.nmr_db) < -20.0 && loudest(&audible_b.nmr_db) > 0.0);
}

#[test]
fn nothing_is_copied_while_the_editor_is_closed() {
    let editor_open = Arc::new(AtomicBool::new(false));
    let slots: [ScoreSlot; 2] = [Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None))];
    let mut observers = observers(&editor_open, &slots);
    let speech = test_signal::speech(RATE, 0.1);
    observers.piece(&speech, &speech);
    assert_eq!(observers.room(), RING_CAPACITY);
    editor_open.store(true, Ordering::Relaxed);
    observers.piece(&speech, &speech);
    assert_eq!(observers.room(), RING_CAPACITY - speech.len().min(RING_CAPACITY));
}
