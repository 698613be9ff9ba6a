//! The allocation check the plugin's `process` runs under in debug builds would catch an
//! allocation: nice-plug's `assert_process_allocs` installs `nice_assert_no_alloc`'s allocator
//! in every debug binary that links the plugin (this test binary too) and wraps `process` and
//! `reset` in `assert_no_alloc`. The CLAP host tests run the real `process` under that check.

mod common;

use common::clap_host::built_plugin_path;
// Link the plugin (and with it nice-plug's allocator) into this test binary.
use opus_roundtrip as _;

/// Set in the child process that must abort.
const CHILD_ENV: &str = "OPUS_ROUNDTRIP_ALLOC_CANARY";

/// Debug builds only: nice-plug installs its allocation checker in debug builds, so a release
/// build (`cargo test --release`) has nothing here to abort; the engine's and codec's own
/// allocation-counting tests hold in both.
#[test]
#[cfg_attr(not(debug_assertions), ignore = "nice-plug checks allocations in debug builds only")]
fn an_allocation_inside_the_process_check_aborts() {
    if std::env::var_os(CHILD_ENV).is_some() {
        nice_assert_no_alloc::assert_no_alloc(|| std::hint::black_box(vec![7u8; 256]));
        // Only reached if the allocation went unnoticed.
        std::process::exit(0);
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "an_allocation_inside_the_process_check_aborts", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "an allocation inside assert_no_alloc was not caught: {status}");
}

#[test]
fn the_same_check_lets_allocation_free_code_run() {
    let engine_like = nice_assert_no_alloc::assert_no_alloc(|| (0..1_000).map(|i| i as f32).sum::<f32>());
    assert_eq!(engine_like, 499_500.0);
}

#[test]
fn the_plugin_library_does_not_export_the_c_allocator() {
    // Interposed `malloc` symbols belong in test binaries only: a plugin exporting them would
    // replace the allocator of the whole host process.
    let path = built_plugin_path();
    let data = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let library = object::File::parse(&*data).expect("a shared library");
    use object::Object as _;
    let exports: Vec<String> = library
        .exports()
        .expect("readable exports")
        .filter_map(|export| match export.expect("a readable export").name() {
            object::NameOrOrdinal::Name(name) => Some(String::from_utf8_lossy(name).into_owned()),
            object::NameOrOrdinal::Ordinal(_) => None,
        })
        .collect();
    assert!(exports.iter().any(|name| name == "clap_entry"), "not a CLAP plugin: {path}");
    for name in ["malloc", "free", "calloc", "realloc"] {
        assert!(!exports.iter().any(|export| export == name), "exports {name}");
    }
}
