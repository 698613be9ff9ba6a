//! Test-only allocation counting, for proving that a real-time path allocates nothing.
//!
//! Two counters per thread: Rust allocations (through a counting `#[global_allocator]`) and C
//! heap calls (`malloc`, `calloc`, `realloc`, `free`, `posix_memalign`, `aligned_alloc`,
//! `memalign`), which the test binary interposes and forwards to glibc's `__libc_*` entry points.
//! Rust's system allocator calls `malloc` too, so a Rust allocation shows in both counters.
//!
//! The interposing functions must be defined in the test binary itself, not in a library: the
//! linker only takes an archive's members to resolve symbols it is missing, so shims living in
//! this rlib could silently lose to glibc's. [`install!`] expands to them in the calling crate.
//! Never use it in a shipped library: exporting `malloc` from a plugin would replace the
//! allocator of the whole host process.
//!
//! C heap calls are counted where glibc is the C library ([`COUNTS_C_HEAP`]). Elsewhere (the
//! Windows build, run under Wine) only Rust allocations are counted: msvcrt has no second name
//! for its `malloc` to forward to, and Rust's allocator there calls `HeapAlloc`, not `malloc`.

use std::cell::Cell;

/// Whether [`Counts::c`] counts anything on this target (glibc only; see the crate docs).
pub const COUNTS_C_HEAP: bool = cfg!(all(target_os = "linux", target_env = "gnu"));

#[doc(hidden)]
pub use libc;

thread_local! {
    /// Whether this thread is inside [`count`].
    static ARMED: Cell<bool> = const { Cell::new(false) };
    /// Rust allocations, reallocations and deallocations seen while armed.
    static RUST_CALLS: Cell<usize> = const { Cell::new(0) };
    /// C heap calls seen while armed.
    static C_CALLS: Cell<usize> = const { Cell::new(0) };
}

/// What [`count`] saw on its thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Calls into the Rust global allocator (alloc, realloc, dealloc).
    pub rust: usize,
    /// Calls to the C heap functions (including those Rust's allocator makes).
    pub c: usize,
}

impl Counts {
    /// Whether nothing at all was allocated or freed.
    pub fn is_zero(&self) -> bool {
        self.rust == 0 && self.c == 0
    }
}

/// Runs `f` and returns its result with the allocation calls it made on this thread.
/// Panics if [`install!`] was not used in the test binary (the negative control would notice).
pub fn count<R>(f: impl FnOnce() -> R) -> (R, Counts) {
    RUST_CALLS.set(0);
    C_CALLS.set(0);
    ARMED.set(true);
    let result = f();
    ARMED.set(false);
    (result, Counts { rust: RUST_CALLS.get(), c: C_CALLS.get() })
}

/// Records a Rust allocator call. For the code [`install!`] generates.
#[doc(hidden)]
#[inline]
pub fn note_rust() {
    // `try_with`: a thread-local may already be gone while a thread shuts down.
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        let _ = RUST_CALLS.try_with(|calls| calls.set(calls.get() + 1));
    }
}

/// Records a C heap call. For the code [`install!`] generates.
#[doc(hidden)]
#[inline]
pub fn note_c() {
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        let _ = C_CALLS.try_with(|calls| calls.set(calls.get() + 1));
    }
}

#[doc(hidden)]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub mod glibc {
    use std::ffi::c_void;

    // glibc exports its allocator under these names too, so an interposed `malloc` can forward
    // to the real one without `dlsym` (which may itself allocate).
    unsafe extern "C" {
        pub fn __libc_malloc(size: usize) -> *mut c_void;
        pub fn __libc_calloc(count: usize, size: usize) -> *mut c_void;
        pub fn __libc_realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
        pub fn __libc_free(ptr: *mut c_void);
        pub fn __libc_memalign(align: usize, size: usize) -> *mut c_void;
    }
}

/// Defines, in the calling test crate, a counting `#[global_allocator]` and the interposed C heap
/// functions. Use once per test binary, at the crate root.
#[macro_export]
macro_rules! install {
    () => {
        mod alloc_counter_shims {
            use std::alloc::{GlobalAlloc, Layout, System};

            struct CountingAllocator;

            // SAFETY: forwards every call unchanged to `System`, which upholds `GlobalAlloc`.
            unsafe impl GlobalAlloc for CountingAllocator {
                unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
                    $crate::note_rust();
                    // SAFETY: forwarded from our caller.
                    unsafe { System.alloc(layout) }
                }
                unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
                    $crate::note_rust();
                    // SAFETY: forwarded from our caller.
                    unsafe { System.alloc_zeroed(layout) }
                }
                unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
                    $crate::note_rust();
                    // SAFETY: forwarded from our caller.
                    unsafe { System.realloc(ptr, layout, new_size) }
                }
                unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
                    $crate::note_rust();
                    // SAFETY: forwarded from our caller.
                    unsafe { System.dealloc(ptr, layout) }
                }
            }

            #[global_allocator]
            static GLOBAL: CountingAllocator = CountingAllocator;

            $crate::c_heap_shims!();
        }
    };
}

/// The interposed C heap functions, forwarding to glibc's own. For [`install!`].
#[doc(hidden)]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[macro_export]
macro_rules! c_heap_shims {
    () => {
        use std::ffi::{c_int, c_void};

        use $crate::glibc;

        #[unsafe(no_mangle)]
        unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
            $crate::note_c();
            // SAFETY: glibc's own malloc, same contract.
            unsafe { glibc::__libc_malloc(size) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
            $crate::note_c();
            // SAFETY: glibc's own calloc, same contract.
            unsafe { glibc::__libc_calloc(count, size) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
            $crate::note_c();
            // SAFETY: glibc's own realloc, same contract.
            unsafe { glibc::__libc_realloc(ptr, size) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn free(ptr: *mut c_void) {
            if !ptr.is_null() {
                $crate::note_c();
            }
            // SAFETY: glibc's own free, same contract.
            unsafe { glibc::__libc_free(ptr) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn memalign(align: usize, size: usize) -> *mut c_void {
            $crate::note_c();
            // SAFETY: glibc's own memalign, same contract.
            unsafe { glibc::__libc_memalign(align, size) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn aligned_alloc(align: usize, size: usize) -> *mut c_void {
            $crate::note_c();
            // SAFETY: glibc's own memalign accepts every alignment aligned_alloc does.
            unsafe { glibc::__libc_memalign(align, size) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn posix_memalign(out: *mut *mut c_void, align: usize, size: usize) -> c_int {
            $crate::note_c();
            if !align.is_power_of_two() || !align.is_multiple_of(std::mem::size_of::<*mut c_void>()) {
                return $crate::libc::EINVAL;
            }
            // SAFETY: alignment validated as posix_memalign requires.
            let ptr = unsafe { glibc::__libc_memalign(align, size) };
            if ptr.is_null() {
                return $crate::libc::ENOMEM;
            }
            // SAFETY: the caller passes a valid out-pointer, as posix_memalign requires.
            unsafe { *out = ptr };
            0
        }
    };
}

/// Nothing to interpose where the C library is not glibc. For [`install!`].
#[doc(hidden)]
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
#[macro_export]
macro_rules! c_heap_shims {
    () => {};
}
