//! The model's rate from the file's: the engine's resampler (rubato's FFT resampler) run over
//! the whole signal, its delay taken off, so that the output lines up with the input.

use roundtrip_engine::resampler::ChunkResampler;

/// `signal` at `to_hz`, as long as it lasts; `None` if the resampler refuses the rates.
pub fn resample(signal: &[f32], from_hz: u32, to_hz: u32) -> Option<Vec<f64>> {
    if from_hz == to_hz {
        return Some(signal.iter().map(|&x| f64::from(x)).collect());
    }
    let mut resampler = ChunkResampler::new(from_hz, to_hz, 1).ok()?;
    let ratio = f64::from(to_hz) / f64::from(from_hz);
    let wanted = (signal.len() as f64 * ratio).round() as usize;
    let delay = (resampler.delay_input_frames() as f64 * ratio).round() as usize;
    let (in_frames, out_frames) = (resampler.in_frames(), resampler.out_frames());
    let mut input = vec![0.0f32; in_frames];
    let mut output = vec![0.0f32; out_frames];
    let mut out = Vec::with_capacity(wanted + delay + out_frames);
    let mut position = 0;
    while out.len() < wanted + delay {
        input.fill(0.0);
        if position < signal.len() {
            let end = (position + in_frames).min(signal.len());
            input[..end - position].copy_from_slice(&signal[position..end]);
        }
        position += in_frames;
        if !resampler.process(&input, &mut output) {
            return None;
        }
        out.extend(output.iter().map(|&x| f64::from(x)));
    }
    Some(out[delay..delay + wanted].to_vec())
}
