//! Which parts of the reference ViSQOL compares, and with which parts of the degraded signal:
//! patches of the reference's spectrogram (in speech mode only those with voice activity), each
//! matched to the degraded patch that keeps the total similarity highest in time order (a
//! dynamic programme over offsets within a search window), then each pair aligned again on
//! its own audio and compared once more.

use crate::alignment::align_and_truncate;
use crate::gammatone::{FilterBank, Spectrogram, prepare_for_comparison, spectrogram};
use crate::nsim::{Patch, PatchSimilarity, similarity};

/// How far, in patches, a reference patch's match may be sought either side of it.
pub const SEARCH_WINDOW_PATCHES: usize = 60;

/// A reference patch and what it was matched with.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedPatch {
    /// The patch's first frame in the reference.
    pub reference_frame: usize,
    /// Its start and end in the reference, and in the degraded signal (0 and 0 when the match
    /// was the previous patch's, as when the degraded signal lost this stretch).
    pub reference_seconds: (f64, f64),
    pub degraded_seconds: (f64, f64),
    pub similarity: PatchSimilarity,
}

/// Speech mode's patches: every patch of `patch_frames` frames from frame `patch_frames/2 − 1`
/// on whose stretch of audio has voice activity: a 20 ms chunk at or above 5000 in 16-bit RMS
/// once the reference is scaled to a peak of 1, or within two chunks after one.
pub fn voiced_patch_starts(spectrum_frames: usize, reference: &[f64], hop: usize, patch_frames: usize) -> Vec<usize> {
    const RMS_THRESHOLD: f64 = 5000.0;
    const SILENT_CHUNKS: usize = 3;
    let peak = reference.iter().copied().fold(f64::MIN, f64::max);
    let first = patch_frames / 2 - 1;
    if spectrum_frames <= first || peak <= 0.0 {
        return Vec::new();
    }
    let count = (spectrum_frames - first) / patch_frames;
    // The reference reads the audio from *sample* `first` (not frame): kept, so that the same
    // chunks are weighed.
    let end = (first + count * patch_frames * hop).min(reference.len());
    let loud: Vec<bool> = reference[first.min(end)..end]
        .chunks_exact(hop)
        .map(|chunk| {
            let squares: f64 = chunk
                .iter()
                .map(|&x| {
                    let sample = (x / peak * 32768.0).clamp(-32768.0, 32767.0).trunc();
                    sample * sample
                })
                .sum();
            (squares / hop as f64).sqrt() >= RMS_THRESHOLD
        })
        .collect();
    // Activity: assumed in the first two chunks, then absent only after three quiet chunks.
    let active: Vec<bool> = (0..loud.len())
        .map(|i| i < SILENT_CHUNKS - 1 || loud[i + 1 - SILENT_CHUNKS..=i].iter().any(|&loud| loud))
        .collect();
    (0..count)
        .filter(|&i| active.iter().skip(i * patch_frames).take(patch_frames).any(|&active| active))
        .map(|i| first + i * patch_frames)
        .collect()
}

/// Audio mode's patches: every `patch_frames` frames from frame `patch_frames/2 − 1`, while a
/// whole patch fits. `None` when the spectrogram is too short for one.
pub fn regular_patch_starts(spectrum_frames: usize, patch_frames: usize) -> Option<Vec<usize>> {
    let first = patch_frames / 2;
    if spectrum_frames < patch_frames + first {
        return None;
    }
    let end = if first < spectrum_frames - patch_frames { spectrum_frames - patch_frames } else { first + 1 };
    Some((first..end).step_by(patch_frames).map(|start| start - 1).collect())
}

/// Matches each reference patch (starting at `starts`) with its most similar degraded patch,
/// keeping them in time order. `frame_seconds` is the hop. `None` when the degraded
/// spectrogram is too short for any of them.
pub fn match_patches(
    reference: &Spectrogram,
    degraded: &Spectrogram,
    starts: &[usize],
    patch_frames: usize,
    frame_seconds: f64,
) -> Option<Vec<MatchedPatch>> {
    let window = (SEARCH_WINDOW_PATCHES * patch_frames) as isize;
    let columns = degraded.frames;
    // Patches whose match would start past the degraded signal's end are left out.
    let mut count = starts.len();
    while count > 0 && starts[count - 1].saturating_sub(patch_frames / 2) > columns {
        count -= 1;
    }
    if count == 0 {
        return None;
    }
    let patch_seconds = frame_seconds * patch_frames as f64;
    let reference_patches: Vec<Patch> =
        starts[..count].iter().map(|&start| Patch::of(reference, start as isize, patch_frames)).collect();
    // The cumulative similarity of the best path ending at each offset, and where it came from
    // (offsets not reached count as 0, as in the reference).
    let mut cumulative = vec![vec![0.0f64; columns]; count];
    let mut came_from = vec![vec![0isize; columns]; count];
    let degraded_patch = |offset: usize| Patch::of(degraded, offset as isize, patch_frames);
    for index in 0..count {
        let centre = starts[index] as isize;
        for offset in (centre - window).max(0)..=(centre + window).min(columns as isize - 1) {
            let offset = offset as usize;
            let mut total = similarity(&reference_patches[index], &degraded_patch(offset)).similarity;
            let mut previous = -1isize;
            if index > 0 {
                let lowest = (starts[index - 1] as isize - window).max(0);
                let mut best = f64::MIN;
                for back in (lowest..offset as isize).rev() {
                    if cumulative[index - 1][back as usize] > best {
                        best = cumulative[index - 1][back as usize];
                        previous = back;
                    }
                }
                // Without an earlier offset the sum is lost in `f64::MIN`: staying put wins,
                // as in the reference.
                total += best;
                if cumulative[index - 1][offset] > total {
                    total = cumulative[index - 1][offset];
                    previous = offset as isize;
                }
            }
            cumulative[index][offset] = total;
            came_from[index][offset] = previous;
        }
    }
    let last = count - 1;
    let centre = starts[last] as isize;
    let mut offset = 0isize;
    let mut best = f64::MIN;
    for candidate in (centre - window).max(0)..=(centre + window).min(columns as isize - 1) {
        if cumulative[last][candidate as usize] > best {
            best = cumulative[last][candidate as usize];
            offset = candidate;
        }
    }
    let mut matched = Vec::with_capacity(count);
    for index in (0..count).rev() {
        let mut patch_similarity = similarity(&reference_patches[index], &degraded_patch(offset as usize));
        let reference_start = starts[index] as f64 * frame_seconds;
        let from = came_from[index][offset as usize];
        let degraded_seconds = if from == offset {
            // The path stayed on the previous patch's match: nothing of this one was found.
            patch_similarity.similarity = 0.0;
            patch_similarity.band_means.iter_mut().for_each(|mean| *mean = 0.0);
            (0.0, 0.0)
        } else {
            let start = offset as f64 * frame_seconds;
            (start, start + patch_seconds)
        };
        matched.push(MatchedPatch {
            reference_frame: starts[index],
            reference_seconds: (reference_start, reference_start + patch_seconds),
            degraded_seconds,
            similarity: patch_similarity,
        });
        offset = from;
        if offset < 0 {
            break;
        }
    }
    matched.reverse();
    Some(matched)
}

/// Aligns each matched pair again on its own audio and keeps the better of the two
/// comparisons. `None` if a patch's audio is too short for a spectrogram (never for patches of
/// the lengths ViSQOL uses).
pub fn realign(
    matched: Vec<MatchedPatch>,
    reference: &[f64],
    degraded: &[f64],
    bank: &FilterBank,
    sample_rate_hz: f64,
) -> Option<Vec<MatchedPatch>> {
    matched
        .into_iter()
        .map(|patch| {
            if patch.degraded_seconds == (0.0, 0.0) {
                return Some(patch);
            }
            let reference_audio = slice(reference, patch.reference_seconds, sample_rate_hz);
            let degraded_audio = slice(degraded, patch.degraded_seconds, sample_rate_hz);
            let (reference_audio, degraded_audio, lag) = align_and_truncate(&reference_audio, &degraded_audio);
            let mut reference_spectrum = spectrogram(bank, &reference_audio, sample_rate_hz)?;
            let mut degraded_spectrum = spectrogram(bank, &degraded_audio, sample_rate_hz)?;
            prepare_for_comparison(&mut reference_spectrum, &mut degraded_spectrum);
            let again = similarity(&Patch::whole(&reference_spectrum), &Patch::whole(&degraded_spectrum));
            if again.similarity < patch.similarity.similarity {
                return Some(patch);
            }
            let lag_seconds = lag as f64 / sample_rate_hz;
            let (reference_start, degraded_start) = if lag_seconds > 0.0 {
                (patch.reference_seconds.0 + lag_seconds, patch.degraded_seconds.0)
            } else {
                (patch.reference_seconds.0, patch.degraded_seconds.0 - lag_seconds)
            };
            let duration = |audio: &[f64]| audio.len() as f64 / sample_rate_hz;
            Some(MatchedPatch {
                reference_seconds: (reference_start, reference_start + duration(&reference_audio)),
                degraded_seconds: (degraded_start, degraded_start + duration(&degraded_audio)),
                similarity: again,
                ..patch
            })
        })
        .collect()
}

/// The audio from `seconds.0` to `seconds.1`. As in the reference, the samples from the start
/// index up to one before the end index, and silence for what lies past the signal's end,
/// placed *before* the audio.
fn slice(signal: &[f64], seconds: (f64, f64), sample_rate_hz: f64) -> Vec<f64> {
    let (start_time, end_time) = seconds;
    let start = ((start_time * sample_rate_hz) as isize).max(0) as usize;
    let end = ((end_time * sample_rate_hz) as isize).min(signal.len() as isize - 1).max(0) as usize;
    let mut out = Vec::new();
    let past_end = end_time * sample_rate_hz - signal.len() as f64;
    if past_end > 0.0 {
        out.resize(past_end as usize, 0.0);
    }
    if start_time < 0.0 {
        let before = (-start_time * sample_rate_hz) as usize;
        out.splice(0..0, std::iter::repeat_n(0.0, before));
    }
    if start < end {
        out.extend_from_slice(&signal[start..end]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_patches_start_a_patch_apart() {
        assert_eq!(regular_patch_starts(44, 30), None);
        assert_eq!(regular_patch_starts(45, 30), Some(vec![14]));
        assert_eq!(regular_patch_starts(200, 30), Some(vec![14, 44, 74, 104, 134, 164]));
    }

    #[test]
    fn only_patches_with_voice_activity_are_kept() {
        // 16 kHz: 320-sample chunks, 20-frame patches from frame 9; sound in the second second.
        let hop = 320;
        let signal: Vec<f64> =
            (0..48_000).map(|n| if (16_000..32_000).contains(&n) { (n as f64 * 0.1).sin() } else { 0.0 }).collect();
        let frames = 1 + (signal.len() - 1280) / hop;
        let starts = voiced_patch_starts(frames, &signal, hop, 20);
        assert!(!starts.is_empty());
        // The first patch (frames 9 to 28, assumed active at its start) and those over the sound.
        assert_eq!(starts[0], 9);
        // A patch's voice activity is read from the audio of its 20 chunks, counted (as the
        // reference counts them) from sample 9, with two chunks' hangover after the sound.
        for &start in &starts[1..] {
            let chunk = (start - 9) * hop + 9;
            let (first, last) = (chunk, chunk + 20 * hop);
            assert!(last > 16_000 && first < 32_000 + 3 * hop, "patch at frame {start} is silent");
        }
        // The first, three over the sound and one in its hangover.
        assert_eq!(starts, [9, 49, 69, 89, 109]);
    }
}
