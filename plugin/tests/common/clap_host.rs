//! A minimal CLAP host on `clack-host`, enough to drive the built plugin as a DAW would:
//! load it, read its descriptor and parameters, activate it at a rate and block size, process
//! blocks with parameter events, read its latency, save and load its state.
//!
//! It is also strict about the protocol: it implements the thread-check extension, records
//! every call the plugin makes into it with the thread and the plugin state it came in, and
//! fails the test (when the harness is dropped, or on [`ClapHarness::assert_protocol`]) on any
//! call that CLAP's headers do not allow there, e.g. `latency.changed()` outside `activate`. It
//! can run the plugin's main-thread callbacks promptly, only once the plugin is deactivated, or
//! never (see [`Callbacks`]), as real hosts variously do.
#![allow(dead_code)]

use clack_extensions::audio_ports::{
    AudioPortInfoBuffer, AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl, PluginAudioPorts,
};
use clack_extensions::audio_ports_config::{AudioPortsConfigBuffer, PluginAudioPortsConfig};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer, ParamInfoFlags,
    ParamRescanFlags, PluginParams,
};
use clack_extensions::render::{PluginRender, RenderMode};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use std::cell::Cell;
use std::ffi::CString;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::thread::ThreadId;

use test_support::random_blocks;

/// How long a test may wait for another thread before it counts as hung: a guard against a
/// deadlock, never a verdict on speed.
pub const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(300);

/// The host's handler types.
pub struct TestHost;

/// Where the plugin is in its lifecycle, as the host drives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Inactive = 0,
    /// Inside the host's `activate` call.
    Activating = 1,
    Active = 2,
}

/// Which thread a call came in on, in the host's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Main,
    Audio,
    Other,
}

/// One call from the plugin into the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostCall {
    pub name: &'static str,
    pub role: Role,
    pub phase: Phase,
}

impl HostCall {
    /// What CLAP's headers allow for this call, or `None` when it is allowed here.
    fn violation(&self) -> Option<&'static str> {
        let main = self.role == Role::Main;
        match self.name {
            "latency.changed" if !(main && self.phase == Phase::Activating) => Some("[main-thread & being-activated]"),
            "params.rescan" | "params.clear" | "state.mark_dirty" | "audio_ports.rescan" if !main => {
                Some("[main-thread]")
            }
            "audio_ports.rescan" if self.phase != Phase::Inactive => Some("only while the plugin is inactive"),
            "params.request_flush" if self.role == Role::Audio => Some("[thread-safe,!audio-thread]"),
            _ => None,
        }
    }
}

thread_local! {
    /// Set while this thread is inside the plugin's `process`: then it is the audio thread.
    static IN_PROCESS: Cell<bool> = const { Cell::new(false) };
}

/// When the host runs the main-thread callbacks the plugin asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callbacks {
    /// At the next chance on the main thread, as most DAWs do.
    Prompt,
    /// Only once the plugin has been deactivated (a host may deactivate first).
    AfterDeactivate,
    /// Never (a host need not).
    Never,
}

pub struct TestShared {
    main_thread: ThreadId,
    phase: AtomicU8,
    pub restart_requested: AtomicBool,
    /// Every `request_restart` call.
    pub restart_requests: AtomicUsize,
    pub process_requested: AtomicBool,
    pub callback_requested: AtomicBool,
    calls: Mutex<Vec<HostCall>>,
}

impl TestShared {
    fn new() -> Self {
        Self {
            main_thread: std::thread::current().id(),
            phase: AtomicU8::new(Phase::Inactive as u8),
            restart_requested: AtomicBool::new(false),
            restart_requests: AtomicUsize::new(0),
            process_requested: AtomicBool::new(false),
            callback_requested: AtomicBool::new(false),
            calls: Mutex::new(Vec::new()),
        }
    }

    fn phase(&self) -> Phase {
        match self.phase.load(SeqCst) {
            0 => Phase::Inactive,
            1 => Phase::Activating,
            _ => Phase::Active,
        }
    }

    fn role(&self) -> Role {
        if IN_PROCESS.get() {
            Role::Audio
        } else if std::thread::current().id() == self.main_thread {
            Role::Main
        } else {
            Role::Other
        }
    }

    fn record(&self, name: &'static str) {
        let call = HostCall { name, role: self.role(), phase: self.phase() };
        self.calls.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(call);
    }
}

pub struct TestMain<'a> {
    shared: &'a TestShared,
    pub params_rescanned: Cell<bool>,
    pub state_dirty: Cell<bool>,
}

impl<'a> SharedHandler<'a> for TestShared {
    fn request_restart(&self) {
        self.record("request_restart");
        self.restart_requests.fetch_add(1, SeqCst);
        self.restart_requested.store(true, SeqCst)
    }
    fn request_process(&self) {
        self.record("request_process");
        self.process_requested.store(true, SeqCst)
    }
    fn request_callback(&self) {
        self.record("request_callback");
        self.callback_requested.store(true, SeqCst)
    }
}
impl<'a> MainThreadHandler<'a> for TestMain<'a> {}

impl HostHandlers for TestHost {
    type Shared<'a> = TestShared;
    type MainThread<'a> = TestMain<'a>;
    type AudioProcessor<'a> = ();
    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &TestShared) {
        builder
            .register::<HostLatency>()
            .register::<HostLog>()
            .register::<HostParams>()
            .register::<HostState>()
            .register::<HostAudioPorts>()
            .register::<HostThreadCheck>();
    }
}

impl HostThreadCheckImpl for TestShared {
    fn is_main_thread(&self) -> bool {
        self.role() == Role::Main
    }
    fn is_audio_thread(&self) -> bool {
        self.role() == Role::Audio
    }
}
impl HostLatencyImpl for TestMain<'_> {
    fn changed(&self) {
        self.shared.record("latency.changed")
    }
}
impl HostStateImpl for TestMain<'_> {
    fn mark_dirty(&self) {
        self.shared.record("state.mark_dirty");
        self.state_dirty.set(true)
    }
}
impl HostParamsImplMainThread for TestMain<'_> {
    fn rescan(&self, _f: ParamRescanFlags) {
        self.shared.record("params.rescan");
        self.params_rescanned.set(true)
    }
    fn clear(&self, _id: ClapId, _f: ParamClearFlags) {
        self.shared.record("params.clear")
    }
}
impl HostParamsImplShared for TestShared {
    fn request_flush(&self) {
        self.record("params.request_flush")
    }
}
impl HostAudioPortsImpl for TestMain<'_> {
    fn is_rescan_flag_supported(&self, _f: AudioPortRescanFlags) -> bool {
        false
    }
    fn rescan(&self, _f: AudioPortRescanFlags) {
        self.shared.record("audio_ports.rescan")
    }
}
impl HostLogImpl for TestShared {
    fn log(&self, s: LogSeverity, m: &str) {
        eprintln!("[{s:?}] {m}")
    }
}

#[derive(Debug, Clone)]
pub struct ParamDesc {
    pub id: u32,
    pub name: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub flags: ParamInfoFlags,
}

/// The plugin library, loaded once for the whole test binary and never unloaded: tests running
/// on parallel threads each loading and dropping their own entry crashed (SIGSEGV) when one
/// thread's drop unloaded the library under another's instance. A DAW keeps a plugin library
/// loaded while any instance lives; so does this.
fn entry(path: &str) -> &'static PluginEntry {
    static ENTRY: std::sync::OnceLock<PluginEntry> = std::sync::OnceLock::new();
    // SAFETY: loading runs the library's initialisers; this is our own plugin, built by this
    // workspace, which is what the tests are about.
    ENTRY.get_or_init(|| unsafe { PluginEntry::load(path) }.expect("load the plugin library"))
}

pub struct ClapHarness {
    instance: PluginInstance<TestHost>,
    /// When main-thread callbacks run.
    callbacks: Callbacks,
    /// The last activation's rate and maximum block, for restarts.
    config: Option<(f64, u32)>,
    /// Restarts the host carried out for the plugin.
    pub restarts: usize,
    params: Option<PluginParams>,
    latency: Option<PluginLatency>,
    state: Option<PluginState>,
    ports: Option<PluginAudioPorts>,
    /// What the audio thread owns; it can move to another thread while the instance stays.
    audio: AudioThread,
}

/// The audio thread's side of the host: the started processor, buffers and event lists.
pub struct AudioThread {
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    max_block: u32,
    in_ports: AudioPorts,
    out_ports: AudioPorts,
    in_bufs: [Vec<f32>; 2],
    out_bufs: [Vec<f32>; 2],
    in_events: EventBuffer,
    out_events: EventBuffer,
    /// Samples processed so far (CLAP's steady time).
    steady_time: u64,
}

pub fn list(path: &str) -> Vec<(String, String, String, String, Vec<String>)> {
    let factory = entry(path).get_plugin_factory().unwrap();
    factory
        .plugin_descriptors()
        .map(|d| {
            let s = |c: Option<&std::ffi::CStr>| c.map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
            (
                s(d.id()),
                s(d.name()),
                s(d.vendor()),
                s(d.version()),
                d.features().map(|f| f.to_string_lossy().into_owned()).collect(),
            )
        })
        .collect()
}

/// Processes `left`/`right` in random block lengths up to `max_block`, with `events`
/// (sample offset from the start, parameter id, plain value) delivered in their blocks.
pub fn process_random_blocks(
    host: &mut ClapHarness,
    left: &[f32],
    right: &[f32],
    max_block: usize,
    events: &[(u32, u32, f64)],
    seed: u64,
) -> (Vec<f32>, Vec<f32>) {
    let mut out = (Vec::with_capacity(left.len()), Vec::with_capacity(left.len()));
    let mut start = 0;
    for block in random_blocks(max_block, seed) {
        if start == left.len() {
            break;
        }
        let end = (start + block).min(left.len());
        let block_events: Vec<(u32, u32, f64)> = events
            .iter()
            .filter(|&&(time, _, _)| (start..end).contains(&(time as usize)))
            .map(|&(time, id, value)| (time - start as u32, id, value))
            .collect();
        let (l, r) = host.process(&left[start..end], &right[start..end], &block_events);
        out.0.extend(l);
        out.1.extend(r);
        start = end;
    }
    out
}

/// The parameter called `name` (panics naming it if there is none).
pub fn param_named(params: &[ParamDesc], name: &str) -> ParamDesc {
    params.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no parameter named {name}")).clone()
}

impl ClapHarness {
    pub fn load(path: &str, plugin_id: &str) -> Self {
        let entry = entry(path);
        let host_info = HostInfo::new(
            "opus-roundtrip tests",
            "Opus Roundtrip developers",
            "https://github.com/opus-roundtrip",
            "0.1",
        )
        .unwrap();
        let id = CString::new(plugin_id).unwrap();
        let mut instance = PluginInstance::<TestHost>::new(
            |_| TestShared::new(),
            |shared| TestMain { shared, params_rescanned: Cell::new(false), state_dirty: Cell::new(false) },
            entry,
            &id,
            &host_info,
        )
        .expect("instantiate");
        let h = instance.plugin_handle();
        let params = h.get_extension::<PluginParams>();
        let latency = h.get_extension::<PluginLatency>();
        let state = h.get_extension::<PluginState>();
        let ports = h.get_extension::<PluginAudioPorts>();
        Self {
            instance,
            callbacks: Callbacks::Prompt,
            config: None,
            restarts: 0,
            params,
            latency,
            state,
            ports,
            audio: AudioThread {
                processor: None,
                max_block: 0,
                in_ports: AudioPorts::with_capacity(2, 1),
                out_ports: AudioPorts::with_capacity(2, 1),
                in_bufs: [Vec::new(), Vec::new()],
                out_bufs: [Vec::new(), Vec::new()],
                in_events: EventBuffer::with_capacity(64),
                out_events: EventBuffer::with_capacity(64),
                steady_time: 0,
            },
        }
    }

    /// When this host runs the plugin's main-thread callbacks from now on.
    pub fn set_callbacks(&mut self, callbacks: Callbacks) {
        self.callbacks = callbacks;
    }

    /// (Re-)activates at `rate` with blocks up to `max_block` and starts processing. A restart
    /// request made before is satisfied by this; one made during it stays visible.
    pub fn activate(&mut self, rate: f64, max_block: u32) {
        self.deactivate();
        self.instance.access_shared_handler(|s| s.restart_requested.store(false, SeqCst));
        let cfg = PluginAudioConfiguration { sample_rate: rate, min_frames_count: 1, max_frames_count: max_block };
        self.set_phase(Phase::Activating);
        let stopped = self.instance.activate(|_, _| (), cfg).expect("activate");
        self.set_phase(Phase::Active);
        self.audio.processor = Some(stopped.start_processing().expect("start_processing"));
        self.audio.max_block = max_block;
        self.config = Some((rate, max_block));
        for b in self.audio.in_bufs.iter_mut().chain(self.audio.out_bufs.iter_mut()) {
            b.resize(max_block as usize, 0.0);
        }
        self.pump();
    }

    /// Tells the plugin to render offline (as a DAW's bounce does) or in real time, before an
    /// activation (CLAP's `render.set`, a main-thread call).
    pub fn set_render_mode(&mut self, mode: RenderMode) {
        let handle = self.instance.plugin_handle();
        let render = handle.get_extension::<PluginRender>().expect("the plugin has the render extension");
        render.set(&handle, mode).expect("the plugin takes the render mode");
    }

    /// Restarts the plugin (deactivate, activate with the same configuration) if it asked for
    /// it since the last activation, as a DAW does; returns whether it did.
    pub fn honour_restart(&mut self) -> bool {
        let Some((rate, max_block)) = self.config.filter(|_| self.restart_requested()) else { return false };
        self.activate(rate, max_block);
        self.restarts += 1;
        true
    }

    /// Every `request_restart` call so far.
    pub fn restart_requests(&self) -> usize {
        self.instance.access_shared_handler(|s| s.restart_requests.load(SeqCst))
    }

    /// Every call of `name` so far, with the phase it came in.
    pub fn calls_named(&self, name: &str) -> Vec<HostCall> {
        self.instance.access_shared_handler(|s| {
            s.calls.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|c| c.name == name).copied().collect()
        })
    }

    /// Fails naming every call the plugin made into the host where CLAP does not allow it.
    pub fn assert_protocol(&self) {
        let violations: Vec<String> = self.instance.access_shared_handler(|s| {
            let calls = s.calls.lock().unwrap_or_else(|p| p.into_inner());
            calls.iter().filter_map(|c| c.violation().map(|rule| format!("{c:?}: allowed {rule}"))).collect()
        });
        assert!(violations.is_empty(), "the plugin broke CLAP's rules:\n{}", violations.join("\n"));
    }

    fn set_phase(&self, phase: Phase) {
        self.instance.access_shared_handler(|s| s.phase.store(phase as u8, SeqCst));
    }

    pub fn deactivate(&mut self) {
        if let Some(p) = self.audio.processor.take() {
            self.instance.deactivate(p.stop_processing());
            self.set_phase(Phase::Inactive);
            if self.callbacks == Callbacks::AfterDeactivate {
                self.main_thread().run_requested_callback();
            }
        }
    }

    /// Runs a main-thread callback the plugin asked for, when this host's policy allows it now.
    pub fn pump(&mut self) {
        let inactive = self.audio.processor.is_none();
        match self.callbacks {
            Callbacks::Prompt => self.main_thread().run_requested_callback(),
            Callbacks::AfterDeactivate if inactive => self.main_thread().run_requested_callback(),
            Callbacks::AfterDeactivate | Callbacks::Never => {}
        }
    }

    /// The main-thread side of the instance: what a host may call while audio runs elsewhere.
    pub fn main_thread(&mut self) -> MainThread<'_> {
        MainThread { instance: &mut self.instance, params: self.params, latency: self.latency }
    }

    /// Processes `left`/`right` in blocks of `block` frames on a second thread, the audio thread,
    /// while this thread, the host's main thread, keeps calling `main` until the audio is done.
    /// `main` gets the main-thread side and a sender for parameter changes (id, CLAP value),
    /// which the audio thread delivers at the start of its next block: how a host forwards
    /// edits from its GUI to an active plugin. The audio thread plays the input once, then again
    /// from the start for as long as it takes until at least `min_delivered` changes have reached
    /// the plugin, so that the test does not depend on how fast either thread runs (a wall clock
    /// of [`HANG_GUARD`] only stops a hung run). Returns the output of every pass, and the
    /// changes delivered.
    pub fn process_concurrently(
        &mut self,
        left: &[f32],
        right: &[f32],
        block: usize,
        min_delivered: usize,
        mut main: impl FnMut(&mut MainThread<'_>, &std::sync::mpsc::Sender<(u32, f64)>),
    ) -> (Vec<f32>, Vec<f32>, usize) {
        let (sender, receiver) = std::sync::mpsc::channel::<(u32, f64)>();
        let done = AtomicBool::new(false);
        let audio = &mut self.audio;
        let mut main_side = MainThread { instance: &mut self.instance, params: self.params, latency: self.latency };
        let block = block.clamp(1, audio.max_block as usize);
        let started = std::time::Instant::now();
        std::thread::scope(|scope| {
            let done = &done;
            let worker = scope.spawn(move || {
                let (mut out_l, mut out_r) = (Vec::new(), Vec::new());
                let (mut events, mut delivered) = (Vec::new(), 0);
                while out_l.len() < left.len() || delivered < min_delivered {
                    assert!(started.elapsed() < HANG_GUARD, "hung: {delivered} changes delivered");
                    let start = out_l.len() % left.len();
                    let end = (start + block).min(left.len());
                    events.clear();
                    events.extend(receiver.try_iter().map(|(id, value)| (0, id, value)));
                    delivered += events.len();
                    let (mut l, mut r) = (vec![0.0; end - start], vec![0.0; end - start]);
                    audio.run_block(&[&left[start..end], &right[start..end]], &mut [&mut l, &mut r], &events);
                    out_l.extend(l);
                    out_r.extend(r);
                }
                done.store(true, SeqCst);
                (out_l, out_r, delivered)
            });
            while !done.load(SeqCst) {
                main(&mut main_side, &sender);
                main_side.run_requested_callback();
            }
            worker.join().expect("the audio thread panicked")
        })
    }

    pub fn restart_requested(&self) -> bool {
        self.instance.access_shared_handler(|s| s.restart_requested.load(SeqCst))
    }
    /// How often the plugin called `latency.changed()`.
    pub fn latency_changes(&self) -> usize {
        self.calls_named("latency.changed").len()
    }

    /// Processes `in_l`/`in_r` (any length; split into blocks of at most the maximum) with
    /// `events` (sample offset, parameter id, CLAP value) and returns the output. An empty input
    /// is one zero-length `process` call, as some hosts make.
    pub fn process(&mut self, in_l: &[f32], in_r: &[f32], events: &[(u32, u32, f64)]) -> (Vec<f32>, Vec<f32>) {
        let n = in_l.len();
        assert_eq!(n, in_r.len());
        let (mut out_l, mut out_r) = (vec![0.0; n], vec![0.0; n]);
        if n == 0 {
            self.process_block(&[], &[], &mut [], &mut [], events);
        }
        let mut start = 0usize;
        while start < n {
            let end = start + (n - start).min(self.audio.max_block as usize);
            let block_events: Vec<(u32, u32, f64)> = events
                .iter()
                .filter(|e| (start..end).contains(&(e.0 as usize)))
                .map(|&(t, id, v)| (t - start as u32, id, v))
                .collect();
            self.process_block(
                &in_l[start..end],
                &in_r[start..end],
                &mut out_l[start..end],
                &mut out_r[start..end],
                &block_events,
            );
            start = end;
        }
        self.pump();
        (out_l, out_r)
    }

    /// Processes one block of at most the maximum length into the caller's buffers, with
    /// `events` timed within the block. Allocates nothing on the host side, so that benchmarks
    /// measure the plugin.
    pub fn process_block(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
        events: &[(u32, u32, f64)],
    ) {
        self.run_block(&[in_l, in_r], &mut [out_l, out_r], events);
    }

    fn run_block(&mut self, inputs: &[&[f32]], outputs: &mut [&mut [f32]], events: &[(u32, u32, f64)]) {
        self.audio.run_block(inputs, outputs, events);
    }

    /// CLAP `reset` on the audio thread: clears the plugin's buffers without deactivating.
    pub fn reset(&mut self) {
        IN_PROCESS.set(true);
        self.audio.processor.as_mut().expect("not active").reset();
        IN_PROCESS.set(false);
    }

    pub fn latency(&mut self) -> u32 {
        self.main_thread().latency()
    }

    pub fn save_state(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.state.expect("no state ext").save(&self.instance.plugin_handle(), &mut bytes).expect("save");
        bytes
    }

    pub fn load_state(&mut self, bytes: &[u8]) {
        self.try_load_state(bytes).expect("load state");
    }

    /// Loads a state, reporting whether the plugin accepted it.
    pub fn try_load_state(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut reader: &[u8] = bytes;
        self.state
            .expect("no state ext")
            .load(&self.instance.plugin_handle(), &mut reader)
            .map_err(|error| format!("{error:?}"))
    }

    pub fn params(&mut self) -> Vec<ParamDesc> {
        let ext = self.params.expect("no params ext");
        let handle = self.instance.plugin_handle();
        let mut buf = ParamInfoBuffer::new();
        (0..ext.count(&handle))
            .filter_map(|i| {
                let info = ext.get_info(&handle, i, &mut buf)?;
                Some(ParamDesc {
                    id: info.id.get(),
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    min: info.min_value,
                    max: info.max_value,
                    default: info.default_value,
                    flags: info.flags,
                })
            })
            .collect()
    }

    pub fn param_value(&mut self, id: u32) -> Option<f64> {
        self.main_thread().param_value(id)
    }

    pub fn value_to_text(&mut self, id: u32, v: f64) -> Option<String> {
        self.main_thread().value_to_text(id, v)
    }

    /// Selects the audio-port configuration whose main output has `channels` channels (the
    /// plugin must be inactive). Returns whether the plugin offered and accepted one.
    pub fn select_layout(&mut self, channels: u32) -> bool {
        self.deactivate();
        let handle = self.instance.plugin_handle();
        let Some(configs) = handle.get_extension::<PluginAudioPortsConfig>() else { return false };
        let mut buffer = AudioPortsConfigBuffer::new();
        let id = (0..configs.count(&handle)).find_map(|index| {
            let config = configs.get(&handle, index, &mut buffer)?;
            (config.main_output?.channel_count == channels).then_some(config.id)
        });
        id.is_some_and(|id| configs.select(&handle, id).is_ok())
    }

    /// Processes a mono signal in blocks of at most the maximum (after `select_layout(1)`), with
    /// `events` delivered in the first block. An empty input is one zero-length `process` call.
    pub fn process_mono(&mut self, input: &[f32], events: &[(u32, u32, f64)]) -> Vec<f32> {
        let mut output = vec![0.0; input.len()];
        if input.is_empty() {
            self.run_block(&[&[]], &mut [&mut []], events);
        }
        let max = self.audio.max_block as usize;
        for (index, (block_in, block_out)) in input.chunks(max).zip(output.chunks_mut(max)).enumerate() {
            self.run_block(&[block_in], &mut [block_out], if index == 0 { events } else { &[] });
        }
        self.pump();
        output
    }

    /// The plugin's own parse of `text` into the parameter's CLAP value. nice-plug exposes
    /// continuous parameters normalised to 0–1 and stepped ones as step indices, so tests use
    /// this rather than guessing the mapping.
    pub fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        let text = CString::new(text).ok()?;
        self.params?.text_to_value(&self.instance.plugin_handle(), ClapId::new(id), &text)
    }

    pub fn channel_counts(&mut self, is_input: bool) -> Vec<u32> {
        let ext = self.ports.expect("no audio-ports ext");
        let handle = self.instance.plugin_handle();
        let mut buf = AudioPortInfoBuffer::new();
        (0..ext.count(&handle, is_input))
            .filter_map(|i| ext.get(&handle, i, is_input, &mut buf).map(|p| p.channel_count))
            .collect()
    }
}

impl Drop for ClapHarness {
    fn drop(&mut self) {
        self.deactivate();
        if !std::thread::panicking() {
            self.assert_protocol();
        }
    }
}

/// The plugin's CLAP id (the descriptor test checks it against the plugin's own).
pub const PLUGIN_ID: &str = "com.github.opus-roundtrip.opus-roundtrip";

/// Names another plugin library to test than the one this test run built: `cargo xtask
/// windows` points the suite, running under Wine, at the Windows DLL the bundles ship.
pub const PLUGIN_UNDER_TEST_ENV: &str = "OPUS_ROUNDTRIP_PLUGIN_UNDER_TEST";

/// The plugin library under test: the one [`PLUGIN_UNDER_TEST_ENV`] names, or else the `cdylib`
/// this test run built, which cargo writes into the test executable's own `deps` folder (a plain
/// `cargo test` does not copy it up to `target/<profile>/`). A `.clap` bundle on Linux and
/// Windows is exactly that file renamed (nice-plug-xtask copies it), so loading it tests what the
/// bundle ships.
pub fn built_plugin_path() -> String {
    let path = match std::env::var_os(PLUGIN_UNDER_TEST_ENV) {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let exe = std::env::current_exe().expect("test executable path");
            let deps = exe.parent().expect("target/<profile>/deps");
            deps.join(format!("{}opus_roundtrip{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX))
        }
    };
    assert!(path.exists(), "{} was not built; run the tests with cargo", path.display());
    path.to_string_lossy().into_owned()
}

/// The calls a host makes on its main thread, also while the audio thread processes.
pub struct MainThread<'a> {
    instance: &'a mut PluginInstance<TestHost>,
    params: Option<PluginParams>,
    latency: Option<PluginLatency>,
}

impl MainThread<'_> {
    pub fn param_value(&mut self, id: u32) -> Option<f64> {
        self.params?.get_value(&self.instance.plugin_handle(), ClapId::new(id))
    }

    pub fn value_to_text(&mut self, id: u32, v: f64) -> Option<String> {
        let mut buf = [0u8; 256];
        let s = self.params?.value_to_text(&self.instance.plugin_handle(), ClapId::new(id), v, &mut buf).ok()?;
        Some(String::from_utf8_lossy(s).into_owned())
    }

    pub fn latency(&mut self) -> u32 {
        let ext = self.latency.expect("no latency ext");
        ext.get(&self.instance.plugin_handle())
    }

    /// Runs the main-thread callback the plugin asked for, if it asked.
    pub fn run_requested_callback(&mut self) {
        if self.instance.access_shared_handler(|s| s.callback_requested.swap(false, SeqCst)) {
            self.instance.call_on_main_thread_callback();
        }
    }
}

impl AudioThread {
    /// One `process` call on one port of `inputs.len()` channels (1 or 2, matching the
    /// selected layout). Every slice has the block's length, at most the maximum.
    pub fn run_block(&mut self, inputs: &[&[f32]], outputs: &mut [&mut [f32]], events: &[(u32, u32, f64)]) {
        let len = inputs[0].len();
        assert!(len <= self.max_block as usize && inputs.len() <= 2 && inputs.len() == outputs.len());
        assert!(inputs.iter().all(|c| c.len() == len) && outputs.iter().all(|c| c.len() == len));
        for (buffer, input) in self.in_bufs.iter_mut().zip(inputs) {
            buffer[..len].copy_from_slice(input);
        }
        self.in_events.clear();
        for &(t, id, v) in events {
            self.in_events.push(&ParamValueEvent::new(t, ClapId::new(id), Pckn::match_all(), v));
        }
        self.in_events.sort();
        self.out_events.clear();
        let channels = inputs.len();
        let input_ports = self.in_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                self.in_bufs.iter_mut().take(channels).map(|buffer| InputChannel::variable(&mut buffer[..len])),
            ),
        }]);
        let mut output_ports = self.out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                self.out_bufs.iter_mut().take(channels).map(|buffer| &mut buffer[..len]),
            ),
        }]);
        let input_events = InputEvents::from_buffer(&self.in_events);
        let mut output_events = OutputEvents::from_buffer(&mut self.out_events);
        self.steady_time += len as u64;
        IN_PROCESS.set(true);
        let status = self.processor.as_mut().expect("not active").process(
            &input_ports,
            &mut output_ports,
            &input_events,
            &mut output_events,
            Some(self.steady_time),
            None,
        );
        IN_PROCESS.set(false);
        status.expect("process");
        for (output, buffer) in outputs.iter_mut().zip(&self.out_bufs) {
            output.copy_from_slice(&buffer[..len]);
        }
    }
}
