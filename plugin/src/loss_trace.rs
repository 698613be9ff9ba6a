//! The plugin's loss trace: loaded in the editor (a path typed or pasted) or with a saved
//! session, saved with the session so that it reproduces, and handed to the engine, which
//! replays it in place of the loss model.
//!
//! Thread ownership: [`TraceSlot`]'s lock is taken on the main thread (`activate`, state loads,
//! which nice-plug runs through [`PersistentField::set`]) and the GUI thread (the editor), never
//! on the audio thread. (nice-plug would apply a state the plugin itself sets through
//! `GuiContext::set_state` on the audio thread; this plugin never does.) The audio thread gets
//! the trace through the engine's handoff (see `roundtrip_engine::handoff`) and reads only
//! [`TraceSlot::loss_percent`], an atomic.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use nice_plug::params::persist::PersistentField;
use roundtrip_engine::handoff::HandoffSender;
use roundtrip_engine::{LossTrace, LossTraceError};
use serde::{Deserialize, Serialize};

/// A trace as a session keeps it: the name of the file it came from, and the pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TraceText", into = "TraceText")]
pub struct SavedTrace {
    pub name: String,
    pub trace: LossTrace,
}

/// [`SavedTrace`] in the session's JSON: the pattern as one character per packet, `1` lost,
/// `0` received, a third of the size of the trace file's text; a delay trace also keeps its
/// text form (delays and `lost`), which then decides.
#[derive(Serialize, Deserialize)]
struct TraceText {
    name: String,
    pattern: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delays: Option<String>,
}

impl TryFrom<TraceText> for SavedTrace {
    type Error = String;

    /// Refuses a pattern with anything but `0` and `1`, so that a corrupt session keeps the trace
    /// the plugin had (nice-plug skips a field that does not deserialize).
    fn try_from(text: TraceText) -> Result<Self, String> {
        if let Some(delays) = text.delays {
            let trace = LossTrace::parse_delays(&delays).map_err(|error| error.to_string())?;
            return Ok(Self { name: text.name, trace });
        }
        let flags = text.pattern.chars().map(|flag| match flag {
            '0' => Ok(false),
            '1' => Ok(true),
            other => Err(format!("'{other}' in a loss pattern")),
        });
        let trace = LossTrace::new(flags.collect::<Result<_, _>>()?).map_err(|error| error.to_string())?;
        Ok(Self { name: text.name, trace })
    }
}

impl From<SavedTrace> for TraceText {
    fn from(saved: SavedTrace) -> Self {
        let pattern = (0..saved.trace.len() as u64).map(|index| if saved.trace.is_lost(index) { '1' } else { '0' });
        let delays = saved.trace.has_delays().then(|| saved.trace.to_text());
        Self { name: saved.name, pattern: pattern.collect(), delays }
    }
}

/// The trace in force and the way to the engine; shared by the parameters (which save it), the
/// plugin (which connects each new engine) and the editor (which loads and clears).
#[derive(Debug, Clone, Default)]
pub struct TraceSlot {
    inner: Arc<Mutex<SlotInner>>,
    /// The trace's loss rate in percent, encoded (see [`NO_TRACE`]): the audio thread states it
    /// as the loss rate (which the encoder expects unless told otherwise) without locking.
    loss_percent_bits: Arc<AtomicU32>,
}

#[derive(Debug, Default)]
struct SlotInner {
    saved: Option<SavedTrace>,
    /// The current engine's ends of its trace handoffs (one per compared slot, which replay
    /// the same trace), once an engine was activated.
    senders: Vec<HandoffSender<Option<LossTrace>>>,
}

/// The trace in force as the editor shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSummary {
    pub name: String,
    pub packets: usize,
    pub lost: usize,
    /// A delay trace: it replaces the jitter controls too.
    pub delays: bool,
    /// The smallest and largest delay of the packets that arrive.
    pub delay_range_ms: Option<(f64, f64)>,
}

/// `loss_percent_bits` when no trace is in force; otherwise they hold the rate's `f32` bits
/// plus 1 (a rate's bits are never `u32::MAX`).
const NO_TRACE: u32 = 0;

impl TraceSlot {
    fn lock(&self) -> MutexGuard<'_, SlotInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the editor shows of the trace in force: its name, packets, packets lost, and for a
    /// delay trace the range of delays in ms.
    pub fn summary(&self) -> Option<TraceSummary> {
        let inner = self.lock();
        inner.saved.as_ref().map(|saved| TraceSummary {
            name: saved.name.clone(),
            packets: saved.trace.len(),
            lost: saved.trace.lost_count(),
            delays: saved.trace.has_delays(),
            delay_range_ms: saved.trace.delay_range_ms(),
        })
    }

    /// The loss rate of the trace in force, in percent. Lock-free: the audio thread calls it.
    pub fn loss_percent(&self) -> Option<f32> {
        match self.loss_percent_bits.load(Ordering::Relaxed) {
            NO_TRACE => None,
            bits => Some(f32::from_bits(bits - 1)),
        }
    }

    /// Reads the trace file at `path` (a delay trace if `delays`, else a loss pattern) and puts
    /// it in force. On an error the trace in force stays.
    pub fn load_file(&self, path: &Path, delays: bool) -> Result<(), LossTraceError> {
        let trace = if delays { LossTrace::read_delays(path)? } else { LossTrace::read(path)? };
        let name = path.file_name().unwrap_or(path.as_os_str()).to_string_lossy().into_owned();
        self.replace(Some(SavedTrace { name, trace }));
        Ok(())
    }

    /// Puts `saved` in force (`None`: the loss model decides again) and sends it to the engine.
    pub fn replace(&self, saved: Option<SavedTrace>) {
        let bits = saved.as_ref().map_or(NO_TRACE, |saved| saved.trace.loss_percent().to_bits() + 1);
        let mut inner = self.lock();
        inner.saved = saved;
        self.loss_percent_bits.store(bits, Ordering::Relaxed);
        send(&mut inner);
    }

    /// Takes a new engine's trace senders and sends them the trace in force. Main thread, in
    /// `activate`; the senders they replace are freed here.
    pub fn connect(&self, senders: Vec<HandoffSender<Option<LossTrace>>>) {
        let mut inner = self.lock();
        inner.senders = senders;
        send(&mut inner);
    }
}

/// Sends the trace in force to the engine, if one is connected; the newest sent always wins.
fn send(inner: &mut SlotInner) {
    for sender in &mut inner.senders {
        sender.send(inner.saved.as_ref().map(|saved| saved.trace.clone()));
    }
}

impl<'a> PersistentField<'a, Option<SavedTrace>> for TraceSlot {
    /// A session's trace (main thread): in force at once, in the running engine too.
    fn set(&self, new_value: Option<SavedTrace>) {
        self.replace(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&Option<SavedTrace>) -> R,
    {
        f(&self.lock().saved)
    }
}

#[cfg(test)]
mod tests {
    use roundtrip_engine::handoff::handoff;

    use super::*;

    fn saved(pattern: Vec<bool>) -> SavedTrace {
        SavedTrace { name: "trace.txt".into(), trace: LossTrace::new(pattern).unwrap() }
    }

    #[test]
    fn a_saved_trace_survives_json_and_a_corrupt_one_is_refused() {
        let original = Some(saved(vec![false, true, true, false]));
        let json = serde_json::to_string(&original).unwrap();
        assert_eq!(json, r#"{"name":"trace.txt","pattern":"0110"}"#);
        assert_eq!(serde_json::from_str::<Option<SavedTrace>>(&json).unwrap(), original);
        let delays =
            Some(SavedTrace { name: "d.txt".into(), trace: LossTrace::parse_delays("12.5 lost 0.25").unwrap() });
        let json = serde_json::to_string(&delays).unwrap();
        assert_eq!(json, r#"{"name":"d.txt","pattern":"010","delays":"12.5\nlost\n0.25\n"}"#);
        assert_eq!(serde_json::from_str::<Option<SavedTrace>>(&json).unwrap(), delays);
        for corrupt in [
            r#"{"name":"t","pattern":"01x"}"#,
            r#"{"name":"t","pattern":""}"#,
            r#"{"name":"t"}"#,
            r#"{"name":"t","pattern":"0","delays":"-1"}"#,
        ] {
            assert!(serde_json::from_str::<Option<SavedTrace>>(corrupt).is_err(), "{corrupt}");
        }
    }

    #[test]
    fn the_trace_in_force_reaches_each_engine_and_states_its_loss_rate() {
        let slot = TraceSlot::default();
        assert_eq!(slot.loss_percent(), None);
        slot.replace(Some(saved(vec![true, false, false, false])));
        assert_eq!(slot.loss_percent(), Some(25.0));
        // Connected later (activate), the engine still gets it.
        let (sender, mut receiver) = handoff();
        slot.connect(vec![sender]);
        assert!(receiver.update());
        assert_eq!(receiver.current().as_ref().map(LossTrace::len), Some(4));
        // Loaded faster than the engine takes them: the newest wins.
        slot.replace(Some(saved(vec![true, true])));
        slot.replace(Some(saved(vec![false, false, true])));
        assert!(receiver.update());
        assert_eq!(receiver.current().as_ref().map(LossTrace::len), Some(3));
        assert_eq!(slot.loss_percent().map(f32::round), Some(33.0));
        // A new engine gets the trace in force.
        let (sender, mut second) = handoff();
        slot.connect(vec![sender]);
        assert!(second.update());
        assert_eq!(second.current().as_ref().map(LossTrace::len), Some(3));
        slot.replace(None);
        assert!(second.update());
        assert_eq!(second.current(), &None);
        assert_eq!(slot.loss_percent(), None);
        assert_eq!(slot.map(Clone::clone), None);
    }
}
