//! `demo` runs headless and writes every file it lists; `report` summarises a render and draws
//! a PNG that is not blank.

mod common;

use std::collections::HashSet;
use std::path::Path;

use roundtrip_app::wav::WavFormat;

use common::{app, files_in, folder, music_file};

/// The PNG's size, the share of pixels that are not the background, and its distinct colours.
fn png_content(path: &Path) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("the PNG")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buffer).expect("pixels");
    let pixels: Vec<&[u8]> = buffer[..info.buffer_size()].chunks_exact(info.color_type.samples()).collect();
    let drawn = pixels.iter().filter(|p| p[..3] != [255, 255, 255]).count();
    let colours: HashSet<&[u8]> = pixels.iter().copied().collect();
    (info.width, info.height, drawn as f64 / pixels.len() as f64, colours.len())
}

fn assert_not_blank(path: &Path) {
    let (width, height, drawn, colours) = png_content(path);
    // The spectrograms, the band differences, the audibility map and the losses.
    assert_eq!((width, height), (1400, 1420));
    // Three spectrograms fill well over half the picture, in many shades.
    assert!(drawn > 0.5, "{}: only {:.0} % drawn", path.display(), drawn * 100.0);
    assert!(colours > 200, "{}: only {colours} colours", path.display());
}

#[test]
fn demo_writes_every_file_it_lists() {
    let dir = folder();
    let out = dir.path().join("demo");
    // Two seconds, as issue 28 tried: the default seed's bursty loss lost nothing that early.
    let result = app(&["demo", "-o", out.to_str().unwrap(), "--duration", "2s", "-q"]);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(result.status.success(), "{stdout}{}", String::from_utf8_lossy(&result.stderr));

    // The listing at the end names every file, and every named file exists.
    let listed: Vec<String> = stdout
        .lines()
        .skip_while(|line| !line.starts_with("Wrote "))
        .skip(1)
        .filter(|line| line.starts_with("  "))
        .flat_map(|line| {
            line.split(", ").map(|name| name.trim().split(' ').next().unwrap_or("").to_string()).collect::<Vec<_>>()
        })
        .collect();
    let present = files_in(&out);
    assert_eq!(present.len(), 2 + 6 * 5, "{present:?}");
    for name in &present {
        assert!(listed.contains(name), "{name} written but not listed");
    }
    let count: usize = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Wrote "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert_eq!(count, present.len());

    for name in present.iter().filter(|name| name.ends_with(".png")) {
        assert_not_blank(&out.join(name));
    }
    // Both lossy presets lose near their rate, and the DRED preset rebuilt packets.
    for name in ["bad-wi-fi-10-bursty-loss", "bad-wi-fi-dred"] {
        let stats = roundtrip_app::stats::RenderStats::load(&out.join(format!("{name}.stats.json"))).unwrap();
        assert!(stats.packets_lost >= 5 && stats.warnings.iter().all(|w| !w.contains("far from")), "{name}: {stats:?}");
    }
    assert!(stdout.contains("not the default"), "the demo says it chose another seed:\n{stdout}");
    let stats = roundtrip_app::stats::RenderStats::load(&out.join("bad-wi-fi-dred.stats.json")).unwrap();
    assert!(stats.recovered_dred > 0, "{stats:?}");
}

#[test]
fn report_summarises_a_render_and_draws_it() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 32_000, 2.0, WavFormat::Int16);
    let output = dir.path().join("out.wav");
    let rendered = app(&["render", input.to_str().unwrap(), "-o", output.to_str().unwrap(), "--loss", "20%", "-q"]);
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));

    let report = app(&["report", output.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&report.stdout);
    assert!(report.status.success(), "{stdout}");
    for expected in ["kbps actual", "lost (", "latency", "SNR", "difference", "out.png"] {
        assert!(stdout.contains(expected), "'{expected}' missing from:\n{stdout}");
    }
    assert_not_blank(&dir.path().join("out.png"));
    // The input moved: say so, or take --input.
    let moved = dir.path().join("moved.wav");
    std::fs::rename(&input, &moved).unwrap();
    let report = app(&["report", output.to_str().unwrap(), "-o", dir.path().join("r.png").to_str().unwrap()]);
    assert_eq!(report.status.code(), Some(roundtrip_app::error::EXIT_INPUT));
    let report = app(&[
        "report",
        output.to_str().unwrap(),
        "--input",
        moved.to_str().unwrap(),
        "-o",
        dir.path().join("r.png").to_str().unwrap(),
    ]);
    assert!(report.status.success());
}
