//! `cargo xtask dist`: one zip per platform (Linux and Windows, x86-64) holding the plugin
//! bundles (`Opus Roundtrip.clap`, `Opus Roundtrip.vst3`), the app, the README and the licence,
//! in `target/dist/`.
//!
//! The two platforms' `.clap` files share a name in `target/bundled/`, so each platform is
//! bundled and zipped in turn; Linux goes last, leaving `target/bundled/` as a Linux developer
//! expects it. Zip entries carry a fixed date, so the same binaries give the same zip.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::windows;

const PACKAGE: &str = "opus-roundtrip";
const BUNDLE_NAME: &str = "Opus Roundtrip";

/// One platform's build: its cargo target (none for the machine's own) and its file names.
struct Platform {
    name: &'static str,
    target: Option<&'static str>,
    app: &'static str,
}

const PLATFORMS: [Platform; 2] = [
    Platform { name: "windows-x86_64", target: Some(windows::TARGET), app: windows::APP_EXE },
    Platform { name: "linux-x86_64", target: None, app: "opus-roundtrip" },
];

pub fn run() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().ok_or("no workspace folder")?;
    // The bundler reads `bundler.toml` from the working folder.
    std::env::set_current_dir(root).map_err(|error| format!("{}: {error}", root.display()))?;
    windows::ensure_target()?;
    let target_dir = crate::target_dir()?;
    let dist = target_dir.join("dist");
    std::fs::create_dir_all(&dist).map_err(|error| format!("{}: {error}", dist.display()))?;
    for platform in &PLATFORMS {
        let zip = dist.join(format!("{PACKAGE}-{}-{}.zip", env!("CARGO_PKG_VERSION"), platform.name));
        build_platform(&target_dir, platform, &zip)?;
        let bytes = std::fs::metadata(&zip).map_err(|error| format!("{}: {error}", zip.display()))?.len();
        println!("xtask: {} ({:.1} MB)", zip.display(), bytes as f64 / 1e6);
    }
    Ok(())
}

/// Builds, bundles and zips one platform into `zip`.
fn build_platform(target_dir: &Path, platform: &Platform, zip: &Path) -> Result<(), String> {
    let mut cargo_args = vec!["build", "--release", "--package", PACKAGE, "--package", "opus-roundtrip-app"];
    let mut bundle_args = vec!["--release".to_owned()];
    if let Some(target) = platform.target {
        cargo_args.extend(["--target", target]);
        bundle_args.extend(["--target".to_owned(), target.to_owned()]);
    }
    // Plugin and app in one build (their shared dependencies resolve to one feature set), then
    // the bundler's packing step alone, so that it does not build the plugin a second way.
    crate::cargo(&cargo_args)?;
    let bundled = target_dir.join("bundled");
    let _ = std::fs::remove_dir_all(&bundled);
    nice_plug_xtask::bundle(target_dir, PACKAGE, &bundle_args, false).map_err(|error| format!("{error:#}"))?;

    let release = platform.target.map_or_else(|| target_dir.to_path_buf(), |target| target_dir.join(target));
    let app = release.join("release").join(platform.app);
    let clap = bundled.join(format!("{BUNDLE_NAME}.clap"));
    if platform.target == Some(windows::TARGET) {
        windows::check_imports(&clap)?;
        windows::check_imports(&app)?;
    }
    let folder = format!("{PACKAGE}-{}-{}", env!("CARGO_PKG_VERSION"), platform.name);
    let entries = [
        (clap, format!("{BUNDLE_NAME}.clap")),
        (bundled.join(format!("{BUNDLE_NAME}.vst3")), format!("{BUNDLE_NAME}.vst3")),
        (app, platform.app.to_owned()),
        (Path::new("README.md").to_path_buf(), "README.md".to_owned()),
        (Path::new("LICENSE").to_path_buf(), "LICENSE".to_owned()),
    ];
    write_zip(zip, &folder, &entries)
}

/// Writes `entries` (files or whole folders, each with its name in the zip) under `folder`.
fn write_zip(zip: &Path, folder: &str, entries: &[(PathBuf, String)]) -> Result<(), String> {
    let file = std::fs::File::create(zip).map_err(|error| format!("{}: {error}", zip.display()))?;
    let mut writer = zip::ZipWriter::new(file);
    for (source, name) in entries {
        add(&mut writer, source, &format!("{folder}/{name}"))?;
    }
    writer.finish().map_err(|error| format!("{}: {error}", zip.display()))?;
    Ok(())
}

/// Adds `source` as `name`: a file, or a folder with everything in it (sorted, for a stable zip).
fn add(writer: &mut zip::ZipWriter<std::fs::File>, source: &Path, name: &str) -> Result<(), String> {
    let unreadable = |error: std::io::Error| format!("{}: {error}", source.display());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let zip_error = |error: zip::result::ZipError| format!("{name}: {error}");
    if source.is_dir() {
        writer.add_directory(format!("{name}/"), options.unix_permissions(0o755)).map_err(zip_error)?;
        let mut children: Vec<PathBuf> = std::fs::read_dir(source)
            .map_err(unreadable)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<_, _>>()
            .map_err(unreadable)?;
        children.sort();
        for child in children {
            let child_name = child.file_name().ok_or("a nameless file")?.to_string_lossy().into_owned();
            add(writer, &child, &format!("{name}/{child_name}"))?;
        }
        return Ok(());
    }
    let data = std::fs::read(source).map_err(unreadable)?;
    let executable =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(source).map_err(unreadable)?.permissions()) & 0o111
            != 0;
    let options = options.unix_permissions(if executable { 0o755 } else { 0o644 });
    writer.start_file(name, options).map_err(zip_error)?;
    writer.write_all(&data).map_err(|error| format!("{name}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zip_holds_files_and_folders_under_one_folder_with_their_bytes_and_modes() {
        let work = std::env::temp_dir().join(format!("xtask-dist-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(work.join("Plugin.vst3/Contents/x86_64-linux")).unwrap();
        std::fs::write(work.join("Plugin.vst3/Contents/x86_64-linux/Plugin.so"), b"library").unwrap();
        std::fs::write(work.join("README.md"), b"read me").unwrap();
        let entries =
            [(work.join("Plugin.vst3"), "Plugin.vst3".to_owned()), (work.join("README.md"), "README.md".to_owned())];
        let (first, second) = (work.join("first.zip"), work.join("second.zip"));
        write_zip(&first, "top", &entries).unwrap();
        write_zip(&second, "top", &entries).unwrap();
        assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap(), "the same files, another zip");

        let mut archive = zip::ZipArchive::new(std::fs::File::open(&first).unwrap()).unwrap();
        let names: Vec<String> = archive.file_names().map(|name| name.unwrap().into_owned()).collect();
        for expected in ["top/Plugin.vst3/", "top/Plugin.vst3/Contents/x86_64-linux/Plugin.so", "top/README.md"] {
            assert!(names.iter().any(|name| name == expected), "{expected} missing from {names:?}");
        }
        let mut readme = archive.by_name("top/README.md").unwrap();
        assert_eq!(readme.unix_mode().map(|mode| mode & 0o777), Some(0o644));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut readme, &mut text).unwrap();
        assert_eq!(text, "read me");
        let _ = std::fs::remove_dir_all(&work);
    }
}
