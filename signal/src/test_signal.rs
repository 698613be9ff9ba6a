//! Deterministic test material, generated rather than shipped: a music-like mix and a
//! speech-like voice. Tests, benchmarks and demos all use these so that their figures compare.
//!
//! Both are synthesised from fixed formulas and a fixed-seed generator, so a given call returns
//! the same samples on every machine and in every version: golden figures stay valid.

use std::f64::consts::TAU;

/// Noise source for the generators. Written here rather than taken from `rand` because the
/// signals must never change when a dependency changes its algorithms: SplitMix64 (Steele,
/// Lea & Flood, 2014, <https://doi.org/10.1145/2714064.2660195>) is fixed by its definition.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn next_bipolar(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// A music-like mix: a slowly changing chord of harmonic tones with decaying notes, a bass line
/// and a little noise, different in each channel so that stereo coding has work to do.
/// Returns `seconds` of interleaved samples at `sample_rate_hz`, peaking near −6 dBFS.
pub fn music(sample_rate_hz: u32, channels: usize, seconds: f64) -> Vec<f32> {
    let frames = (seconds * f64::from(sample_rate_hz)).round() as usize;
    let rate = f64::from(sample_rate_hz);
    let mut noise = SplitMix64(0x006d_7573_6963);
    // A I–vi–IV–V progression in A, two seconds per chord, as fundamental frequencies in Hz.
    const CHORDS: [[f64; 3]; 4] =
        [[220.0, 277.18, 329.63], [185.0, 220.0, 277.18], [146.83, 185.0, 220.0], [164.81, 207.65, 246.94]];
    let mut out = Vec::with_capacity(frames * channels);
    for n in 0..frames {
        let t = n as f64 / rate;
        let chord = CHORDS[(t / 2.0) as usize % CHORDS.len()];
        let note_t = t % 0.5;
        let envelope = (-note_t * 4.0).exp();
        for channel in 0..channels {
            let detune = 1.0 + 0.002 * channel as f64;
            let mut sample = 0.0;
            for (voice, &f0) in chord.iter().enumerate() {
                for harmonic in 1..=6 {
                    let f = f0 * detune * harmonic as f64;
                    if f < rate / 2.0 {
                        sample += (TAU * f * t + voice as f64).sin() / (harmonic * harmonic) as f64;
                    }
                }
            }
            let bass = (TAU * chord[0] / 2.0 * t).sin();
            let pan = if channel == 0 { 0.7 } else { 0.3 };
            let value = 0.12 * envelope * sample + 0.15 * pan * bass + 0.01 * noise.next_bipolar();
            out.push(value as f32);
        }
    }
    out
}

/// A speech-like voice: a glottal pulse train with a wandering pitch (90–220 Hz) through three
/// moving formant resonators, shaped into syllables of about 200 ms with short pauses, plus
/// breath noise. Mono; returns `seconds` of samples at `sample_rate_hz`, peaking near −6 dBFS.
pub fn speech(sample_rate_hz: u32, seconds: f64) -> Vec<f32> {
    let frames = (seconds * f64::from(sample_rate_hz)).round() as usize;
    let rate = f64::from(sample_rate_hz);
    let mut noise = SplitMix64(0x7370_6565_6368);
    let mut phase = 0.0f64;
    // Two-pole resonator states, one per formant.
    let mut resonators = [[0.0f64; 2]; 3];
    let mut out = Vec::with_capacity(frames);
    let mut peak = 1e-9f64;
    let mut raw = Vec::with_capacity(frames);
    for n in 0..frames {
        let t = n as f64 / rate;
        let syllable = (t / 0.22) as usize;
        let within = (t % 0.22) / 0.22;
        let voiced = syllable % 7 != 6;
        let envelope = if voiced { (std::f64::consts::PI * within).sin().powf(0.6) } else { 0.0 };
        let pitch_hz = 150.0 + 60.0 * (TAU * 0.7 * t).sin() + 10.0 * (syllable % 3) as f64;
        phase += pitch_hz / rate;
        let pulse = if phase >= 1.0 {
            phase -= 1.0;
            1.0
        } else {
            0.0
        };
        let excitation = envelope * (pulse + 0.05 * noise.next_bipolar());
        // Formants move between vowel-like positions from syllable to syllable.
        let vowel = syllable % 5;
        let formants = [
            (300.0 + 150.0 * vowel as f64, 80.0),
            (900.0 + 300.0 * ((vowel * 3) % 5) as f64, 100.0),
            (2500.0 + 100.0 * vowel as f64, 150.0),
        ];
        let mut sample = 0.0;
        for ((centre_hz, bandwidth_hz), state) in formants.iter().zip(resonators.iter_mut()) {
            let centre_hz = centre_hz.min(rate * 0.45);
            let r = (-std::f64::consts::PI * bandwidth_hz / rate).exp();
            let a1 = 2.0 * r * (TAU * centre_hz / rate).cos();
            let a2 = -r * r;
            let y = excitation + a1 * state[0] + a2 * state[1];
            state[1] = state[0];
            state[0] = y;
            sample += y;
        }
        peak = peak.max(sample.abs());
        raw.push(sample);
    }
    let scale = 0.5 / peak;
    out.extend(raw.into_iter().map(|s| (s * scale) as f32));
    out
}

/// Duplicates a mono signal into `channels` interleaved channels.
pub fn interleave_mono(mono: &[f32], channels: usize) -> Vec<f32> {
    mono.iter().flat_map(|&s| std::iter::repeat_n(s, channels)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_have_the_requested_length_and_a_sane_level() {
        let music = music(48_000, 2, 1.0);
        assert_eq!(music.len(), 96_000);
        let peak = music.iter().fold(0.0f32, |p, &s| p.max(s.abs()));
        assert!((0.1..1.0).contains(&peak), "music peak {peak}");
        let speech = speech(16_000, 2.0);
        assert_eq!(speech.len(), 32_000);
        let peak = speech.iter().fold(0.0f32, |p, &s| p.max(s.abs()));
        assert!((peak - 0.5).abs() < 1e-3, "speech peak {peak}");
    }

    #[test]
    fn signals_are_deterministic() {
        assert_eq!(music(8_000, 1, 0.1), music(8_000, 1, 0.1));
        assert_eq!(speech(8_000, 0.1), speech(8_000, 0.1));
    }
}
