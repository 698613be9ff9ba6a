//! The two shapes every libopus CTL call takes: set an `opus_int32`, or get one through a pointer.
//!
//! `opus_encoder_ctl`, `opus_decoder_ctl` and friends are C variadic functions; one generic pair
//! of helpers serves them all, so that the argument types are written down exactly once.

use std::ffi::c_int;

use crate::error::{Result, check};

/// A libopus `*_ctl` function.
pub(crate) type CtlFn<S> = unsafe extern "C" fn(*mut S, c_int, ...) -> c_int;

/// Calls `ctl(state, request, value)` for a `OPUS_SET_*` request that takes an `opus_int32`.
///
/// # Safety
/// `state` must point to a live, initialised state of the kind `ctl` expects, with no other
/// reference to it in use, and `request` must be a setter that takes one `opus_int32`.
pub(crate) unsafe fn set<S>(ctl: CtlFn<S>, state: *mut S, name: &'static str, request: i32, value: i32) -> Result<()> {
    // SAFETY: forwarded from the caller; `value` is passed as the `opus_int32` the request reads.
    let ret = unsafe { ctl(state, request, value) };
    check(name, ret).map(drop)
}

/// Calls `ctl(state, request, &mut out)` for a `OPUS_GET_*` request that writes an `opus_int32`
/// (or an `opus_uint32`, which has the same size and is reinterpreted by the caller).
///
/// # Safety
/// As for [`set`], with `request` a getter that writes one 32-bit integer through its pointer.
pub(crate) unsafe fn get<S>(ctl: CtlFn<S>, state: *mut S, name: &'static str, request: i32) -> Result<i32> {
    let mut out: i32 = 0;
    // SAFETY: forwarded from the caller; `out` is a valid, writable `opus_int32`.
    let ret = unsafe { ctl(state, request, &mut out as *mut i32) };
    check(name, ret).map(|_| out)
}

/// Calls `ctl(state, request)` for a request that takes no argument, such as `OPUS_RESET_STATE`.
///
/// # Safety
/// As for [`set`], with `request` one that reads no argument.
pub(crate) unsafe fn call<S>(ctl: CtlFn<S>, state: *mut S, name: &'static str, request: i32) -> Result<()> {
    // SAFETY: forwarded from the caller.
    let ret = unsafe { ctl(state, request) };
    check(name, ret).map(drop)
}

/// Defines `pub fn $name(&mut self, value) -> Result<()>` for an `OPUS_SET_*` request, through
/// the type's own `fn set(&mut self, name, request, value)`.
macro_rules! ctl_setter {
    ($ctl:literal, $(#[$doc:meta])* $name:ident, $request:ident, $value:ident: $ty:ty => $raw:expr) => {
        $(#[$doc])*
        pub fn $name(&mut self, $value: $ty) -> Result<()> {
            self.set(concat!($ctl, "(", stringify!($request), ")"), sys::$request, $raw)
        }
    };
}

/// Defines `pub fn $name(&self) -> Result<T>` for an `OPUS_GET_*` request, through the type's
/// own `fn get(&self, name, request)`; `|raw, name| expr` turns the raw integer into `T`.
macro_rules! ctl_getter {
    ($ctl:literal, $(#[$doc:meta])* $name:ident, $request:ident -> $ty:ty, |$raw:ident, $fn_name:pat_param| $value:expr) => {
        $(#[$doc])*
        pub fn $name(&self) -> Result<$ty> {
            let $fn_name: &'static str = concat!($ctl, "(", stringify!($request), ")");
            let $raw = self.get(concat!($ctl, "(", stringify!($request), ")"), sys::$request)?;
            $value
        }
    };
}

pub(crate) use {ctl_getter, ctl_setter};
