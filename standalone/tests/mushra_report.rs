//! `mushra-report`: two listeners' files merged, screened and summarised; the chart drawn; a
//! bad file refused with its line before anything is written.

mod common;

use common::{app, files_in, folder};

const HEADER: &str = "listener,trial,excerpt,stimulus,condition,settings,rating,mos_lqo\n";

/// One listener's trials as CSV rows: per trial the hidden reference, the 7 kHz and 3.5 kHz
/// anchors, and condition A (64 kbps, scored 4.2 by the model).
fn rows(listener: &str, trials: &[[u32; 4]]) -> String {
    let mut text = HEADER.to_owned();
    for (index, [reference, mid, low, a]) in trials.iter().enumerate() {
        let trial = index + 1;
        text += &format!("{listener},{trial},speech,hidden_reference,,,{reference},\n");
        text += &format!("{listener},{trial},speech,anchor_7k,,,{mid},\n");
        text += &format!("{listener},{trial},speech,anchor_3k5,,,{low},\n");
        text += &format!("{listener},{trial},speech,condition,A,64 kbps,{a},4.2\n");
    }
    text
}

#[test]
fn two_listeners_merged_screened_and_charted() {
    let dir = folder();
    let ann = dir.path().join("ann.csv");
    let bob = dir.path().join("bob.csv");
    std::fs::write(&ann, rows("ann", &[[100, 60, 20, 80], [100, 70, 30, 90]])).unwrap();
    // Bob finds the mid anchor transparent in both trials: excluded.
    std::fs::write(&bob, rows("bob", &[[100, 95, 20, 50], [100, 92, 30, 40]])).unwrap();
    let merged = dir.path().join("all.json");
    let chart = dir.path().join("chart.png");
    let args = ["mushra-report", ann.to_str().unwrap(), bob.to_str().unwrap()];
    let output = app(&[&args[..], &["-o", chart.to_str().unwrap(), "--merged", merged.to_str().unwrap()]].concat());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("bob: EXCLUDED"), "{stdout}");
    assert!(stdout.contains("ann: kept"), "{stdout}");
    // A pooled over ann alone: 80 and 90, mean 85, s = 7.0711, s/√2 = 5, t(0.975, 1) = 12.706:
    // 85 ± 63.5, clipped to 21.5–100.
    let a = stdout.lines().find(|line| line.trim_start().starts_with("A ")).expect("A's line");
    assert!(a.contains(" 85.0   21.5–100.0     2     4.20  64 kbps"), "{a}");
    assert!(stdout.contains("bob 45.0 (2, excluded)"), "{stdout}");
    // The chart: its size, and A's whisker drawn in its colour (the excluded listener's mean
    // is not pooled, but the anchors' and the reference's are: four conditions drawn).
    let (width, height, whisker) = png_content(&chart);
    assert_eq!((width, height), (1000, 620));
    assert!(whisker > 100, "{whisker} pixels of the whiskers' colour");
    let merged_text = std::fs::read_to_string(&merged).unwrap();
    assert_eq!(merged_text.matches("\"listener\"").count(), 16, "every rating merged");
    assert_eq!(files_in(dir.path()), ["all.json", "ann.csv", "bob.csv", "chart.png"]);
}

#[test]
fn a_bad_results_file_is_refused_with_its_line_and_nothing_written() {
    let dir = folder();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, format!("{HEADER}ann,1,speech,hidden_reference,,,100,\nann,1,speech,anchor_9k,,,50,\n"))
        .unwrap();
    let output = app(&["mushra-report", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("bad.csv") && stderr.contains("line 3"), "{stderr}");
    assert_eq!(files_in(dir.path()), ["bad.csv"]);
    // The same session given twice cannot be pooled.
    let good = dir.path().join("good.csv");
    std::fs::write(&good, rows("ann", &[[100, 60, 20, 80]])).unwrap();
    let output = app(&["mushra-report", good.to_str().unwrap(), good.to_str().unwrap(), "--no-png"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("rated twice"), "{stderr}");
}

/// A PNG's width and height, and how many of its pixels have the whiskers' colour.
fn png_content(path: &std::path::Path) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let whisker = pixels[..frame.buffer_size()].chunks(3).filter(|pixel| pixel == &[30, 60, 120]).count();
    (frame.width, frame.height, whisker)
}
