//! Memory for codec states that *we* allocate, as libopus's "user-managed allocation" asks.
//!
//! libopus sizes a state with `opus_*_get_size`, lets the caller allocate it anywhere suitably
//! aligned, initialises it in place with `opus_*_init`, and never allocates again while it codes.
//! Freeing is the caller's job too: no `opus_*_destroy`. This module is the caller's side of that
//! contract: an allocator trait, two allocators, and [`StateBuffer`], which owns one block and
//! gives it back to the allocator that made it.
//!
//! Thread ownership: allocators are `Send + Sync` because a plugin creates states on the host's
//! main thread and may drop them there or on another non-real-time thread. Allocation and
//! deallocation never happen on the audio thread.

use std::alloc::{self, Layout};
use std::fmt;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Error, ErrorCode, Result};

/// The alignment every codec state gets: what C's `malloc` guarantees on this target
/// (`alignof(max_align_t)`), which is what `opus_*_create` relies on.
pub const STATE_ALIGN: usize = std::mem::align_of::<libc::max_align_t>();

/// Alignment of an [`Arena`]'s backing block: a cache line, so that two arenas never share one.
pub const ARENA_BLOCK_ALIGN: usize = 64;

/// Something that hands out and takes back blocks of memory for codec states.
///
/// # Safety
/// `allocate` must return either an error or a pointer to a block that is valid for reads and
/// writes of `layout.size()` bytes, aligned to `layout.align()`, not used by anything else, and
/// that stays valid until `deallocate` is called with that pointer and the same layout.
/// (Misalignment is detected and reported by [`StateBuffer`], but a short block cannot be.)
pub unsafe trait StateAllocator: Send + Sync {
    /// Allocates a block for `layout`. Errors instead of panicking when memory is short.
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>>;

    /// Returns a block to the allocator.
    ///
    /// # Safety
    /// `ptr` must come from `self.allocate(layout)` with this same `layout`, and must not have
    /// been deallocated already.
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout);
}

/// Rust's global allocator (whatever `#[global_allocator]` the final binary installs).
#[derive(Debug, Default, Clone, Copy)]
pub struct GlobalAllocator;

// SAFETY: `std::alloc::alloc` returns a block fitting `layout` or null, and null becomes an error.
unsafe impl StateAllocator for GlobalAllocator {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>> {
        if layout.size() == 0 {
            return Err(Error::new("GlobalAllocator::allocate", ErrorCode::BadArg));
        }
        // SAFETY: the layout has a non-zero size, checked just above.
        let ptr = unsafe { alloc::alloc(layout) };
        NonNull::new(ptr).ok_or(Error::new("GlobalAllocator::allocate", ErrorCode::AllocFail))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller promises `ptr` came from `allocate(layout)`, i.e. from `alloc::alloc`.
        unsafe { alloc::dealloc(ptr.as_ptr(), layout) }
    }
}

/// A fixed block, allocated once up front, from which states are carved in order.
///
/// A plugin can hold all of its codec states in one allocation made when it activates. Blocks
/// are not reused one by one; when every block carved from the arena has been freed, the whole
/// arena becomes free again. Running out of space is an [`ErrorCode::ArenaExhausted`] error.
pub struct Arena {
    /// Start of the backing block; owned by the arena, freed in `Drop`.
    base: NonNull<u8>,
    /// Layout of the backing block.
    block: Layout,
    /// Carving position. A mutex is fine: states are made and freed off the audio thread.
    cursor: Mutex<ArenaCursor>,
}

#[derive(Debug, Default)]
struct ArenaCursor {
    /// Offset of the first free byte.
    used: usize,
    /// Blocks handed out and not yet returned.
    live: usize,
}

impl Arena {
    /// Allocates an arena of `capacity_bytes` from the global allocator.
    pub fn new(capacity_bytes: usize) -> Result<Self> {
        let block = Layout::from_size_align(capacity_bytes.max(1), ARENA_BLOCK_ALIGN)
            .map_err(|_| Error::new("Arena::new", ErrorCode::BadArg))?;
        let base = GlobalAllocator.allocate(block)?;
        Ok(Self { base, block, cursor: Mutex::new(ArenaCursor::default()) })
    }

    /// Allocates an arena just large enough for `layouts`, carved in that order.
    pub fn for_layouts(layouts: &[Layout]) -> Result<Self> {
        Self::new(Self::capacity_for(layouts)?)
    }

    /// Bytes needed to carve `layouts` in order from a block aligned to [`ARENA_BLOCK_ALIGN`].
    pub fn capacity_for(layouts: &[Layout]) -> Result<usize> {
        let overflow = || Error::new("Arena::capacity_for", ErrorCode::BadArg);
        let mut end = 0usize;
        for layout in layouts {
            // Alignments above the block's own need worst-case padding.
            let worst_pad = layout.align().saturating_sub(ARENA_BLOCK_ALIGN);
            let start = end.checked_next_multiple_of(layout.align()).ok_or_else(overflow)?;
            end = start.checked_add(worst_pad).and_then(|s| s.checked_add(layout.size())).ok_or_else(overflow)?;
        }
        // The block itself must be a valid layout too.
        Layout::from_size_align(end, ARENA_BLOCK_ALIGN).map_err(|_| overflow())?;
        Ok(end)
    }

    /// Total bytes in the arena.
    pub fn capacity(&self) -> usize {
        self.block.size()
    }

    /// Bytes not yet carved.
    pub fn available(&self) -> usize {
        self.capacity() - self.lock().used
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ArenaCursor> {
        // The cursor holds two integers that are always consistent, so a poisoned lock is safe.
        self.cursor.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Arena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cursor = self.lock();
        f.debug_struct("Arena")
            .field("capacity", &self.capacity())
            .field("used", &cursor.used)
            .field("live", &cursor.live)
            .finish()
    }
}

// SAFETY: blocks are carved from disjoint, in-bounds ranges of the backing block (the cursor only
// moves forward while any block is live), aligned by address, and the backing block outlives them
// because every `StateBuffer` holds an `Arc` to its allocator.
unsafe impl StateAllocator for Arena {
    fn allocate(&self, layout: Layout) -> Result<NonNull<u8>> {
        if layout.size() == 0 {
            return Err(Error::new("Arena::allocate", ErrorCode::BadArg));
        }
        let mut cursor = self.lock();
        let base = self.base.as_ptr() as usize;
        let exhausted = |start: usize| {
            Error::new(
                "Arena::allocate",
                ErrorCode::ArenaExhausted {
                    needed: start.saturating_sub(cursor.used).saturating_add(layout.size()),
                    available: self.capacity() - cursor.used,
                },
            )
        };
        // Align the address, not the offset, so that alignments above the block's own work too.
        let start = (base + cursor.used).next_multiple_of(layout.align()) - base;
        let end = start.checked_add(layout.size()).ok_or_else(|| exhausted(start))?;
        if end > self.capacity() {
            return Err(exhausted(start));
        }
        cursor.used = end;
        cursor.live += 1;
        // SAFETY: `start < end <= capacity`, so the offset stays inside the backing block.
        let ptr = unsafe { self.base.as_ptr().add(start) };
        // SAFETY: an in-bounds offset from a non-null block base is non-null.
        Ok(unsafe { NonNull::new_unchecked(ptr) })
    }

    unsafe fn deallocate(&self, _ptr: NonNull<u8>, _layout: Layout) {
        let mut cursor = self.lock();
        cursor.live = cursor.live.saturating_sub(1);
        if cursor.live == 0 {
            cursor.used = 0;
        }
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        // SAFETY: `base` came from `GlobalAllocator.allocate(self.block)` in `new`; live states hold
        // an `Arc<Arena>`, so none can outlive this.
        unsafe { GlobalAllocator.deallocate(self.base, self.block) }
    }
}

// SAFETY: the arena's only shared mutable data is behind a `Mutex`; the block itself is handed
// out in disjoint pieces.
unsafe impl Send for Arena {}
// SAFETY: as above.
unsafe impl Sync for Arena {}

/// One block of memory for one codec state: owns it, remembers its layout and the allocator
/// that made it, and gives it back to that allocator when dropped.
pub struct StateBuffer {
    ptr: NonNull<u8>,
    layout: Layout,
    allocator: Arc<dyn StateAllocator>,
}

impl StateBuffer {
    /// Allocates `layout` from `allocator` and zeroes it.
    ///
    /// This allocates. Fails with [`ErrorCode::MisalignedAllocation`] if the allocator breaks
    /// the alignment it was asked for, rather than let libopus run on misaligned memory.
    pub fn new_in(allocator: Arc<dyn StateAllocator>, layout: Layout) -> Result<Self> {
        let ptr = allocator.allocate(layout)?;
        if !(ptr.as_ptr() as usize).is_multiple_of(layout.align()) {
            // SAFETY: `ptr` was just returned by `allocate(layout)` and not freed.
            unsafe { allocator.deallocate(ptr, layout) };
            return Err(Error::new("StateBuffer::new_in", ErrorCode::MisalignedAllocation { align: layout.align() }));
        }
        // SAFETY: the allocator contract gives `layout.size()` writable bytes at `ptr`.
        unsafe { ptr.as_ptr().write_bytes(0, layout.size()) };
        Ok(Self { ptr, layout, allocator })
    }

    /// A copy of this buffer's bytes in a new block from `allocator`. This allocates.
    pub fn duplicate_in(&self, allocator: Arc<dyn StateAllocator>) -> Result<Self> {
        let copy = Self::new_in(allocator, self.layout)?;
        // SAFETY: both blocks hold `layout.size()` bytes and are distinct allocations.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr(), copy.ptr.as_ptr(), self.layout.size()) };
        Ok(copy)
    }

    /// The start of the block.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The layout the block was allocated with.
    pub fn layout(&self) -> Layout {
        self.layout
    }
}

impl fmt::Debug for StateBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateBuffer").field("ptr", &self.ptr).field("layout", &self.layout).finish_non_exhaustive()
    }
}

impl Drop for StateBuffer {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `self.allocator.allocate(self.layout)` and is freed only here.
        unsafe { self.allocator.deallocate(self.ptr, self.layout) }
    }
}

// SAFETY: the buffer exclusively owns its block and its allocator is `Send + Sync`.
unsafe impl Send for StateBuffer {}

/// The layout of a libopus state of `size_bytes`, as returned by an `opus_*_get_size` call.
pub(crate) fn state_layout(function: &'static str, size_bytes: i32) -> Result<Layout> {
    let size = usize::try_from(size_bytes)
        .ok()
        .filter(|&size| size > 0)
        .ok_or(Error::new(function, ErrorCode::from_opus(size_bytes.min(-1))))?;
    Layout::from_size_align(size, STATE_ALIGN).map_err(|_| Error::new(function, ErrorCode::BadArg))
}

/// The default allocator for states: Rust's global allocator.
pub fn global() -> Arc<dyn StateAllocator> {
    Arc::new(GlobalAllocator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arena_sized_for_layouts_fits_them_even_above_its_own_alignment() {
        let layouts = [
            Layout::from_size_align(37, 8).unwrap(),
            Layout::from_size_align(100, 128).unwrap(),
            Layout::from_size_align(3, 1).unwrap(),
        ];
        let arena = Arena::for_layouts(&layouts).unwrap();
        for layout in layouts {
            let ptr = arena.allocate(layout).unwrap();
            assert!((ptr.as_ptr() as usize).is_multiple_of(layout.align()));
        }
        assert!(matches!(
            arena.allocate(Layout::from_size_align(arena.capacity(), 1).unwrap()).unwrap_err().code(),
            ErrorCode::ArenaExhausted { .. }
        ));
    }

    #[test]
    fn zero_sized_and_overflowing_requests_are_errors() {
        let arena = Arena::new(64).unwrap();
        assert_eq!(arena.allocate(Layout::new::<()>()).unwrap_err().code(), ErrorCode::BadArg);
        assert_eq!(GlobalAllocator.allocate(Layout::new::<()>()).unwrap_err().code(), ErrorCode::BadArg);
        let huge = Layout::from_size_align(isize::MAX as usize - 64, 1).unwrap();
        assert_eq!(Arena::capacity_for(&[huge, huge]).unwrap_err().code(), ErrorCode::BadArg);
    }
}
