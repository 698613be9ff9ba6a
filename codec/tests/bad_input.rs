//! Every bad argument gets the mapped error, naming the call; none crashes.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;

use roundtrip_codec::{
    Application, Arena, Bitrate, Channels, Decoder, Dred, DredDecoder, Encoder, ErrorCode, GlobalAllocator,
    MAX_PACKET_BYTES, PacketInfo, Result, StateAllocator, StateBuffer,
};
use roundtrip_signal::test_signal;

fn code<T: std::fmt::Debug>(result: Result<T>) -> ErrorCode {
    result.expect_err("expected an error").code()
}

fn encoded_packets(channels: Channels, count: usize) -> Vec<Vec<u8>> {
    let pcm = test_signal::music(48_000, channels.count(), 0.02 * count as f64);
    let mut encoder = Encoder::new(48_000, channels, Application::Audio).unwrap();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    pcm.chunks_exact(960 * channels.count())
        .map(|frame| {
            let len = encoder.encode_float(frame, &mut packet).unwrap();
            packet[..len].to_vec()
        })
        .collect()
}

#[test]
fn unsupported_sample_rates_are_refused_everywhere() {
    for rate in [0, 44_100, 96_000, 7_999] {
        assert_eq!(code(Encoder::new(rate, Channels::Mono, Application::Voip)), ErrorCode::UnsupportedSampleRate(rate));
        assert_eq!(code(Decoder::new(rate, Channels::Stereo)), ErrorCode::UnsupportedSampleRate(rate));
        assert_eq!(code(PacketInfo::parse(&[0x78], rate)), ErrorCode::UnsupportedSampleRate(rate));
        let mut dred = Dred::new().unwrap();
        let parsed = DredDecoder::new().unwrap().parse(&mut dred, &[0x78, 0, 0], 960, rate);
        assert_eq!(code(parsed), ErrorCode::UnsupportedSampleRate(rate));
    }
    let error = Encoder::new(44_100, Channels::Mono, Application::Voip).unwrap_err();
    assert_eq!(error.function(), "opus_encoder_init");
    assert!(error.to_string().contains("48000"), "the message should say what to use: {error}");
}

#[test]
fn unsupported_channel_counts_are_refused() {
    for count in [0, 3, 8] {
        assert_eq!(code(Channels::try_from(count)), ErrorCode::UnsupportedChannels(count));
    }
    assert_eq!(Channels::try_from(2).unwrap(), Channels::Stereo);
}

#[test]
fn out_of_range_ctl_values_map_to_bad_arg() {
    let mut encoder = Encoder::new(48_000, Channels::Stereo, Application::Audio).unwrap();
    assert_eq!(code(encoder.set_complexity(11)), ErrorCode::BadArg);
    assert_eq!(code(encoder.set_packet_loss_perc(101)), ErrorCode::BadArg);
    assert_eq!(code(encoder.set_bitrate(Bitrate::BitsPerSecond(0))), ErrorCode::BadArg);
    assert_eq!(code(encoder.set_bitrate(Bitrate::BitsPerSecond(-5))), ErrorCode::BadArg);
    assert_eq!(code(encoder.set_lsb_depth(7)), ErrorCode::BadArg);
    assert_eq!(code(encoder.set_lsb_depth(25)), ErrorCode::BadArg);
    assert_eq!(code(encoder.set_dred_duration(105)), ErrorCode::BadArg);
    let mut decoder = Decoder::new(48_000, Channels::Stereo).unwrap();
    assert_eq!(code(decoder.set_complexity(11)), ErrorCode::BadArg);
    // The failed calls changed nothing.
    assert_eq!(encoder.complexity().unwrap(), 9);
    assert_eq!(decoder.complexity().unwrap(), 0);
}

#[test]
fn application_cannot_change_after_the_first_frame() {
    let mut encoder = Encoder::new(48_000, Channels::Mono, Application::Voip).unwrap();
    encoder.set_application(Application::Audio).unwrap();
    assert_eq!(encoder.application().unwrap(), Application::Audio);
    let mut packet = [0u8; MAX_PACKET_BYTES];
    encoder.encode_float(&[0.0; 960], &mut packet).unwrap();
    let error = encoder.set_application(Application::RestrictedLowDelay).unwrap_err();
    assert_eq!(error.code(), ErrorCode::BadArg);
    assert_eq!(error.function(), "opus_encoder_ctl(OPUS_SET_APPLICATION_REQUEST)");
}

#[test]
fn wrong_frame_sizes_are_refused_before_libopus_sees_them() {
    let mut encoder = Encoder::new(48_000, Channels::Stereo, Application::Audio).unwrap();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    for samples in [0, 1, 100, 959, 961, 1440, 6000] {
        let pcm = vec![0.0f32; samples * 2];
        assert_eq!(code(encoder.encode_float(&pcm, &mut packet)), ErrorCode::BadFrameSize(samples), "{samples}");
    }
    // An odd number of samples cannot be stereo frames.
    assert!(matches!(code(encoder.encode_float(&[0.0; 1921], &mut packet)), ErrorCode::BadFrameSize(_)));
    let mut decoder = Decoder::new(48_000, Channels::Stereo).unwrap();
    let mut out = vec![0.0f32; 2 * 100];
    assert_eq!(code(decoder.decode_float(None, &mut out, false)), ErrorCode::BadFrameSize(100));
    assert_eq!(code(decoder.decode_float(None, &mut out[..0], false)), ErrorCode::BufferLength { needed: 2, given: 0 });
    let mut too_long = vec![0.0f32; 2 * 5880];
    assert_eq!(code(decoder.decode_float(None, &mut too_long, false)), ErrorCode::BadFrameSize(5880));
}

#[test]
fn output_buffers_that_are_too_small_are_reported() {
    let mut encoder = Encoder::new(48_000, Channels::Mono, Application::Audio).unwrap();
    let pcm = test_signal::music(48_000, 1, 0.02);
    assert_eq!(code(encoder.encode_float(&pcm, &mut [])), ErrorCode::BufferLength { needed: 1, given: 0 });
    let packets = encoded_packets(Channels::Stereo, 3);
    let mut decoder = Decoder::new(48_000, Channels::Stereo).unwrap();
    // A 20 ms packet does not fit 10 ms of output.
    let mut out = vec![0.0f32; 480 * 2];
    assert_eq!(code(decoder.decode_float(Some(&packets[2]), &mut out, false)), ErrorCode::BufferTooSmall);
}

#[test]
fn empty_truncated_and_random_packets_never_crash() {
    let mut decoder = Decoder::new(48_000, Channels::Stereo).unwrap();
    let mut out = vec![0.0f32; 5760 * 2];
    assert_eq!(code(decoder.decode_float(Some(&[]), &mut out, false)), ErrorCode::InvalidPacket);
    assert_eq!(code(PacketInfo::parse(&[], 48_000)), ErrorCode::InvalidPacket);
    // A code-3 TOC (arbitrary frame count) with its count byte missing, and one that claims more
    // frames than 120 ms allows.
    assert_eq!(code(decoder.decode_float(Some(&[0x03]), &mut out, false)), ErrorCode::InvalidPacket);
    assert_eq!(code(decoder.decode_float(Some(&[0xFB, 0x3F]), &mut out, false)), ErrorCode::InvalidPacket);
    let packets = encoded_packets(Channels::Stereo, 10);
    // Real packets cut short: libopus may still decode a prefix, but must not crash or overrun.
    for packet in &packets {
        for cut in 1..packet.len().min(12) {
            let _ = decoder.decode_float(Some(&packet[..cut]), &mut out, false);
        }
    }
    // Random bytes: a fixed-seed xorshift so that a failure reproduces.
    let mut random = test_support::XorShift::new(0x2545_F491_4F6C_DD1D);
    let (mut ok, mut invalid) = (0, 0);
    for _ in 0..5_000 {
        let seed = random.next_u64();
        let len = 1 + (seed % 300) as usize;
        let bytes: Vec<u8> = (0..len).map(|i| (seed.rotate_left(i as u32 % 64) >> 3) as u8).collect();
        match decoder.decode_float(Some(&bytes), &mut out, false) {
            Ok(samples) => {
                assert!(samples <= 5760);
                assert!(out[..samples * 2].iter().all(|s| s.is_finite()));
                ok += 1;
            }
            Err(error) => {
                assert_eq!(error.code(), ErrorCode::InvalidPacket, "{error}");
                invalid += 1;
            }
        }
        let _ = PacketInfo::parse(&bytes, 48_000);
    }
    assert!(ok > 0 && invalid > 0, "random packets should both decode and fail: {ok} ok, {invalid} invalid");
    // The decoder still works afterwards.
    decoder.reset_state().unwrap();
    assert_eq!(decoder.decode_float(Some(&packets[0]), &mut out, false).unwrap(), 960);
}

#[test]
fn arena_exhaustion_is_an_error_not_a_crash() {
    let decoder_size = Decoder::layout(Channels::Mono).unwrap().size();
    let too_small: Arc<dyn StateAllocator> = Arc::new(Arena::new(decoder_size - 1).unwrap());
    let error = Decoder::new_in(too_small, 48_000, Channels::Mono).unwrap_err();
    assert!(matches!(error.code(), ErrorCode::ArenaExhausted { .. }), "{error}");
    assert!(error.to_string().contains("larger arena"), "the message should say what to do: {error}");

    let arena: Arc<dyn StateAllocator> = Arc::new(Arena::new(decoder_size).unwrap());
    let decoder = Decoder::new_in(arena.clone(), 48_000, Channels::Mono).unwrap();
    assert!(matches!(code(Decoder::new_in(arena.clone(), 48_000, Channels::Mono)), ErrorCode::ArenaExhausted { .. }));
    assert!(matches!(code(DredDecoder::new_in(arena.clone())), ErrorCode::ArenaExhausted { .. }));
    // Once every state carved from it is gone, the arena is whole again.
    drop(decoder);
    Decoder::new_in(arena, 48_000, Channels::Mono).unwrap();
}

#[test]
fn every_alignment_from_1_to_64_is_honoured() {
    let arena: Arc<dyn StateAllocator> = Arc::new(Arena::new(4096).unwrap());
    let global: Arc<dyn StateAllocator> = Arc::new(GlobalAllocator);
    for allocator in [arena, global] {
        let mut buffers = Vec::new();
        for align in [1, 2, 4, 8, 16, 32, 64] {
            // An odd size first, so that the next block starts misaligned unless padded.
            let layout = Layout::from_size_align(37, align).unwrap();
            let buffer = StateBuffer::new_in(allocator.clone(), layout).unwrap();
            assert!((buffer.as_ptr() as usize).is_multiple_of(align), "align {align}");
            buffers.push(buffer);
        }
    }
}

/// An allocator that returns memory one byte off the alignment it was asked for.
struct Misaligning;

// SAFETY: the blocks are valid for `size` bytes (one extra is allocated); only the alignment is
// deliberately wrong, which is what the test checks gets caught.
unsafe impl StateAllocator for Misaligning {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>> {
        let padded = Layout::from_size_align(layout.size() + 1, layout.align()).unwrap();
        let ptr = GlobalAllocator.allocate(padded)?;
        // SAFETY: one byte into a block one byte larger than asked.
        Ok(unsafe { NonNull::new_unchecked(ptr.as_ptr().add(1)) })
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        let padded = Layout::from_size_align(layout.size() + 1, layout.align()).unwrap();
        // SAFETY: undoes the offset from `allocate`.
        unsafe { GlobalAllocator.deallocate(NonNull::new_unchecked(ptr.as_ptr().sub(1)), padded) }
    }
}

#[test]
fn a_misaligning_allocator_is_caught() {
    let error = Encoder::new_in(Arc::new(Misaligning), 48_000, Channels::Mono, Application::Voip).unwrap_err();
    assert!(matches!(error.code(), ErrorCode::MisalignedAllocation { .. }), "{error}");
}

#[test]
fn errors_mirror_libopus_codes_exactly() {
    for (raw, code) in [
        (-1, ErrorCode::BadArg),
        (-2, ErrorCode::BufferTooSmall),
        (-3, ErrorCode::InternalError),
        (-4, ErrorCode::InvalidPacket),
        (-5, ErrorCode::Unimplemented),
        (-6, ErrorCode::InvalidState),
        (-7, ErrorCode::AllocFail),
        (-99, ErrorCode::Unknown(-99)),
    ] {
        assert_eq!(ErrorCode::from_opus(raw), code);
        assert_eq!(code.opus_code(), Some(raw));
    }
    assert_eq!(ErrorCode::BadFrameSize(3).opus_code(), None);
}
