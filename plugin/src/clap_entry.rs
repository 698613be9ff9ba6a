//! The CLAP entry point: nice-plug's CLAP plugin, with the latency extension answered by us, so
//! that the host hears of a latency change only inside `activate`, as CLAP's `latency.h` asks
//! (`clap_host_latency.changed` is `[main-thread & being-activated]`).
//!
//! Why not nice-plug's own: nice-plug 0.4.2 turns every `set_latency_samples` into a main-thread
//! task. Called from `activate`, the task runs once the plugin already counts as active and asks
//! the host for a needless restart; called from `process`, the task calls the host's
//! `latency.changed()` on an inactive plugin when the host deactivates it before running its
//! main-thread callback. Neither can be fixed from the plugin's side of nice-plug's API.
//!
//! How: every instance the host sees is an [`Instance`] whose `clap_plugin` shares nice-plug's
//! `plugin_data`, so that nice-plug's functions and extensions, which find their wrapper through
//! that field, work unchanged when the host calls them with our pointer. Four entries are ours:
//! `init` (also finds the host's latency extension), `destroy` (also frees the [`Instance`]),
//! `activate` (notes the latency the plugin reports while activating, through
//! [`report_activation_latency`], and tells the host right there if it changed) and
//! `get_extension` (answers `clap.latency` itself). Under CLAP the plugin never calls nice-plug's
//! `set_latency_samples`, so nice-plug never talks to the host about latency; while active, a
//! latency change is a `request_restart()` (see the plugin's `process`).

use std::cell::Cell;
use std::ffi::{CStr, c_char, c_void};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use clap_sys::ext::latency::{CLAP_EXT_LATENCY, clap_host_latency, clap_plugin_latency};
use nice_plug::wrapper::clap::{
    CLAP_PLUGIN_FACTORY_ID, CLAP_VERSION, PluginDescriptor, Wrapper, clap_host, clap_plugin, clap_plugin_descriptor,
    clap_plugin_entry, clap_plugin_factory,
};

use crate::OpusRoundtrip;

/// Where the host's `activate` call is on this thread: the plugin's own `activate` runs inside
/// it, on the same thread, and reports its latency here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activation {
    /// No host `activate` call is under way on this thread.
    None,
    /// Inside the host's `activate`; the latency the plugin reported, if it did.
    Underway(Option<u32>),
}

thread_local! {
    static ACTIVATION: Cell<Activation> = const { Cell::new(Activation::None) };
}

/// Tells the CLAP host, if this runs inside its `activate` call, the latency the plugin will
/// have once active. Returns `false` when no CLAP activation is under way on this thread (VST3,
/// the standalone app), where the caller reports through nice-plug instead.
pub fn report_activation_latency(samples: u32) -> bool {
    ACTIVATION.with(|activation| match activation.get() {
        Activation::Underway(_) => {
            activation.set(Activation::Underway(Some(samples)));
            true
        }
        Activation::None => false,
    })
}

/// One plugin instance as the host sees it.
#[repr(C)]
struct Instance {
    /// The vtable the host holds. First, so that a `*const clap_plugin` from the host is a
    /// pointer to the whole `Instance`.
    clap: clap_plugin,
    /// nice-plug's own vtable, for the entries we wrap.
    nice: clap_plugin,
    /// The host, as it gave itself to the factory.
    host: *const clap_host,
    /// The host's latency extension, found in `init`; main thread only.
    host_latency: Cell<Option<&'static clap_host_latency>>,
    /// The latency reported by the last activation; what `clap.latency`'s `get` answers.
    latency: AtomicU32,
    /// The latency the host was last told of through `changed()`; main thread only.
    told: Cell<Option<u32>>,
}

impl Instance {
    /// # Safety
    /// `plugin` is null or a pointer this module's factory returned and the host has not yet
    /// destroyed.
    unsafe fn from_raw<'a>(plugin: *const clap_plugin) -> Option<&'a Self> {
        // SAFETY: per the contract, a non-null `plugin` points to the first field of a live
        // `Instance` (`repr(C)`), which lives until `destroy`.
        unsafe { plugin.cast::<Self>().as_ref() }
    }
}

static LATENCY: clap_plugin_latency = clap_plugin_latency { get: Some(latency_get) };

fn descriptor() -> &'static PluginDescriptor {
    static DESCRIPTOR: OnceLock<PluginDescriptor> = OnceLock::new();
    DESCRIPTOR.get_or_init(PluginDescriptor::for_plugin::<OpusRoundtrip>)
}

unsafe extern "C" fn init(plugin: *const clap_plugin) -> bool {
    // SAFETY: the host passes the pointer `create_plugin` returned.
    let Some(instance) = (unsafe { Instance::from_raw(plugin) }) else { return false };
    let Some(nice_init) = instance.nice.init else { return false };
    // SAFETY: nice-plug's entry, called with a plugin whose `plugin_data` is nice-plug's.
    if !unsafe { nice_init(plugin) } {
        return false;
    }
    // SAFETY: `host` is the live host the factory was given; querying extensions is allowed
    // from `init` on the main thread, where `init` runs.
    let extension = unsafe {
        (*instance.host).get_extension.map_or(std::ptr::null(), |get| get(instance.host, CLAP_EXT_LATENCY.as_ptr()))
    };
    // SAFETY: a host extension lives as long as the host, which outlives the plugin.
    instance.host_latency.set(unsafe { extension.cast::<clap_host_latency>().as_ref() });
    true
}

unsafe extern "C" fn destroy(plugin: *const clap_plugin) {
    if plugin.is_null() {
        return;
    }
    // SAFETY: the host passes the pointer `create_plugin` returned, once, as its last call.
    let instance = unsafe { Box::from_raw(plugin.cast::<Instance>().cast_mut()) };
    if let Some(nice_destroy) = instance.nice.destroy {
        // SAFETY: nice-plug frees its wrapper through `plugin_data`, which our vtable shares;
        // nothing of nice-plug's is used after this.
        unsafe { nice_destroy(plugin) };
    }
    drop(instance);
}

unsafe extern "C" fn activate(plugin: *const clap_plugin, rate: f64, min_frames: u32, max_frames: u32) -> bool {
    // SAFETY: the host passes the pointer `create_plugin` returned.
    let Some(instance) = (unsafe { Instance::from_raw(plugin) }) else { return false };
    let Some(nice_activate) = instance.nice.activate else { return false };
    let outer = ACTIVATION.with(|activation| activation.replace(Activation::Underway(None)));
    // SAFETY: nice-plug's entry with the host's own arguments.
    let active = unsafe { nice_activate(plugin, rate, min_frames, max_frames) };
    let reported = ACTIVATION.with(|activation| activation.replace(outer));
    if let (true, Activation::Underway(Some(latency))) = (active, reported) {
        instance.latency.store(latency, Ordering::Release);
        if instance.told.replace(Some(latency)) != Some(latency)
            && let Some(changed) = instance.host_latency.get().and_then(|host_latency| host_latency.changed)
        {
            // SAFETY: `[main-thread & being-activated]`: we are inside the host's `activate`.
            unsafe { changed(instance.host) };
        }
    }
    active
}

unsafe extern "C" fn get_extension(plugin: *const clap_plugin, id: *const c_char) -> *const c_void {
    // SAFETY: the host passes the pointer `create_plugin` returned.
    let Some(instance) = (unsafe { Instance::from_raw(plugin) }) else { return std::ptr::null() };
    // SAFETY: the host passes a NUL-terminated id.
    if !id.is_null() && unsafe { CStr::from_ptr(id) } == CLAP_EXT_LATENCY {
        return (&raw const LATENCY).cast();
    }
    // SAFETY: nice-plug's entry; its extensions find nice-plug's wrapper through our pointer's
    // `plugin_data`.
    instance.nice.get_extension.map_or(std::ptr::null(), |get| unsafe { get(plugin, id) })
}

unsafe extern "C" fn latency_get(plugin: *const clap_plugin) -> u32 {
    // SAFETY: the host passes the pointer `create_plugin` returned.
    unsafe { Instance::from_raw(plugin) }.map_or(0, |instance| instance.latency.load(Ordering::Acquire))
}

unsafe extern "C" fn get_plugin_count(_factory: *const clap_plugin_factory) -> u32 {
    1
}

unsafe extern "C" fn get_plugin_descriptor(
    _factory: *const clap_plugin_factory,
    index: u32,
) -> *const clap_plugin_descriptor {
    if index == 0 { descriptor().clap_plugin_descriptor() } else { std::ptr::null() }
}

unsafe extern "C" fn create_plugin(
    _factory: *const clap_plugin_factory,
    host: *const clap_host,
    plugin_id: *const c_char,
) -> *const clap_plugin {
    // SAFETY: the host passes a NUL-terminated id.
    if host.is_null() || plugin_id.is_null() || unsafe { CStr::from_ptr(plugin_id) } != descriptor().clap_id() {
        return std::ptr::null();
    }
    // SAFETY: `host` is the host's live `clap_host`, as nice-plug's own factory would pass it.
    let wrapper = unsafe { Wrapper::<OpusRoundtrip>::new(host) };
    let nice = *wrapper.clap_plugin.borrow();
    // nice-plug's `destroy` takes this reference back through `plugin_data`.
    let _ = std::sync::Arc::into_raw(wrapper);
    let clap = clap_plugin {
        init: Some(init),
        destroy: Some(destroy),
        activate: Some(activate),
        get_extension: Some(get_extension),
        ..nice
    };
    let instance =
        Instance { clap, nice, host, host_latency: Cell::new(None), latency: AtomicU32::new(0), told: Cell::new(None) };
    Box::into_raw(Box::new(instance)).cast_const().cast()
}

static FACTORY: clap_plugin_factory = clap_plugin_factory {
    get_plugin_count: Some(get_plugin_count),
    get_plugin_descriptor: Some(get_plugin_descriptor),
    create_plugin: Some(create_plugin),
};

extern "C" fn entry_init(_plugin_path: *const c_char) -> bool {
    nice_plug::wrapper::setup_logger::<OpusRoundtrip>();
    true
}

extern "C" fn entry_deinit() {}

extern "C" fn get_factory(factory_id: *const c_char) -> *const c_void {
    // SAFETY: the host passes a NUL-terminated id.
    if !factory_id.is_null() && unsafe { CStr::from_ptr(factory_id) } == CLAP_PLUGIN_FACTORY_ID {
        (&raw const FACTORY).cast()
    } else {
        std::ptr::null()
    }
}

/// The CLAP entry point (the name CLAP hosts look up).
#[allow(non_upper_case_globals)]
#[unsafe(no_mangle)]
#[used]
pub static clap_entry: clap_plugin_entry = clap_plugin_entry {
    clap_version: CLAP_VERSION,
    init: Some(entry_init),
    deinit: Some(entry_deinit),
    get_factory: Some(get_factory),
};
