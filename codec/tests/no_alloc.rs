//! After creation, encoding and decoding never touch the heap, in Rust or in C.
//!
//! This binary replaces the global allocator and interposes C's `malloc` family (see the
//! `alloc-counter` crate), then runs 10 s of audio through an encoder and decoder at every frame
//! size, mono and stereo, with FEC, DTX, DRED, packet loss (PLC, FEC and DRED recovery), CTL
//! changes and resets between frames, and requires zero allocator calls of either kind.
//! Counting starts before the very first encode, which is when a malloc-backed libopus
//! pseudostack would allocate.

alloc_counter::install!();

use std::sync::Arc;

use alloc_counter::count;
use roundtrip_codec::{
    Application, Arena, Bandwidth, Bitrate, Channels, Decoder, Dred, DredDecoder, Encoder, FrameDuration,
    MAX_PACKET_BYTES, Signal, StateAllocator,
};
use roundtrip_signal::test_signal;

const SAMPLE_RATE_HZ: u32 = 48_000;
const SECONDS: f64 = 10.0;

/// Everything the counted loop touches, allocated before counting starts.
struct Rig {
    encoder: Encoder,
    decoder: Decoder,
    dred_decoder: DredDecoder,
    dred: Dred,
    input: Vec<f32>,
    decoded: Vec<f32>,
    packet: Vec<u8>,
    previous_packet: Vec<u8>,
}

impl Rig {
    fn new(channels: Channels, allocator: Arc<dyn StateAllocator>) -> Self {
        let mut input = test_signal::interleave_mono(&test_signal::speech(SAMPLE_RATE_HZ, SECONDS), channels.count());
        // Two seconds of digital silence in the middle, so that DTX engages.
        let silence = 4 * SAMPLE_RATE_HZ as usize * channels.count()..6 * SAMPLE_RATE_HZ as usize * channels.count();
        input[silence].fill(0.0);
        Self {
            encoder: Encoder::new_in(allocator.clone(), SAMPLE_RATE_HZ, channels, Application::Voip).unwrap(),
            decoder: Decoder::new_in(allocator.clone(), SAMPLE_RATE_HZ, channels).unwrap(),
            dred_decoder: DredDecoder::new_in(allocator.clone()).unwrap(),
            dred: Dred::new_in(allocator).unwrap(),
            input,
            decoded: vec![0.0; 5760 * channels.count()],
            packet: vec![0; MAX_PACKET_BYTES],
            previous_packet: vec![0; MAX_PACKET_BYTES],
        }
    }

    /// Codes the whole input in frames of `frame`, exercising every feature, and returns how many
    /// packets were lost and recovered by FEC or DRED (so that the test knows they ran).
    fn run(&mut self, frame: FrameDuration) -> (usize, usize, usize) {
        let channels = self.encoder.channels().count();
        let frame_samples = frame.samples(SAMPLE_RATE_HZ).unwrap();
        let frame_len = frame_samples * channels;
        let bitrates = [Bitrate::BitsPerSecond(12_000), Bitrate::BitsPerSecond(32_000), Bitrate::Auto, Bitrate::Max];
        let (mut lost, mut fec_used, mut dred_used) = (0, 0, 0);
        let mut previous_lost = false;
        self.encoder.set_frame_duration(frame).unwrap();
        for (index, pcm) in self.input.chunks_exact(frame_len).enumerate() {
            // Change settings every 25 frames, cycling through the combinations.
            if index % 25 == 0 {
                let step = index / 25;
                self.encoder.set_bitrate(bitrates[step % bitrates.len()]).unwrap();
                self.encoder.set_inband_fec(step % 2 == 0).unwrap();
                self.encoder.set_packet_loss_perc((step * 7 % 30) as u8).unwrap();
                self.encoder.set_dtx(step % 3 != 1).unwrap();
                self.encoder.set_dred_duration(if step % 2 == 0 { 100 } else { 0 }).unwrap();
                self.encoder.set_complexity((10 - step % 4) as u8).unwrap();
                self.encoder.set_signal([Signal::Auto, Signal::Voice, Signal::Music][step % 3]).unwrap();
                self.encoder.set_max_bandwidth(Bandwidth::ALL[step % 5]).unwrap();
                self.decoder.set_complexity([0, 5, 6, 7, 10][step % 5]).unwrap();
                self.decoder.set_gain_q8_db((step % 3) as i16 * 128).unwrap();
            }
            if index > 0 && index % 97 == 0 {
                self.encoder.reset_state().unwrap();
                self.decoder.reset_state().unwrap();
            }
            let len = self.encoder.encode_float(pcm, &mut self.packet).unwrap();
            let packet = &self.packet[..len];
            let _ = self.encoder.final_range().unwrap();

            // A lost packet is recovered when the next one arrives: by FEC when it carries
            // LBRR, else by DRED when it carries redundancy, else by concealment.
            if previous_lost {
                let missing = &mut self.decoded[..frame_len];
                let info = roundtrip_codec::PacketInfo::parse(packet, SAMPLE_RATE_HZ).unwrap();
                if info.has_fec {
                    self.decoder.decode_float(Some(packet), missing, true).unwrap();
                    fec_used += 1;
                } else {
                    let available =
                        self.dred_decoder.parse(&mut self.dred, packet, frame_samples * 2, SAMPLE_RATE_HZ).unwrap();
                    if available.offset_samples >= frame_samples {
                        self.decoder.decode_dred_float(&self.dred, frame_samples, missing).unwrap();
                        dred_used += 1;
                    } else {
                        self.decoder.decode_float(None, missing, false).unwrap();
                    }
                }
            }
            let lose_this = index % 7 == 3 || index % 11 == 5;
            if lose_this {
                lost += 1;
            } else {
                self.decoder.decode_float(Some(packet), &mut self.decoded, false).unwrap();
                let _ = self.decoder.final_range().unwrap();
                let _ = self.decoder.last_packet_duration().unwrap();
            }
            previous_lost = lose_this;
            std::mem::swap(&mut self.packet, &mut self.previous_packet);
        }
        (lost, fec_used, dred_used)
    }
}

fn assert_no_allocation_for(channels: Channels, allocator: Arc<dyn StateAllocator>) {
    let mut totals = (0, 0, 0);
    for frame in FrameDuration::FIXED {
        let mut rig = Rig::new(channels, allocator.clone());
        let ((lost, fec, dred), counts) = count(|| rig.run(frame));
        assert!(
            counts.is_zero(),
            "{channels:?} {frame:?}: {} Rust and {} C allocator calls while coding",
            counts.rust,
            counts.c
        );
        assert!(lost > 0, "{frame:?}: the loss pattern lost nothing");
        totals = (totals.0 + lost, totals.1 + fec, totals.2 + dred);
    }
    // The recovery paths must really have run, or the test proves less than it claims.
    assert!(totals.1 > 0, "{channels:?}: FEC never recovered a packet: {totals:?}");
    assert!(totals.2 > 0, "{channels:?}: DRED never recovered a packet: {totals:?}");
}

#[test]
fn mono_coding_never_allocates_after_creation() {
    assert_no_allocation_for(Channels::Mono, roundtrip_codec::mem::global());
}

#[test]
fn stereo_coding_never_allocates_after_creation() {
    assert_no_allocation_for(Channels::Stereo, roundtrip_codec::mem::global());
}

#[test]
fn states_in_one_arena_never_allocate_after_creation() {
    let layouts = [
        Encoder::layout(Channels::Stereo).unwrap(),
        Decoder::layout(Channels::Stereo).unwrap(),
        DredDecoder::layout().unwrap(),
        Dred::layout().unwrap(),
    ];
    let arena: Arc<dyn StateAllocator> = Arc::new(Arena::for_layouts(&layouts).unwrap());
    let mut rig = Rig::new(Channels::Stereo, arena);
    let (_, counts) = count(|| rig.run(FrameDuration::Ms20));
    assert!(counts.is_zero(), "{counts:?}");
}

#[test]
fn the_counters_see_a_rust_box_and_a_c_malloc() {
    let (boxed, counts) = count(|| std::hint::black_box(Box::new(42u64)));
    assert!(counts.rust >= 1, "a Box went unseen by the Rust counter: {counts:?}");
    if alloc_counter::COUNTS_C_HEAP {
        assert!(counts.c >= 1, "Rust's allocation should reach malloc: {counts:?}");
    }
    drop(boxed);
    if !alloc_counter::COUNTS_C_HEAP {
        return;
    }

    // SAFETY: a plain malloc/free pair.
    let (_, counts) = count(|| unsafe { libc::free(std::hint::black_box(libc::malloc(64))) });
    assert_eq!(counts.rust, 0);
    assert_eq!(counts.c, 2, "malloc and free should both be seen: {counts:?}");
}

#[test]
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), ignore = "C heap calls are counted under glibc only")]
fn the_counters_see_libopus_allocating_in_create() {
    // opus_encoder_create calls malloc inside libopus: proof that C code linked into this binary
    // reaches the interposed functions, not only our own calls.
    let (encoder, counts) =
        count(|| Encoder::create_library_managed(48_000, Channels::Stereo, Application::Audio).unwrap());
    assert!(counts.c >= 1, "libopus's malloc went unseen: {counts:?}");
    let (_, counts) = count(|| drop(encoder));
    assert!(counts.c >= 1, "libopus's free went unseen: {counts:?}");
}
