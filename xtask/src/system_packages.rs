//! The Debian packages the workspace needs, and installing the missing ones.

use std::process::Command;

/// Every Debian package a build or test of the whole workspace needs, with the reason.
const PACKAGES: &[(&str, &str)] = &[
    ("cmake", "opusic-sys builds libopus from source with CMake"),
    ("gcc", "builds libopus's opus_demo, the oracle the receiver's output is compared with (engine tests)"),
    ("libc6-dev", "the C library headers opus_demo compiles against"),
    ("ninja-build", "opusic-sys drives CMake with Ninja when present (faster than make)"),
    ("pkg-config", "finds the ALSA, JACK and X11 libraries"),
    ("libasound2-dev", "ALSA audio for the standalone app (cpal)"),
    ("libjack-jackd2-dev", "JACK audio for the standalone app"),
    ("libgl-dev", "OpenGL for the egui editor"),
    ("libx11-dev", "X11 windows for the editor"),
    ("libx11-xcb-dev", "X11/XCB windows for the editor (baseview)"),
    ("libxcb1-dev", "XCB for the editor"),
    ("libxcb-dri2-0-dev", "XCB DRI2 for the editor's GL context"),
    ("libxcb-icccm4-dev", "XCB window hints for the editor"),
    ("libxcursor-dev", "mouse cursors in the editor"),
    ("libxkbcommon-dev", "keyboard input in the editor"),
    ("libxkbcommon-x11-0", "keyboard input in the editor (baseview loads it at run time)"),
    ("libegl1", "OpenGL contexts for the editor (loaded at run time)"),
    ("libxcb-shape0-dev", "XCB shapes for the editor"),
    ("libxcb-xfixes0-dev", "XCB xfixes for the editor"),
    ("xvfb", "a virtual display for the GUI tests and screenshots"),
    ("xauth", "xvfb-run needs it"),
    ("libgl1-mesa-dri", "Mesa's software OpenGL under Xvfb"),
    ("imagemagick", "`import` takes the editor's screenshot under Xvfb"),
    ("xdotool", "`cargo xtask screenshots` works the editor's controls under Xvfb"),
    ("opus-tools", "opusdec: the tests check that a standard player decodes our Ogg Opus files"),
    ("flac", "the reference FLAC encoder and decoder: the tests read its files and check ours with it"),
    ("gcc-mingw-w64-x86-64", "cross-compiles libopus and links the Windows builds (`cargo xtask windows`)"),
    ("wine64", "runs the Windows build of the app in the test suite"),
];

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let status = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|error| format!("could not start `{program}`: {error}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|out| out.stdout.trim_ascii() == b"0").unwrap_or(false)
}

fn has_passwordless_sudo() -> bool {
    Command::new("sudo").args(["-n", "true"]).status().map(|status| status.success()).unwrap_or(false)
}

/// Installs whichever of [`PACKAGES`] are missing: directly as root, through `sudo` where it
/// needs no password, and otherwise prints the exact command and fails.
pub fn ensure_installed() -> Result<(), String> {
    if Command::new("dpkg-query").arg("--version").output().is_err() {
        eprintln!("xtask: not a Debian-based system; install the equivalents of these yourself:");
        for (package, why) in PACKAGES {
            eprintln!("  {package:20} {why}");
        }
        return Ok(());
    }
    let missing: Vec<&str> = PACKAGES.iter().map(|&(package, _)| package).filter(|p| !is_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing missing system packages: {}", missing.join(" "));
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&missing);
    if is_root() {
        run("apt-get", &["update"])?;
        run("apt-get", &install)
    } else if has_passwordless_sudo() {
        run("sudo", &["apt-get", "update"])?;
        let mut sudo_install = vec!["apt-get"];
        sudo_install.extend(&install);
        run("sudo", &sudo_install)
    } else {
        Err(format!(
            "these system packages are missing; install them and run again:\n  sudo apt-get install -y {}",
            missing.join(" ")
        ))
    }
}
