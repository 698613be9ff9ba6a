//! The Windows builds run under Wine: the codec, engine and plugin test suites through cargo's
//! target runner (the plugin's CLAP-host tests load the Windows DLL the bundles ship), and the
//! app, whose render must equal the Linux build's byte for byte and whose errors keep their exit
//! codes.
//!
//! Wine 8 (Debian bookworm) lacks `bcryptprimitives.dll`, which Rust's standard library imports
//! on Windows; a test-only stand-in (`xtask/wine/bcryptprimitives.c`) goes beside the binaries
//! (Windows looks in the program's folder first). It is never shipped: Windows 10 and later have
//! the DLL.

use std::path::{Path, PathBuf};

use crate::windows::{APP_EXE, TARGET};

/// Debian's Wine 8 for 64-bit programs (package wine64).
const WINE: &str = "/usr/lib/wine/wine64";
/// Its server: `--wait` returns once every Wine process of the prefix has ended, `--persistent`
/// keeps it running between programs, `--kill` stops it.
const WINESERVER: &str = "/usr/lib/wine/wineserver";

/// Names the plugin library the CLAP-host tests load (see `plugin/tests/common/clap_host.rs`).
const PLUGIN_UNDER_TEST_ENV: &str = "OPUS_ROUNDTRIP_PLUGIN_UNDER_TEST";

/// A Wine prefix of our own, inside the target folder, ready to run the Windows builds.
pub struct Wine {
    prefix: PathBuf,
}

impl Wine {
    /// Builds the stand-in DLL beside the binaries in `release` (and the test executables in its
    /// `deps`), and picks a fresh prefix.
    pub fn prepare(release: &Path) -> Result<Self, String> {
        if !Path::new(WINE).exists() {
            return Err("Wine is missing: run `cargo xtask setup` (Debian package wine64)".into());
        }
        let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("wine/bcryptprimitives.c");
        for folder in [release.to_path_buf(), release.join("deps")] {
            std::fs::create_dir_all(&folder).map_err(|error| format!("{}: {error}", folder.display()))?;
            let dll = folder.join("bcryptprimitives.dll");
            let (code, text) = run(
                Path::new("x86_64-w64-mingw32-gcc"),
                &["-shared", "-O2", "-o", &dll.to_string_lossy(), &shim.to_string_lossy(), "-ladvapi32"],
                &[],
            )?;
            if code != Some(0) {
                return Err(format!("building the Wine stand-in failed: {text}"));
            }
        }
        let prefix = release.join("wine-prefix");
        let _ = std::fs::remove_dir_all(&prefix);
        // A fresh prefix is made by the first program Wine runs, and its set-up goes on in the
        // background; a test started meanwhile has died under it without a word. So the prefix
        // is made, and waited for, before any test runs.
        let env = [("WINEPREFIX", prefix.as_path())];
        let (code, text) = run(Path::new(WINE), &["wineboot", "--init"], &env)?;
        if code != Some(0) {
            return Err(format!("making the Wine prefix failed: {text}"));
        }
        run(Path::new(WINESERVER), &["--wait"], &env)?;
        // One server for the whole run: by default it exits 3 s after its last program, and a
        // test binary that starts as it goes loses its connection ("recvmsg: Connection reset
        // by peer") and dies. A persistent server is stopped when this is dropped.
        // Its output goes nowhere: the server outlives this call, and would hold a pipe open.
        let status = std::process::Command::new(WINESERVER)
            .arg("--persistent")
            .env("WINEPREFIX", &prefix)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|error| format!("could not start {WINESERVER}: {error}"))?;
        if !status.success() {
            return Err(format!("starting the Wine server failed ({status})"));
        }
        Ok(Self { prefix })
    }

    /// The environment that makes `cargo test` and `cargo bench --target` [`TARGET`] run their
    /// executables under Wine, in this prefix.
    pub fn cargo_env(&self) -> Vec<(String, String)> {
        let runner = format!("CARGO_TARGET_{}_RUNNER", TARGET.to_uppercase().replace('-', "_"));
        vec![
            (runner, WINE.to_owned()),
            ("WINEPREFIX".to_owned(), self.prefix.to_string_lossy().into_owned()),
            ("WINEDEBUG".to_owned(), "-all".to_owned()),
        ]
    }

    /// The signal, codec, engine and plugin test suites, built for Windows and run under Wine; the
    /// plugin's CLAP-host tests load `plugin_dll`.
    pub fn test_suites(&self, plugin_dll: &Path) -> Result<(), String> {
        let mut env = self.cargo_env();
        env.push((PLUGIN_UNDER_TEST_ENV.to_owned(), plugin_dll.to_string_lossy().into_owned()));
        let packages =
            crate::package_args(&["roundtrip-signal", "roundtrip-codec", "roundtrip-engine", "opus-roundtrip"]);
        crate::cargo_with_env(&[&["test", "--release", "--target", TARGET][..], &packages].concat(), &env)?;
        println!(
            "xtask: the signal, codec, engine and plugin test suites passed under Wine, on {}",
            plugin_dll.display()
        );
        Ok(())
    }

    /// The Windows app in `release` under Wine: a render equal to the Linux build's, byte for
    /// byte, and the exit codes of a missing input (3) and a bad flag (2).
    pub fn check_app(&self, release: &Path) -> Result<(), String> {
        let work = release.join("wine-check");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).map_err(|error| format!("{}: {error}", work.display()))?;
        let env = [("WINEPREFIX", self.prefix.as_path())];
        // The Linux build writes the input (the demo's speech) and the reference render.
        crate::cargo(&["build", "--package", "opus-roundtrip-app", "--bin", "opus-roundtrip"])?;
        let linux = release.parent().and_then(Path::parent).map(|target| target.join("debug/opus-roundtrip"));
        let linux = linux.ok_or("no target folder")?;
        let demo = work.join("demo");
        let (code, text) = run(&linux, &["demo", "--duration", "2s", "-q", "-o", &demo.to_string_lossy()], &[])?;
        if code != Some(0) {
            return Err(format!("the Linux demo failed: {text}"));
        }
        let input = demo.join("speech.wav");
        let flags = ["-q", "--bitrate", "24k", "--loss", "10%", "--burst", "3", "--loss-model", "bursty", "--fec"];
        let (linux_out, windows_out) = (work.join("linux.wav"), work.join("windows.wav"));
        let render = |program: &Path, output: &Path, wine_args: &[&str]| {
            let (input, output) = (input.to_string_lossy(), output.to_string_lossy());
            let mut args: Vec<&str> = wine_args.to_vec();
            args.extend(["render", &input, "-o", &output]);
            args.extend(flags);
            run(program, &args, &env)
        };
        let exe = release.join(APP_EXE);
        let exe = exe.to_string_lossy();
        let (code, text) = render(&linux, &linux_out, &[])?;
        if code != Some(0) {
            return Err(format!("the Linux render failed: {text}"));
        }
        let (code, text) = render(Path::new(WINE), &windows_out, &[&exe])?;
        if code != Some(0) {
            return Err(format!("the Windows render under Wine failed ({code:?}): {text}"));
        }
        let read = |path: &Path| std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()));
        if read(&linux_out)? != read(&windows_out)? {
            return Err("the Windows render differs from the Linux render".into());
        }
        println!("xtask: under Wine, the Windows app rendered {} byte for byte as on Linux", input.display());
        let missing = work.join("missing.wav");
        let cases: [(&[&str], i32); 2] =
            [(&["render", &missing.to_string_lossy(), "-o", "out.wav"], 3), (&["render", "--bitrate", "2k"], 2)];
        for (args, expected) in cases {
            let mut wine_args = vec![exe.as_ref()];
            wine_args.extend(args);
            let (code, text) = run(Path::new(WINE), &wine_args, &env)?;
            if code != Some(expected) {
                return Err(format!("under Wine, `{}` exited {code:?}, not {expected}: {text}", args.join(" ")));
            }
        }
        println!("xtask: under Wine, a missing input exits 3 and a bad flag 2, as on Linux");
        Ok(())
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        let _ = run(Path::new(WINESERVER), &["--kill"], &[("WINEPREFIX", self.prefix.as_path())]);
    }
}

/// Runs `program` with `args` and `env`, returning its exit code and its output.
fn run(program: &Path, args: &[&str], env: &[(&str, &Path)]) -> Result<(Option<i32>, String), String> {
    let output = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .env("WINEDEBUG", "-all")
        .output()
        .map_err(|error| format!("could not start {}: {error}", program.display()))?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Ok((output.status.code(), text))
}
