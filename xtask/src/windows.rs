//! Windows builds from Linux: the plugin and the app, cross-compiled with MinGW-w64, and a check
//! that they depend on nothing but Windows itself; then the tests under Wine (`wine.rs`).
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

/// The plugin library cargo builds for [`TARGET`]: the bundler copies it as `Opus Roundtrip.clap`
/// and into `Opus Roundtrip.vst3`.
pub const PLUGIN_DLL: &str = "opus_roundtrip.dll";

/// The app cargo builds for [`TARGET`].
pub const APP_EXE: &str = "opus-roundtrip.exe";

/// Where cargo puts release binaries for [`TARGET`], as an absolute path (Wine wants one).
pub fn release_dir() -> Result<PathBuf, String> {
    Ok(crate::target_dir()?.join(TARGET).join("release"))
}

/// Builds the plugin (its DLL, which the bundler packs as the `.clap` and into the `.vst3`) and
/// the app for Windows, checks what each imports, then runs the test suites and the app under
/// Wine.
pub fn build_and_check() -> Result<(), String> {
    ensure_target()?;
    // One invocation for both, so that their shared dependencies resolve to one feature set and
    // a second run rebuilds nothing.
    let packages = ["--package", "opus-roundtrip", "--package", "opus-roundtrip-app"];
    crate::cargo(&[&["build", "--release", "--target", TARGET][..], &packages[..]].concat())?;
    let release = release_dir()?;
    check_imports(&release.join(PLUGIN_DLL))?;
    check_imports(&release.join(APP_EXE))?;
    let wine = crate::wine::Wine::prepare(&release)?;
    wine.test_suites(&release.join(PLUGIN_DLL))?;
    wine.check_app(&release)
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
