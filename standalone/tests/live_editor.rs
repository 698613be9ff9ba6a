//! `opus-roundtrip live --backend dummy` opens the plugin's editor under a virtual X display
//! (Xvfb, Mesa's software OpenGL) with no sound card, and it draws: a screenshot is
//! written to `target/tmp/editor-screenshot.png` and checked for content and rendered text.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The virtual screen.
const SCREEN: (usize, usize) = (1024, 768);
/// A guard against a hung app: how long the test waits for the editor to draw at all. The
/// verdict never depends on it: the test screenshots every second until the editor is drawn.
const HANG_GUARD: Duration = Duration::from_secs(300);

fn screenshot_path() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("editor-screenshot.png")
}

/// Runs the standalone app with its editor under Xvfb and screenshots the screen into `path`
/// every second until `drawn` accepts the picture (or the hang guard runs out); returns the
/// last verdict.
fn screenshot_until(path: &Path, drawn: impl Fn(&Path) -> Result<(), String>) -> Result<(), String> {
    let standalone = env!("CARGO_BIN_EXE_opus-roundtrip");
    let stop = path.with_extension("stop");
    let _ = std::fs::remove_file(&stop);
    // Each shot is written aside and renamed, so that the test never reads half a PNG.
    let script = "\"$0\" live --backend dummy & app=$!; \
         while [ ! -e \"$2\" ]; do sleep 1; import -window root \"$1.part.png\" && mv \"$1.part.png\" \"$1\"; done; \
         kill $app; wait $app; exit 0";
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", &format!("-screen 0 {}x{}x24", SCREEN.0, SCREEN.1), "sh", "-c", script])
        .arg(standalone)
        .arg(path)
        .arg(&stop)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .spawn()
        .expect("xvfb-run is missing: run `cargo xtask setup` (Debian packages xvfb, xauth, imagemagick)");
    let started = Instant::now();
    let mut verdict = Err("no screenshot was taken".to_owned());
    while started.elapsed() < HANG_GUARD {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = child.try_wait() {
            verdict = Err(format!("the app or xvfb-run ended early: {status}"));
            break;
        }
        if path.exists() {
            verdict = drawn(path);
            if verdict.is_ok() {
                break;
            }
        }
    }
    if std::fs::write(&stop, b"").is_err() {
        // The script cannot be told to stop: end it, so that no process outlives the test.
        let _ = child.kill();
    }
    let _ = child.wait();
    let _ = std::fs::remove_file(&stop);
    verdict
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

/// Whether the screenshot shows the editor drawn, with text.
fn editor_drawn(path: &Path) -> Result<(), String> {
    let (width, height, pixels) = read_rgb(path);
    if (width, height) != SCREEN {
        return Err(format!("the screenshot is {width}×{height}"));
    }
    // Not blank: the window covers a good part of the screen with more than one colour.
    let mut counts = std::collections::HashMap::new();
    for pixel in &pixels {
        *counts.entry(*pixel).or_insert(0usize) += 1;
    }
    let background = counts.values().max().copied().unwrap_or(0);
    let drawn = pixels.len() - background;
    if drawn * 10 <= pixels.len() {
        return Err(format!("only {drawn} of {} pixels differ from the background", pixels.len()));
    }
    // Text rendered: anti-aliased glyphs leave many grey levels, and the heading, presets and
    // the large bitrate and loss read-outs at the top of the window are light grey on the dark
    // theme (the sliders there are blue, the background near black).
    if counts.len() <= 100 {
        return Err(format!("only {} distinct colours: no anti-aliased text", counts.len()));
    }
    let top = &pixels[..150 * width];
    let text_pixels = top.iter().filter(|p| p.iter().all(|&c| c > 120)).count();
    if text_pixels <= 300 {
        return Err(format!("too few text pixels at the top of the editor ({text_pixels})"));
    }
    Ok(())
}

#[test]
fn the_editor_opens_and_renders_text_under_xvfb() {
    let path = screenshot_path();
    let _ = std::fs::remove_file(&path);
    if let Err(why) = screenshot_until(&path, editor_drawn) {
        panic!("the editor did not draw: {why} (last screenshot: {})", path.display());
    }
}
