//! Ownership of one libopus state object, whoever allocated it.

use std::alloc::Layout;
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::error::{Error, ErrorCode, Result};
use crate::mem::{StateAllocator, StateBuffer};

/// Where a state's memory came from, which decides how it is freed.
enum Memory<S> {
    /// Our allocator: freed by dropping the buffer, never with `opus_*_destroy`. Held only for
    /// that drop, hence never read.
    Buffer(#[allow(dead_code)] StateBuffer),
    /// `opus_*_create`: freed with the matching `opus_*_destroy`. Tests and benchmarks only.
    #[cfg(feature = "library-managed")]
    Library(unsafe extern "C" fn(*mut S)),
    #[cfg(not(feature = "library-managed"))]
    #[allow(dead_code)]
    Never(std::marker::PhantomData<S>, std::convert::Infallible),
}

/// A pointer to an initialised libopus state of type `S` and the memory behind it.
pub(crate) struct OwnedState<S> {
    ptr: NonNull<S>,
    memory: Memory<S>,
}

impl<S> OwnedState<S> {
    /// Allocates `layout` from `allocator` and runs `init` on the zeroed block.
    ///
    /// `init` receives the block as `*mut S` and returns a libopus error code (0 for success).
    pub(crate) fn new_in(
        allocator: Arc<dyn StateAllocator>,
        layout: Layout,
        init_name: &'static str,
        init: impl FnOnce(*mut S) -> i32,
    ) -> Result<Self> {
        let buffer = StateBuffer::new_in(allocator, layout)?;
        let ptr = buffer.as_ptr().cast::<S>();
        crate::error::check(init_name, init(ptr))?;
        // The buffer is freed on the error path above by dropping it; here it moves into `self`.
        let ptr = NonNull::new(ptr).ok_or(Error::new(init_name, ErrorCode::AllocFail))?;
        Ok(Self { ptr, memory: Memory::Buffer(buffer) })
    }

    /// Takes ownership of a state made by `opus_*_create`.
    #[cfg(feature = "library-managed")]
    pub(crate) fn from_library(
        create_name: &'static str,
        ptr: *mut S,
        error: i32,
        destroy: unsafe extern "C" fn(*mut S),
    ) -> Result<Self> {
        match NonNull::new(ptr) {
            Some(ptr) if error == 0 => Ok(Self { ptr, memory: Memory::Library(destroy) }),
            Some(ptr) => {
                // SAFETY: `ptr` came from the matching create call and is freed once, here.
                unsafe { destroy(ptr.as_ptr()) };
                Err(Error::new(create_name, ErrorCode::from_opus(error)))
            }
            None => Err(Error::new(create_name, ErrorCode::from_opus(error.min(-1)))),
        }
    }

    /// A byte-for-byte copy of the state in new memory from `allocator`. libopus states hold no
    /// pointers into themselves, so the copy is a working state (libopus's own API test relies on
    /// this too). `layout` must be the state's `opus_*_get_size` layout. This allocates.
    pub(crate) fn duplicate_in(&self, allocator: Arc<dyn StateAllocator>, layout: Layout) -> Result<Self> {
        let buffer = StateBuffer::new_in(allocator, layout)?;
        // SAFETY: the source is a live state of `layout.size()` bytes (its `get_size`), the
        // destination a fresh block of the same size; they cannot overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(self.ptr.as_ptr().cast::<u8>(), buffer.as_ptr(), layout.size());
        }
        // SAFETY: `StateBuffer::as_ptr` is never null.
        let ptr = unsafe { NonNull::new_unchecked(buffer.as_ptr().cast::<S>()) };
        Ok(Self { ptr, memory: Memory::Buffer(buffer) })
    }

    /// The state pointer, for calls into libopus.
    pub(crate) fn as_ptr(&self) -> *mut S {
        self.ptr.as_ptr()
    }

    /// Whether the state lives in memory that this crate's allocator trait manages.
    pub(crate) fn is_user_managed(&self) -> bool {
        matches!(self.memory, Memory::Buffer(_))
    }
}

impl<S> fmt::Debug for OwnedState<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedState").field("ptr", &self.ptr).field("user_managed", &self.is_user_managed()).finish()
    }
}

impl<S> Drop for OwnedState<S> {
    fn drop(&mut self) {
        #[cfg(feature = "library-managed")]
        if let Memory::Library(destroy) = self.memory {
            // SAFETY: the state came from the create call matching `destroy`; freed once, here.
            unsafe { destroy(self.ptr.as_ptr()) };
        }
        // A `Memory::Buffer` frees itself when dropped, through the allocator that made it.
    }
}

// SAFETY: libopus states are plain memory with no thread affinity; the documentation says a
// state must not be used from two threads *at once* ("the encoder/decoder state is not
// thread-safe"), which `&mut self` on every mutating call guarantees. It is not `Sync`.
unsafe impl<S> Send for OwnedState<S> {}
