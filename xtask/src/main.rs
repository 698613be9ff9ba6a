//! Project tasks: `cargo xtask <command>`. Run `cargo xtask help` for the list.

mod bench_report;
mod dist;
mod lossgen_weights;
mod memory;
mod screenshots;
mod system_packages;
mod throughput;
mod windows;
mod wine;

use std::process::{Command, ExitCode};

const USAGE: &str = "\
cargo xtask <command>

commands:
  setup   install the Debian packages the workspace builds against (asks apt-get, as root or via sudo)
          and Rust's Windows target (rustup)
  demo    set up, then run the product's demonstration
  test    set up, then check formatting and lints and run every test
  bench   run the criterion benchmarks and print our-code / raw-libopus ratios; with `--windows`,
          the Windows build's under Wine, and each figure against the last Linux run's
  fuzz    the packet-path and setting-sequence fuzz tests, long: `cargo xtask fuzz [scale]`
          (scale multiplies the test suite's bounded counts; default 100)
  soak    an hour of audio through the engine with settings changing every second:
          `cargo xtask soak [minutes]`
  bundle  build the plugin bundles: `cargo xtask bundle opus-roundtrip --release`
          (target/bundled/Opus Roundtrip.clap and .vst3; nice-plug-xtask's bundler); for
          Windows add `--target x86_64-pc-windows-gnu`
  windows cross-build the plugin and the app for Windows (MinGW-w64), check that they import
          only DLLs Windows ships, and run the codec, engine and plugin test suites and the app
          under Wine
  memory  render 10 and 60 minutes of stereo with the release app and fail if its peak memory
          grows by 10 % or more with the length
  throughput  `batch` with the release app, one run: 2 workers against 1 (fails under 1.8x),
          1,000 files of 1 s against one of 1,000 s (fails under 85 % of its audio per second)
  screenshots  the editor's pictures in assets/, under Xvfb with speech flowing and xdotool
          working the controls (A/B, a packet timeline with losses, a blind test)
  dist    release zips for Linux and Windows (bundles, app, README, licence) in target/dist/
  lossgen-weights  write engine/src/lossgen_weights.rs from the libopus that opusic-sys bundles
          (after an opusic-sys update); `--check` only compares
  help    this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => system_packages::ensure_installed().and_then(|()| windows::ensure_target()),
        Some("demo") => system_packages::ensure_installed().and_then(|()| demo(&args[1..])),
        Some("test") => system_packages::ensure_installed().and_then(|()| test()),
        Some("fuzz") => fuzz(args.get(1).map_or("100", String::as_str)),
        Some("soak") => {
            let minutes = args.get(1).map_or("60", String::as_str);
            cargo(&["run", "--release", "--package", "roundtrip-engine", "--example", "soak", "--", minutes])
        }
        Some("windows") => system_packages::ensure_installed().and_then(|()| windows::build_and_check()),
        Some("memory") => system_packages::ensure_installed().and_then(|()| memory::run()),
        Some("throughput") => system_packages::ensure_installed().and_then(|()| throughput::run()),
        Some("lossgen-weights") => lossgen_weights::run(&args[1..]),
        Some("screenshots") => system_packages::ensure_installed().and_then(|()| screenshots::run()),
        Some("dist") => system_packages::ensure_installed().and_then(|()| dist::run()),
        Some("bench") => system_packages::ensure_installed().and_then(|()| bench_report::run(&args[1..])),
        Some("bundle" | "bundle-universal" | "known-packages") => system_packages::ensure_installed()
            .and_then(|()| nice_plug_xtask::main_with_args("cargo xtask", args).map_err(|error| format!("{error:#}"))),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `cargo` with `args` in the workspace, failing with a message naming the command.
pub(crate) fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env::<&str, &str>(args, &[])
}

/// `--package NAME` for each of `names`.
pub(crate) fn package_args<'a>(names: &[&'a str]) -> Vec<&'a str> {
    names.iter().flat_map(|name| ["--package", name]).collect()
}

/// The workspace's root folder (the one with `Cargo.lock`).
pub(crate) fn workspace_root() -> Result<std::path::PathBuf, String> {
    let xtask = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().map(std::path::Path::to_path_buf).ok_or_else(|| "the workspace has no root".to_owned())
}

/// The workspace's target folder, absolute (Wine wants absolute paths): `CARGO_TARGET_DIR`, or
/// `target/` in the workspace.
pub(crate) fn target_dir() -> Result<std::path::PathBuf, String> {
    let xtask = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace_target = || xtask.parent().unwrap_or(xtask).join("target");
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(workspace_target, std::path::PathBuf::from);
    std::path::absolute(dir).map_err(|error| format!("target folder: {error}"))
}

/// [`cargo`] with environment variables set for it.
pub(crate) fn cargo_with_env<K, V>(args: &[&str], env: &[(K, V)]) -> Result<(), String>
where
    K: AsRef<std::ffi::OsStr>,
    V: AsRef<std::ffi::OsStr>,
{
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .status()
        .map_err(|error| format!("could not start `{cargo}`: {error}"))?;
    if status.success() { Ok(()) } else { Err(format!("`cargo {}` failed ({status})", args.join(" "))) }
}

fn demo(extra: &[String]) -> Result<(), String> {
    let mut args =
        vec!["run", "--release", "--quiet", "--package", "opus-roundtrip-app", "--bin", "opus-roundtrip", "--", "demo"];
    args.extend(extra.iter().map(String::as_str));
    cargo(&args)
}

/// The bounded fuzz tests of the suite, `scale` times longer, optimised.
fn fuzz(scale: &str) -> Result<(), String> {
    let scale: u64 = scale.parse().map_err(|_| format!("`{scale}` is not a whole number"))?;
    let (packets, changes) = ((20_000 * scale).to_string(), (2_000 * scale).to_string());
    let packages = package_args(&["roundtrip-codec", "roundtrip-engine"]);
    let targets = ["--test", "packet_fuzz", "--test", "settings_fuzz", "--", "--nocapture"];
    let env = [("ROUNDTRIP_FUZZ_PACKETS", packets.as_str()), ("ROUNDTRIP_FUZZ_CHANGES", changes.as_str())];
    cargo_with_env(&[&["test", "--release"][..], &packages, &targets[..]].concat(), &env)
}

fn test() -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    // After a build, which unpacks opusic-sys's sources on a fresh machine.
    lossgen_weights::run(&["--check".to_owned()])?;
    cargo(&["test", "--workspace"])?;
    // The plugin tests load the library they built; this checks the bundler packs it too.
    nice_plug_xtask::main_with_args("cargo xtask", ["bundle".to_owned(), "opus-roundtrip".to_owned()])
        .map_err(|error| format!("bundling failed: {error:#}"))?;
    windows::build_and_check()
}
