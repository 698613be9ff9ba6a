//! Heap data for the audio thread (a loss trace, new filter coefficients), handed over without
//! the audio thread allocating or freeing, and the newest value always winning.
//!
//! Thread ownership: the [`HandoffSender`] lives on a non-real-time thread (the GUI, the main
//! thread), the [`HandoffReceiver`] on the audio thread. They share a triple buffer
//! (`triple_buffer`): three slots, one the sender's, one the receiver's, one between them. The
//! sender moves each new value into its slot — dropping what that slot held, on its own thread —
//! and publishes it; the receiver swaps the published slot for its own and only reads it. A
//! value sent before the receiver took the one before replaces it, so the newest always wins,
//! and at most three values are alive at once.

use triple_buffer::{Input, Output, TripleBuffer};

/// The non-real-time end: sends new values, and frees old ones as it does.
#[derive(Debug)]
pub struct HandoffSender<T: Send> {
    input: Input<T>,
}

/// The audio thread's end: holds the value in force.
#[derive(Debug)]
pub struct HandoffReceiver<T: Send> {
    output: Output<T>,
}

/// A handoff whose receiver starts with `T::default()`. This allocates: create it before the
/// audio thread starts.
pub fn handoff<T: Send + Default>() -> (HandoffSender<T>, HandoffReceiver<T>) {
    let (input, output) = TripleBuffer::default().split();
    (HandoffSender { input }, HandoffReceiver { output })
}

impl<T: Send> HandoffSender<T> {
    /// Publishes `value` for the audio thread. Frees, here, the value sent two sends ago (by now
    /// replaced on the receiver's side, or never taken).
    pub fn send(&mut self, value: T) {
        self.input.write(value);
    }
}

impl<T: Send> HandoffReceiver<T> {
    /// Takes the newest value sent, if one came since the last call; returns whether it did.
    /// Never allocates or frees: the value it replaces stays in a slot until the sender reuses it.
    pub fn update(&mut self) -> bool {
        self.output.update()
    }

    /// The value in force.
    pub fn current(&self) -> &T {
        self.output.output_buffer()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn the_newest_value_wins() {
        let (mut sender, mut receiver) = handoff::<Option<u32>>();
        assert!(!receiver.update());
        assert_eq!(receiver.current(), &None);
        sender.send(Some(1));
        sender.send(Some(2));
        assert!(receiver.update());
        assert_eq!(receiver.current(), &Some(2), "1 was replaced before it was taken");
        assert!(!receiver.update(), "nothing new");
        sender.send(Some(3));
        assert!(receiver.update());
        assert_eq!(receiver.current(), &Some(3));
    }

    #[test]
    fn values_are_dropped_by_the_sender_never_by_the_receiver() {
        // Each value's `Arc` count shows whether its slot still holds it.
        let values: Vec<Arc<u32>> = (0..6).map(Arc::new).collect();
        let (mut sender, mut receiver) = handoff::<Option<Arc<u32>>>();
        for (index, value) in values.iter().enumerate() {
            sender.send(Some(value.clone()));
            receiver.update();
            assert_eq!(receiver.current().as_deref(), Some(&(index as u32)));
            // The value in force and those not yet overwritten by the sender are alive.
            assert_eq!(Arc::strong_count(value), 2, "value {index}");
        }
        let alive = values.iter().filter(|value| Arc::strong_count(value) > 1).count();
        assert!(alive <= 3, "{alive} values alive: at most one per slot");
        drop((sender, receiver));
        assert!(values.iter().all(|value| Arc::strong_count(value) == 1));
    }
}
