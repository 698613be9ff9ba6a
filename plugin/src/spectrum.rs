//! The spectrum display's data path: the audio thread hands latency-aligned input and the
//! decoded samples heard (slot A's or B's) to the editor through a wait-free ring buffer; the editor's thread does the FFTs.
//!
//! Thread ownership: [`SpectrumFeed`] lives on the audio thread and only pushes (never blocks;
//! when the ring is full, samples are dropped). [`EditorSpectra`] lives on the GUI thread.
//! The consumer end travels from `activate` (main thread) to the editor through a
//! [`ConsumerSlot`], a mutex the audio thread never touches.

use std::sync::{Arc, Mutex, PoisonError};

use roundtrip_signal::spectrum::SpectrumAnalyser;
use rtrb::{Consumer, Producer, RingBuffer};

/// Samples in one analysis window: 46 ms at 44.1 kHz, a 21.5 Hz bin width at 44.1 kHz.
pub const FFT_SIZE: usize = 2048;

/// Ring capacity in sample pairs: about 370 ms at 44.1 kHz, far more than the editor's
/// ~16 ms between frames, so nothing is dropped while the editor keeps up.
pub const FEED_CAPACITY: usize = 16_384;

/// How much each new spectrum moves the displayed one (per editor frame): a visible but calm
/// decay.
const SPECTRUM_SMOOTHING: f32 = 0.3;

/// The lowest level kept, a little below the view's floor, so that a sound after silence climbs
/// into view within a frame or two.
pub const FLOOR_DB: f32 = -120.0;

/// One pair: the latency-aligned input and the decoded signal, both mixed to mono.
pub type SamplePair = [f32; 2];

/// Picks one signal out of a pair.
type Extract = fn(&SamplePair) -> f32;

/// Where the consumer end waits for the editor.
pub type ConsumerSlot = Arc<Mutex<Option<Consumer<SamplePair>>>>;

/// A new ring: the producer for the audio thread, the consumer put into `slot` for the editor.
/// This allocates (call it from `activate`).
pub fn new_feed(slot: &ConsumerSlot) -> SpectrumFeed {
    let (producer, consumer) = RingBuffer::new(FEED_CAPACITY);
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(consumer);
    SpectrumFeed { producer }
}

/// The audio thread's end.
#[derive(Debug)]
pub struct SpectrumFeed {
    producer: Producer<SamplePair>,
}

impl SpectrumFeed {
    /// Pushes interleaved `aligned` and `decoded` of `channels` channels, mixed to mono.
    /// Never allocates or blocks; drops what does not fit.
    pub fn push(&mut self, aligned: &[f32], decoded: &[f32], channels: usize) {
        push_mono_pairs(&mut self.producer, aligned, decoded, channels);
    }
}

/// Pushes interleaved `aligned` and `decoded` of `channels` channels into `producer` as mono
/// pairs, as many as fit (the rest is dropped). Never allocates or blocks: the audio thread's
/// way into the editor's rings (this spectrum's, the live scores').
pub fn push_mono_pairs(producer: &mut Producer<SamplePair>, aligned: &[f32], decoded: &[f32], channels: usize) {
    let channels = channels.max(1);
    let frames = (aligned.len() / channels).min(decoded.len() / channels);
    let Ok(chunk) = producer.write_chunk_uninit(frames.min(producer.slots())) else {
        return;
    };
    let scale = 1.0 / channels as f32;
    let pairs = aligned
        .chunks_exact(channels)
        .zip(decoded.chunks_exact(channels))
        .map(|(a, d)| [a.iter().sum::<f32>() * scale, d.iter().sum::<f32>() * scale]);
    chunk.fill_from_iter(pairs);
}

/// Magnitude spectra in dBFS, one value per FFT bin from 0 Hz to Nyquist.
#[derive(Debug, Clone)]
pub struct Spectra {
    pub input_db: Vec<f32>,
    pub decoded_db: Vec<f32>,
    pub difference_db: Vec<f32>,
}

/// The editor's end: keeps the latest [`FFT_SIZE`] pairs and turns them into [`Spectra`].
pub struct EditorSpectra {
    consumer: Option<Consumer<SamplePair>>,
    slot: ConsumerSlot,
    history: Vec<SamplePair>,
    analyser: SpectrumAnalyser,
    spectra: Spectra,
}

impl std::fmt::Debug for EditorSpectra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditorSpectra").field("connected", &self.consumer.is_some()).finish_non_exhaustive()
    }
}

impl EditorSpectra {
    /// An analyzer that takes its consumer from `slot` as soon as the plugin has put one there.
    pub fn new(slot: ConsumerSlot) -> Self {
        let analyser = SpectrumAnalyser::new(FFT_SIZE);
        let bins = analyser.bins();
        Self {
            consumer: None,
            slot,
            history: vec![[0.0; 2]; FFT_SIZE],
            analyser,
            spectra: Spectra {
                input_db: vec![FLOOR_DB; bins],
                decoded_db: vec![FLOOR_DB; bins],
                difference_db: vec![FLOOR_DB; bins],
            },
        }
    }

    /// Reads what arrived, recomputes the spectra and returns them.
    pub fn update(&mut self) -> &Spectra {
        if let Ok(mut slot) = self.slot.try_lock()
            && let Some(consumer) = slot.take()
        {
            // A new engine (new sample rate) brought a new ring.
            self.consumer = Some(consumer);
        }
        let Some(consumer) = self.consumer.as_mut() else { return &self.spectra };
        let available = consumer.slots();
        if available > 0
            && let Ok(chunk) = consumer.read_chunk(available)
        {
            let (first, second) = chunk.as_slices();
            let fresh = first.len() + second.len();
            let keep = FFT_SIZE.saturating_sub(fresh);
            self.history.copy_within(FFT_SIZE - keep.., 0);
            let incoming = first.iter().chain(second).skip(fresh.saturating_sub(FFT_SIZE));
            for (slot, pair) in self.history[keep..].iter_mut().zip(incoming) {
                *slot = *pair;
            }
            chunk.commit_all();
        }
        let Self { history, analyser, spectra, .. } = self;
        let signals: [(Extract, &mut Vec<f32>); 3] = [
            (|pair| pair[0], &mut spectra.input_db),
            (|pair| pair[1], &mut spectra.decoded_db),
            (|pair| pair[0] - pair[1], &mut spectra.difference_db),
        ];
        for (extract, target) in signals {
            analyser.analyse(history.iter().map(extract));
            for (db, new_db) in target.iter_mut().zip(analyser.levels_dbfs()) {
                *db += (new_db.max(FLOOR_DB) - *db) * SPECTRUM_SMOOTHING;
            }
        }
        &self.spectra
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_fed_on_one_side_peaks_at_its_bin_on_the_other() {
        let slot: ConsumerSlot = Arc::new(Mutex::new(None));
        let mut feed = new_feed(&slot);
        let mut analyzer = EditorSpectra::new(slot);
        let bin = 100;
        let tone: Vec<f32> = (0..FFT_SIZE * 2)
            .flat_map(|n| {
                let s = (std::f32::consts::TAU * bin as f32 * n as f32 / FFT_SIZE as f32).sin();
                [s, s]
            })
            .collect();
        let silence = vec![0.0f32; tone.len()];
        feed.push(&tone, &silence, 2);
        let mut spectra = analyzer.update().clone();
        for _ in 0..30 {
            spectra = analyzer.update().clone();
        }
        let peak = spectra.input_db.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(peak, bin);
        assert!(spectra.input_db[bin] > -3.0, "{}", spectra.input_db[bin]);
        assert!(spectra.decoded_db[bin] < -100.0);
        assert!((spectra.difference_db[bin] - spectra.input_db[bin]).abs() < 0.1);
    }
}
