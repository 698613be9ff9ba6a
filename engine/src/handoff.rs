//! Heap data for the audio thread, handed over and retired without the audio thread allocating
//! or freeing: a loss trace read from a file, a new set of filter coefficients.
//!
//! Thread ownership: the [`HandoffSender`] lives on a non-real-time thread (the GUI, the main
//! thread), which allocates each value and later drops it; the [`HandoffReceiver`] lives on the
//! audio thread, which only moves boxes between two lock-free rings (`rtrb`). A value the audio
//! thread replaces goes back through the second ring, and the sender drops it in
//! [`HandoffSender::collect_retired`]. The audio thread never takes a new value while that ring
//! is full, so it never has to drop one.

use rtrb::{Consumer, Producer, RingBuffer};

/// The non-real-time end: sends new values and drops retired ones.
#[derive(Debug)]
pub struct HandoffSender<T> {
    to_audio: Producer<Box<T>>,
    retired: Consumer<Box<T>>,
}

/// The audio thread's end: holds the value in force.
#[derive(Debug)]
pub struct HandoffReceiver<T> {
    from_sender: Consumer<Box<T>>,
    retired: Producer<Box<T>>,
    current: Option<Box<T>>,
}

/// A handoff with room for `capacity` values in flight each way (at least 1). This allocates:
/// create it before the audio thread starts.
pub fn handoff<T: Send>(capacity: usize) -> (HandoffSender<T>, HandoffReceiver<T>) {
    let capacity = capacity.max(1);
    let (to_audio, from_sender) = RingBuffer::new(capacity);
    let (retired, retired_consumer) = RingBuffer::new(capacity);
    (HandoffSender { to_audio, retired: retired_consumer }, HandoffReceiver { from_sender, retired, current: None })
}

impl<T> HandoffSender<T> {
    /// Queues `value` for the audio thread; gives it back if the queue is full (drop it, or try
    /// again after [`HandoffSender::collect_retired`]).
    pub fn send(&mut self, value: Box<T>) -> Result<(), Box<T>> {
        self.to_audio.push(value).map_err(|rtrb::PushError::Full(value)| value)
    }

    /// Drops every value the audio thread has retired, here; returns how many.
    pub fn collect_retired(&mut self) -> usize {
        let mut dropped = 0;
        while let Ok(value) = self.retired.pop() {
            drop(value);
            dropped += 1;
        }
        dropped
    }
}

impl<T> HandoffReceiver<T> {
    /// Takes the newest value sent, retiring the one it replaces (and any skipped), as far as
    /// the retired ring has room. Returns whether the value in force changed. Never allocates
    /// or frees.
    pub fn update(&mut self) -> bool {
        let mut changed = false;
        while self.retired.slots() > 0 {
            let Ok(newer) = self.from_sender.pop() else { break };
            if let Some(old) = self.current.replace(newer) {
                // A slot was free a moment ago and only this thread pushes: this cannot fail.
                let _ = self.retired.push(old);
            }
            changed = true;
        }
        changed
    }

    /// The value in force, if one was ever taken.
    pub fn current(&self) -> Option<&T> {
        self.current.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_value_wins_and_the_old_ones_come_back() {
        let (mut sender, mut receiver) = handoff::<Vec<u32>>(2);
        assert!(!receiver.update());
        assert_eq!(receiver.current(), None);
        sender.send(Box::new(vec![1])).unwrap();
        sender.send(Box::new(vec![2])).unwrap();
        assert!(sender.send(Box::new(vec![3])).is_err(), "a full queue gives the value back");
        assert!(receiver.update());
        assert_eq!(receiver.current(), Some(&vec![2]));
        // The skipped value went back; the one in force stays with the receiver.
        assert_eq!(sender.collect_retired(), 1);
        sender.send(Box::new(vec![3])).unwrap();
        assert!(receiver.update());
        assert_eq!(receiver.current(), Some(&vec![3]));
        assert_eq!(sender.collect_retired(), 1);
    }

    #[test]
    fn a_full_retired_ring_holds_new_values_back_rather_than_drop_them() {
        let (mut sender, mut receiver) = handoff::<u64>(1);
        sender.send(Box::new(1)).unwrap();
        assert!(receiver.update());
        sender.send(Box::new(2)).unwrap();
        assert!(receiver.update(), "1 retired into the free slot");
        sender.send(Box::new(3)).unwrap();
        assert!(!receiver.update(), "the retired ring is full: 3 waits");
        assert_eq!(receiver.current(), Some(&2));
        assert_eq!(sender.collect_retired(), 1);
        assert!(receiver.update());
        assert_eq!(receiver.current(), Some(&3));
    }
}
