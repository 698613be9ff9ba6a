//! The simulated receiver's jitter buffer: packets in flight between the encoder and the decoder,
//! held back a fixed number of frames so that a later packet's FEC or DRED can rebuild a lost one.

use roundtrip_codec::MAX_PACKET_BYTES;

/// One packet slot.
#[derive(Debug, Clone)]
pub struct Packet {
    /// The packet bytes; `MAX_PACKET_BYTES` long, of which `len` are used.
    bytes: Box<[u8]>,
    /// Bytes used.
    len: usize,
    /// Whether the simulated network dropped it.
    pub lost: bool,
    /// Whether it carries in-band FEC for the packet before it.
    pub has_fec: bool,
    /// Position in the stream since the last restart.
    pub sequence: u64,
    /// When it reaches the receiver, in ms since the restart (its send time plus its simulated
    /// delay). In ms, not samples: which packets are late must not depend on the codec rate.
    pub arrival_ms: f64,
}

impl Packet {
    /// The packet's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A fixed-capacity FIFO of packets. Every slot is allocated at creation; nothing after.
#[derive(Debug)]
pub struct PacketQueue {
    slots: Vec<Packet>,
    /// Index of the oldest packet.
    head: usize,
    /// Packets held.
    len: usize,
}

impl PacketQueue {
    /// A queue of `capacity` packets of [`MAX_PACKET_BYTES`] each. This allocates.
    pub fn new(capacity: usize) -> Self {
        let slot = Packet {
            bytes: vec![0; MAX_PACKET_BYTES].into_boxed_slice(),
            len: 0,
            lost: false,
            has_fec: false,
            sequence: 0,
            arrival_ms: 0.0,
        };
        let mut slots = vec![slot; capacity.max(1)];
        // Write every byte now, so that the kernel maps the pages here and not during the first
        // audio callbacks.
        slots.iter_mut().for_each(|slot| slot.bytes.fill(0));
        Self { slots, head: 0, len: 0 }
    }

    /// Packets the queue can hold.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Packets held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drops every packet. Never allocates.
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// The slot the next packet goes into, to be filled by `fill` (which writes into the byte
    /// buffer and returns the length). Returns `false` if the queue is full.
    pub fn push_with(&mut self, sequence: u64, fill: impl FnOnce(&mut [u8]) -> Option<usize>) -> Option<&mut Packet> {
        if self.len == self.slots.len() {
            return None;
        }
        let index = (self.head + self.len) % self.slots.len();
        let slot = &mut self.slots[index];
        slot.len = fill(&mut slot.bytes).unwrap_or(0).min(MAX_PACKET_BYTES);
        slot.lost = slot.len == 0;
        slot.has_fec = false;
        slot.sequence = sequence;
        self.len += 1;
        Some(slot)
    }

    /// The packet `offset` places after the oldest (0 is the oldest).
    pub fn get(&self, offset: usize) -> Option<&Packet> {
        (offset < self.len).then(|| &self.slots[(self.head + offset) % self.slots.len()])
    }

    /// Removes the oldest packet.
    pub fn pop(&mut self) {
        if self.len > 0 {
            self.head = (self.head + 1) % self.slots.len();
            self.len -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_come_out_in_order_and_a_full_queue_refuses_more() {
        let mut queue = PacketQueue::new(3);
        for sequence in 0..3u64 {
            let pushed = queue.push_with(sequence, |bytes| {
                bytes[0] = sequence as u8;
                Some(1)
            });
            assert!(pushed.is_some());
        }
        assert!(queue.push_with(9, |_| Some(1)).is_none());
        assert_eq!(queue.get(2).unwrap().bytes(), &[2]);
        queue.pop();
        assert_eq!(queue.get(0).unwrap().sequence, 1);
        assert!(queue.push_with(3, |_| None).unwrap().lost, "a failed encode is a lost packet");
        assert_eq!(queue.len(), 3);
        queue.clear();
        assert!(queue.is_empty());
    }
}
