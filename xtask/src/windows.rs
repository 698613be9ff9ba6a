//! Windows builds from Linux: the plugin bundles and the app, cross-compiled with MinGW-w64; a
//! check that they depend on nothing but Windows itself; and the app run under Wine, where its
//! render must equal the Linux build's byte for byte and its errors keep their exit codes.
//!
//! A Windows user has no MinGW runtime: a binary that imports `libssp-0.dll` (libopus's stack
//! protector under MinGW), `libgcc_s_seh-1.dll` or `libwinpthread-1.dll` fails to load there, and
//! a DAW reports the plugin as broken. So every DLL a Windows binary imports must be one that
//! Windows 10 and later ship.

use std::path::{Path, PathBuf};

/// The Rust target for 64-bit Windows with the MinGW toolchain Debian packages.
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// DLLs that ship with Windows 10 and later (lower case). API-set names (`api-ms-win-…`) are
/// Windows's own too, and are accepted by prefix.
const SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "avrt.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "combase.dll",
    "comctl32.dll",
    "comdlg32.dll",
    "crypt32.dll",
    "dwmapi.dll",
    "gdi32.dll",
    "imm32.dll",
    "kernel32.dll",
    "ksuser.dll",
    "mmdevapi.dll",
    "msvcrt.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "opengl32.dll",
    "propsys.dll",
    "rpcrt4.dll",
    "secur32.dll",
    "setupapi.dll",
    "shcore.dll",
    "shell32.dll",
    "shlwapi.dll",
    "user32.dll",
    "userenv.dll",
    "uxtheme.dll",
    "version.dll",
    "winmm.dll",
    "ws2_32.dll",
];

/// Whether `dll` ships with Windows 10 and later.
fn is_system_dll(dll: &str) -> bool {
    let dll = dll.to_ascii_lowercase();
    dll.starts_with("api-ms-win-") || SYSTEM_DLLS.contains(&dll.as_str())
}

/// The DLLs a Windows binary imports, in file order without repeats.
pub fn imports(binary: &Path) -> Result<Vec<String>, String> {
    let data = std::fs::read(binary).map_err(|error| format!("cannot read {}: {error}", binary.display()))?;
    let file = object::File::parse(&*data).map_err(|error| format!("{} is no binary: {error}", binary.display()))?;
    use object::Object as _;
    let mut dlls: Vec<String> = Vec::new();
    let unreadable = |error: object::Error| format!("{}: imports unreadable: {error}", binary.display());
    for import in file.imports().map_err(unreadable)? {
        let import = import.map_err(unreadable)?;
        let dll = String::from_utf8_lossy(import.library()).into_owned();
        if !dlls.iter().any(|seen| seen.eq_ignore_ascii_case(&dll)) {
            dlls.push(dll);
        }
    }
    Ok(dlls)
}

/// Fails, naming them, if `binary` imports any DLL that Windows does not ship; prints the list.
pub fn check_imports(binary: &Path) -> Result<(), String> {
    let dlls = imports(binary)?;
    if dlls.is_empty() {
        return Err(format!("{} imports nothing: not a Windows binary", binary.display()));
    }
    let foreign: Vec<&String> = dlls.iter().filter(|dll| !is_system_dll(dll)).collect();
    println!("xtask: {} imports {}", binary.display(), dlls.join(", "));
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} imports DLLs that Windows does not ship: {}",
            binary.display(),
            foreign.iter().map(|dll| dll.as_str()).collect::<Vec<_>>().join(", ")
        ))
    }
}

/// Makes sure the Rust standard library for [`TARGET`] is installed (the MinGW compilers come
/// with the Debian packages `cargo xtask setup` installs).
pub fn ensure_target() -> Result<(), String> {
    let installed = std::process::Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|error| format!("could not run rustup: {error}"))?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|line| line.trim() == TARGET) {
        return Ok(());
    }
    let status = std::process::Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .map_err(|error| format!("could not run rustup: {error}"))?;
    if status.success() { Ok(()) } else { Err(format!("`rustup target add {TARGET}` failed ({status})")) }
}

/// Where cargo puts release binaries for [`TARGET`], as an absolute path (Wine wants one).
fn release_dir() -> Result<PathBuf, String> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    std::path::absolute(target_dir.join(TARGET).join("release")).map_err(|error| format!("target folder: {error}"))
}

/// Builds the plugin (its DLL, which the bundler packs as the `.clap` and into the `.vst3`) and
/// the app for Windows, checks what each imports, and runs the app under Wine.
pub fn build_and_check() -> Result<(), String> {
    ensure_target()?;
    // One invocation for both, so that their shared dependencies resolve to one feature set and
    // a second run rebuilds nothing.
    let packages = ["--package", "opus-roundtrip", "--package", "opus-roundtrip-app"];
    crate::cargo(&[&["build", "--release", "--target", TARGET][..], &packages[..]].concat())?;
    let release = release_dir()?;
    check_imports(&release.join("opus_roundtrip.dll"))?;
    check_imports(&release.join("opus-roundtrip.exe"))?;
    app_under_wine(&release)
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

/// The Windows app under Wine: a render equal to the Linux build's, byte for byte, and the exit
/// codes of a missing input (3) and a bad flag (2).
fn app_under_wine(release: &Path) -> Result<(), String> {
    let wine = Path::new("/usr/lib/wine/wine64");
    if !wine.exists() {
        return Err("Wine is missing: run `cargo xtask setup` (Debian package wine64)".into());
    }
    // Wine 8 lacks bcryptprimitives.dll; a stand-in goes beside the binaries (Windows looks in
    // the program's folder first). Test-only: see the source.
    let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("wine/bcryptprimitives.c");
    let dll = release.join("bcryptprimitives.dll");
    let (code, text) = run(
        Path::new("x86_64-w64-mingw32-gcc"),
        &["-shared", "-O2", "-o", &dll.to_string_lossy(), &shim.to_string_lossy(), "-ladvapi32"],
        &[],
    )?;
    if code != Some(0) {
        return Err(format!("building the Wine stand-in failed: {text}"));
    }
    let work = release.join("wine-check");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|error| format!("{}: {error}", work.display()))?;
    let prefix = work.join("prefix");
    let env = [("WINEPREFIX", prefix.as_path())];
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
    let exe = release.join("opus-roundtrip.exe");
    let exe = exe.to_string_lossy();
    let (code, text) = render(&linux, &linux_out, &[])?;
    if code != Some(0) {
        return Err(format!("the Linux render failed: {text}"));
    }
    let (code, text) = render(wine, &windows_out, &[&exe])?;
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
        let (code, text) = run(wine, &wine_args, &env)?;
        if code != Some(expected) {
            return Err(format!("under Wine, `{}` exited {code:?}, not {expected}: {text}", args.join(" ")));
        }
    }
    println!("xtask: under Wine, a missing input exits 3 and a bad flag 2, as on Linux");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_own_dlls_pass_and_mingw_runtimes_do_not() {
        for dll in ["KERNEL32.dll", "user32.dll", "api-ms-win-core-synch-l1-2-0.dll", "bcryptprimitives.dll"] {
            assert!(is_system_dll(dll), "{dll}");
        }
        for dll in ["libssp-0.dll", "libgcc_s_seh-1.dll", "libwinpthread-1.dll", "libstdc++-6.dll", "libjack64.dll"] {
            assert!(!is_system_dll(dll), "{dll}");
        }
    }

    #[test]
    fn a_linux_binary_is_not_taken_for_a_windows_one() {
        // This test's own executable: an ELF file, whose imports are no Windows DLLs.
        let me = std::env::current_exe().unwrap();
        assert!(check_imports(&me).is_err());
    }
}
