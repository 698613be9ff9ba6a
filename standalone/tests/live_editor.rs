//! `opus-roundtrip live --backend dummy` opens the plugin's editor under a virtual X display
//! (Xvfb, Mesa's software OpenGL) with no sound card, and it draws: a screenshot is
//! written to `target/editor-screenshot.png` and checked for content and rendered text.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How long the editor gets to open and draw before the screenshot.
const SETTLE_SECONDS: u32 = 6;
/// The virtual screen.
const SCREEN: (usize, usize) = (1024, 768);

fn screenshot_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/editor-screenshot.png")
}

/// Runs the standalone app with its editor under Xvfb and saves the screen as a PNG.
fn take_screenshot(path: &Path) {
    let standalone = env!("CARGO_BIN_EXE_opus-roundtrip");
    let script = format!(
        "\"$0\" live --backend dummy & app=$!; sleep {SETTLE_SECONDS}; \
         import -window root \"$1\"; status=$?; kill $app; wait $app; exit $status"
    );
    let status = Command::new("xvfb-run")
        .args(["-a", "-s", &format!("-screen 0 {}x{}x24", SCREEN.0, SCREEN.1), "sh", "-c", &script])
        .arg(standalone)
        .arg(path)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .status()
        .expect("xvfb-run is missing: run `cargo xtask setup` (Debian packages xvfb, xauth, imagemagick)");
    assert!(status.success(), "taking the screenshot failed: {status}");
}

/// RGB pixels of a PNG.
fn read_rgb(path: &Path) -> (usize, usize, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("screenshot")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("image size")];
    let info = reader.next_frame(&mut buffer).expect("PNG pixels");
    let channels = info.color_type.samples();
    let pixels = buffer[..info.buffer_size()].chunks_exact(channels).map(|p| [p[0], p[1], p[2]]).collect();
    (info.width as usize, info.height as usize, pixels)
}

#[test]
fn the_editor_opens_and_renders_text_under_xvfb() {
    let path = screenshot_path();
    let _ = std::fs::remove_file(&path);
    take_screenshot(&path);
    let (width, height, pixels) = read_rgb(&path);
    assert_eq!((width, height), SCREEN);

    // Not blank: the window covers a good part of the screen with more than one colour.
    let mut counts = std::collections::HashMap::new();
    for pixel in &pixels {
        *counts.entry(*pixel).or_insert(0usize) += 1;
    }
    let background = counts.values().max().copied().unwrap_or(0);
    let drawn = pixels.len() - background;
    assert!(drawn * 10 > pixels.len(), "only {drawn} of {} pixels differ from the background", pixels.len());

    // Text rendered: anti-aliased glyphs leave many grey levels, and the heading, presets and
    // the large bitrate and loss read-outs at the top of the window are light grey on the dark
    // theme (the sliders there are blue, the background near black).
    assert!(counts.len() > 100, "only {} distinct colours: no anti-aliased text", counts.len());
    let top = &pixels[..150 * width];
    let text_pixels = top.iter().filter(|p| p.iter().all(|&c| c > 120)).count();
    assert!(text_pixels > 300, "too few text pixels at the top of the editor ({text_pixels})");
}
