//! `batch` end to end: the same outputs and results whatever the number of workers or shards, a
//! file regenerated alone equals its batch output, a second run resumes (also after a kill),
//! a broken file is a row with its error, and a bad corpus is refused before any work.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use roundtrip_app::error::{EXIT_INPUT, EXIT_USAGE};
use roundtrip_app::results_table::ResultRow;
use roundtrip_app::wav::WavFormat;

use common::{app, folder, music_file, reference_flac};

/// The files of the test corpus, one of them broken, one not audio at all.
fn corpus(root: &Path) -> PathBuf {
    let corpus = root.join("corpus");
    for folder in ["a", "b/c"] {
        std::fs::create_dir_all(corpus.join(folder)).unwrap();
    }
    music_file(&corpus.join("a"), "one.wav", 48_000, 1.0, WavFormat::Int16);
    music_file(&corpus.join("a"), "two.wav", 44_100, 1.5, WavFormat::Int24);
    music_file(&corpus.join("b"), "three.wav", 16_000, 1.0, WavFormat::Float32);
    music_file(&corpus.join("b/c"), "four.WAV", 48_000, 0.5, WavFormat::Int16);
    std::fs::write(corpus.join("b/broken.wav"), "not audio").unwrap();
    std::fs::write(corpus.join("b/notes.txt"), "not in the corpus").unwrap();
    corpus
}

const DRAWS: [&str; 12] = [
    "--bitrate",
    "12k..48k",
    "--frame",
    "10ms,20ms",
    "--loss",
    "0..15%",
    "--burst",
    "1..3",
    "--dred",
    "0,100ms",
    "--seed",
    "5",
];

/// Runs `batch CORPUS -o OUT` with the draws and `extra`; returns the exit code and stdout.
fn batch(corpus: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let args = [&["batch", corpus.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"][..], &DRAWS, extra].concat();
    let result = app(&args);
    (
        result.status.code(),
        String::from_utf8_lossy(&result.stdout).into_owned() + &String::from_utf8_lossy(&result.stderr),
    )
}

/// The rendered WAVs under `out`, by relative path, with their bytes.
fn outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = walk(out)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "wav"))
        .map(|path| (path.strip_prefix(out).unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()))
        .collect();
    found.sort();
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() { walk(&path) } else { vec![path] }
        })
        .collect()
}

fn rows(jsonl: &Path) -> Vec<ResultRow> {
    std::fs::read_to_string(jsonl).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[test]
fn workers_shards_and_reruns_give_the_same_outputs_and_results() {
    let dir = folder();
    let corpus = corpus(dir.path());
    let one = dir.path().join("one-worker");
    let (code, said) = batch(&corpus, &one, &["-j", "1"]);
    assert_eq!(code, Some(EXIT_INPUT), "{said}");
    assert!(said.contains("1 of 5 files could not be rendered"), "{said}");
    assert!(said.contains("5 files: 4 rendered, 0 already done, 1 failed"), "{said}");
    assert!(said.contains(" on 1 worker\n"), "{said}");
    let table = rows(&one.join("results.jsonl"));
    let paths: Vec<&str> = table.iter().map(|row| row.path.as_str()).collect();
    assert_eq!(paths, ["a/one.wav", "a/two.wav", "b/broken.wav", "b/c/four.WAV", "b/three.wav"]);
    let broken = &table[2];
    assert!(broken.status == "error" && broken.error.as_deref().is_some_and(|e| e.contains("not a WAV file")));
    for row in table.iter().filter(|row| row.is_ok()) {
        assert!((12_000..=48_000).contains(&row.bitrate_bps) && (0.0..=15.0).contains(&row.loss_percent), "{row:?}");
        assert!(row.mean_burst_packets.is_some_and(|burst| (1.0..=3.0).contains(&burst)), "{row:?}");
        assert!(row.seconds.is_some() && row.packets_sent.is_some_and(|sent| sent > 10), "{row:?}");
    }
    let csv = std::fs::read_to_string(one.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 6, "a header and a row per file:\n{csv}");
    let rendered = outputs(&one);
    assert_eq!(rendered.len(), 4);

    // Two workers: the same bytes and rows.
    let two = dir.path().join("two-workers");
    batch(&corpus, &two, &["-j", "2"]);
    assert!(outputs(&two) == rendered, "two workers rendered other audio");
    assert_eq!(std::fs::read(two.join("results.csv")).unwrap(), csv.as_bytes());

    // Three shards into one folder: their tables, concatenated in shard order, are the table.
    let sharded = dir.path().join("sharded");
    for shard in ["0/3", "1/3", "2/3"] {
        batch(&corpus, &sharded, &["--shard", shard]);
    }
    let merged: Vec<ResultRow> =
        (0..3).flat_map(|index| rows(&sharded.join(format!("results-shard-{index}-of-3.jsonl")))).collect();
    assert_eq!(merged, table);
    // The CSVs as the README merges them: the first whole, the others without their header.
    let merged_csv: String = (0..3)
        .map(|index| std::fs::read_to_string(sharded.join(format!("results-shard-{index}-of-3.csv"))).unwrap())
        .enumerate()
        .map(|(index, text)| if index == 0 { text } else { text.split_once('\n').unwrap().1.to_owned() })
        .collect();
    assert_eq!(merged_csv, csv);
    assert!(outputs(&sharded) == rendered, "the shards rendered other audio");

    // A rerun does nothing twice; a file removed is rendered again, as before.
    let (_, said) = batch(&corpus, &one, &[]);
    assert!(said.contains("5 files: 0 rendered, 4 already done, 1 failed"), "{said}");
    std::fs::remove_file(one.join("a/two.wav")).unwrap();
    let (_, said) = batch(&corpus, &one, &[]);
    assert!(said.contains("5 files: 1 rendered, 3 already done, 1 failed"), "{said}");
    assert!(outputs(&one) == rendered);
    assert_eq!(rows(&one.join("results.jsonl")), table);

    // A render that is not complete and current is done again: stale stats beside other audio,
    // an input changed since; a killed run's temporary files go.
    std::fs::copy(one.join("a/one.wav"), one.join("a/two.wav")).unwrap();
    let leftover = one.join("a/.two.wav.abcdef.partial");
    std::fs::write(&leftover, "half a file").unwrap();
    let (_, said) = batch(&corpus, &one, &[]);
    assert!(said.contains("5 files: 1 rendered, 3 already done"), "{said}");
    assert!(!leftover.exists(), "the killed run's temporary file is still there");
    let input = std::fs::File::options().append(true).open(corpus.join("b/three.wav")).unwrap();
    input.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
    drop(input);
    let (_, said) = batch(&corpus, &one, &[]);
    assert!(said.contains("5 files: 1 rendered, 3 already done"), "{said}");
    assert!(outputs(&one) == rendered);

    // Other settings are not mistaken for a finished render.
    let (_, said) = batch(&corpus, &one, &["--complexity", "5"]);
    assert!(said.contains("5 files: 4 rendered, 0 already done"), "{said}");

    // One file alone, at the same place in another corpus, comes out the same.
    let alone = dir.path().join("alone");
    std::fs::create_dir_all(alone.join("a")).unwrap();
    std::fs::copy(corpus.join("a/two.wav"), alone.join("a/two.wav")).unwrap();
    let alone_out = dir.path().join("alone-out");
    let (code, said) = batch(&alone, &alone_out, &[]);
    assert_eq!(code, Some(0), "{said}");
    assert!(outputs(&alone_out)[0] == rendered[1], "a file regenerated alone differs");
}

#[test]
fn a_run_killed_midway_and_run_again_ends_as_an_uninterrupted_run() {
    let dir = folder();
    let corpus = corpus(dir.path());
    std::fs::remove_file(corpus.join("b/broken.wav")).unwrap();
    let whole = dir.path().join("whole");
    assert_eq!(batch(&corpus, &whole, &["-j", "1"]).0, Some(0));

    let killed = dir.path().join("killed");
    // Kill it once its first file is done (or whenever it is, on a machine fast enough to finish
    // first: the verdict below holds either way).
    let mut child = batch_until_written(&corpus, &killed, &killed.join("a/one.stats.json"), Stdio::null);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(batch(&corpus, &killed, &["-j", "2"]).0, Some(0));
    assert!(outputs(&killed) == outputs(&whole), "the resumed run rendered other audio");
    assert_eq!(rows(&killed.join("results.jsonl")), rows(&whole.join("results.jsonl")));
    let leftovers: Vec<PathBuf> =
        walk(&killed).into_iter().filter(|path| path.to_string_lossy().ends_with(".partial")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Starts a one-worker batch of `corpus` into `out` with [`DRAWS`] and returns it once `file`
/// exists; the clock only guards against a hang.
fn batch_until_written(corpus: &Path, out: &Path, file: &Path, stdio: fn() -> Stdio) -> std::process::Child {
    let args =
        [&["batch", corpus.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q", "-j", "1"][..], &DRAWS].concat();
    let child =
        Command::new(env!("CARGO_BIN_EXE_opus-roundtrip")).args(&args).stdout(stdio()).stderr(stdio()).spawn().unwrap();
    let started = std::time::Instant::now();
    while !file.exists() && started.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child
}

/// Ctrl-C stops at the next block and says what it kept; the same command then finishes as an
/// uninterrupted run would have.
#[cfg(unix)]
#[test]
fn ctrl_c_keeps_the_files_finished_says_so_and_the_same_command_goes_on() {
    let dir = folder();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    // Enough files that the batch cannot end before the signal comes (one takes tens of ms).
    const FILES: usize = 12;
    for i in 0..FILES {
        music_file(&corpus, &format!("{i:02}.wav"), 48_000, 2.0, WavFormat::Int16);
    }
    let whole = dir.path().join("whole");
    assert_eq!(batch(&corpus, &whole, &["-j", "1"]).0, Some(0));

    let stopped = dir.path().join("stopped");
    // Once its first file is done.
    let child = batch_until_written(&corpus, &stopped, &stopped.join("00.stats.json"), Stdio::piped);
    let signal = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(signal.success());
    let result = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(130), "{said}");
    let kept: usize = said
        .strip_prefix("opus-roundtrip: error: interrupted: kept the ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!((1..FILES).contains(&kept), "{said}");
    assert!(said.contains(&format!(" of {FILES} files finished (0 of them from an earlier run)")), "{said}");
    // The one in progress, unless the signal came between two files.
    let dropped = ["dropped the 1 in progress", "dropped the 0 in progress"];
    assert!(dropped.iter().any(|words| said.contains(&format!("{words}; wrote no results table"))), "{said}");
    let finished = walk(&stopped).into_iter().filter(|path| path.to_string_lossy().ends_with(".stats.json")).count();
    assert_eq!(finished, kept, "{said}");
    assert!(!stopped.join("results.csv").exists());
    assert!(walk(&stopped).iter().all(|path| !path.to_string_lossy().ends_with(".partial")), "{:?}", walk(&stopped));
    // The same command reuses what was kept and renders the rest as one run would have.
    let (code, said) = batch(&corpus, &stopped, &["-j", "1"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains(&format!("{} rendered, {kept} already done", FILES - kept)), "{said}");
    assert!(outputs(&stopped) == outputs(&whole), "the resumed run rendered other audio");
}

#[test]
fn a_bad_corpus_is_refused_before_any_work() {
    let dir = folder();
    let corpus = corpus(dir.path());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let twins = dir.path().join("twins");
    std::fs::create_dir(&twins).unwrap();
    music_file(&twins, "take.wav", 16_000, 0.1, WavFormat::Int16);
    music_file(&twins, "take.WAV", 16_000, 0.1, WavFormat::Int16);
    let out = dir.path().join("out");
    for (input, output, extra, expected) in [
        (&empty, &out, &[][..], "no audio files"),
        (&corpus, &corpus.join("renders"), &[][..], "is inside the corpus"),
        (&corpus, &out, &["--shard", "3/3"][..], "write the shard as I/N"),
        (&corpus, &out, &["--frame", "10ms..60ms"][..], "list the values"),
        (&corpus, &out, &["--application", "lowdelay", "--fec"][..], "FEC and DRED need the SILK coder"),
        (&corpus, &corpus.join("a/../renders"), &[][..], "is inside the corpus"),
        (&twins, &out, &[][..], "would both write"),
    ] {
        let args = [&["batch", input.to_str().unwrap(), "-o", output.to_str().unwrap()][..], extra].concat();
        let result = app(&args);
        let said = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(EXIT_USAGE), "{said}");
        assert!(said.contains(expected), "expected '{expected}' in: {said}");
    }
    assert!(!out.exists() && !corpus.join("renders").exists(), "a refused batch wrote something");
}

/// A manifest's rows, in CSV and in JSON lines, over a FLAC and a WAV: its order, outputs and
/// settings are kept, both forms render the same, and the outputs asked for are all there.
#[test]
fn a_manifest_sets_each_rows_output_and_settings_and_flac_goes_in_and_out() {
    let dir = folder();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("speech")).unwrap();
    let wav = music_file(&corpus.join("speech"), "anna.wav", 16_000, 1.0, WavFormat::Int16);
    reference_flac(&wav, &corpus.join("speech/anna.flac"));
    std::fs::remove_file(&wav).unwrap();
    music_file(&corpus, "band.wav", 48_000, 1.0, WavFormat::Int24);
    std::fs::write(
        corpus.join("list.csv"),
        "\u{feff}input,output,bitrate,loss,fec\nspeech/anna.flac,voice/anna,8k,10%,yes\n,,,,\nband.wav,,50k..64k,,\n",
    )
    .unwrap();
    std::fs::write(
        corpus.join("list.jsonl"),
        "{\"input\": \"speech/anna.flac\", \"output\": \"voice/anna\", \"bitrate\": \"8k\", \"loss\": 10, \"fec\": true}\n\
         {\"input\": \"band.wav\", \"bitrate\": \"50k..64k\", \"loss\": null}\n",
    )
    .unwrap();
    let (from_csv, from_json) = (dir.path().join("csv"), dir.path().join("json"));
    for (manifest, out) in [("list.csv", &from_csv), ("list.jsonl", &from_json)] {
        let (code, said) = batch(&corpus.join(manifest), out, &["--flac", "--record", "--difference"]);
        assert_eq!(code, Some(0), "{said}");
    }
    let table = rows(&from_csv.join("results.jsonl"));
    assert_eq!(rows(&from_json.join("results.jsonl")), table);
    let names: Vec<&str> = table.iter().map(|row| row.path.as_str()).collect();
    assert_eq!(names, ["voice/anna", "band.wav"], "the manifest's order");
    // The flags draw 12k..48k and 0..15 % without FEC; the rows' own values win.
    assert_eq!((table[0].bitrate_bps, table[0].loss_percent, table[0].fec), (8_000, 10.0, true));
    assert!(!table[1].fec && (50_000..=64_000).contains(&table[1].bitrate_bps), "{:?}", table[1]);
    for output in ["voice/anna.flac", "voice/anna.difference.flac", "voice/anna.opus", "band.flac", "band.opus"] {
        assert!(from_csv.join(output).is_file(), "{output} is missing");
        assert_eq!(
            std::fs::read(from_csv.join(output)).unwrap(),
            std::fs::read(from_json.join(output)).unwrap(),
            "{output}"
        );
    }
    let anna = roundtrip_app::audio_file::InputFile::open(&from_csv.join("voice/anna.flac")).unwrap();
    assert_eq!((anna.seconds(), anna.format()), (1.0, WavFormat::Int16));
    let (_, said) = batch(&corpus.join("list.csv"), &from_csv, &["--flac", "--record", "--difference"]);
    assert!(said.contains("2 files: 0 rendered, 2 already done"), "{said}");
    std::fs::remove_file(from_csv.join("band.opus")).unwrap();
    let (_, said) = batch(&corpus.join("list.csv"), &from_csv, &["--flac", "--record", "--difference"]);
    assert!(said.contains("2 files: 1 rendered, 1 already done"), "an output asked for was missing: {said}");
    // Outputs of other runs are not taken for this one's: WAV and FLAC renders share their stats'
    // name, and a render without --record drops the recording of an earlier one.
    let (_, said) = batch(&corpus.join("list.csv"), &from_csv, &["--complexity", "4"]);
    assert!(said.contains("2 files: 2 rendered"), "{said}");
    assert!(!from_csv.join("band.opus").exists(), "a recording outlived its render");
    let (_, said) = batch(&corpus.join("list.csv"), &from_csv, &["--flac", "--complexity", "4"]);
    assert!(said.contains("2 files: 2 rendered"), "the FLACs of another render were reused: {said}");
    let (_, said) = batch(&corpus.join("list.csv"), &from_csv, &["--complexity", "4", "--record"]);
    assert!(said.contains("2 files: 2 rendered"), "the WAVs' stats are the FLACs' now: {said}");

    // The network's delays are the batch's: late packets have their column.
    let late_out = dir.path().join("late");
    let (code, said) = batch(&corpus.join("list.csv"), &late_out, &["--jitter", "20ms", "--playout", "40ms"]);
    assert_eq!(code, Some(0), "{said}");
    let late: Vec<Option<u64>> = rows(&late_out.join("results.jsonl")).iter().map(|row| row.packets_late).collect();
    assert!(late.iter().all(|count| count.is_some_and(|count| count > 0)), "{late:?}");

    // Faults in a manifest stop the batch before any work, naming the line.
    let out = dir.path().join("refused");
    for (text, expected) in [
        ("input\nspeech/gone.flac\n", "line 2: the input"),
        ("input,bitrat\nband.wav,12k\n", "unknown column 'bitrat'"),
        ("input,output\nband.wav,../escape.wav\n", "must be a relative path inside the output folder"),
        ("input,frame\nband.wav,15ms\n", "line 2: frame: 15ms is not an Opus frame"),
        ("input,output\nband.wav,band.opus\n", "must be a .wav or .flac name"),
        ("input,output\nband.wav,same\nspeech/anna.flac,same\n", "would both write"),
        ("input,output,Input\nband.wav,a,band.wav\n", "the column 'input' comes twice"),
        // The flags draw a burst, which only bursty loss has.
        (
            "input,loss_model\nband.wav,realistic\n",
            "band.wav: a burst needs bursty loss, but the loss model is realistic",
        ),
        ("input\n", "lists no files"),
    ] {
        std::fs::write(corpus.join("bad.csv"), text).unwrap();
        let (code, said) = batch(&corpus.join("bad.csv"), &out, &[]);
        assert_eq!(code, Some(EXIT_USAGE), "{text}: {said}");
        assert!(said.contains(expected), "expected '{expected}' in: {said}");
    }
    // An output over an input, also through '..' and in another shard than the input's.
    std::fs::write(corpus.join("bad.csv"), "input,output\nspeech/anna.flac,band.wav\nband.wav,b\n").unwrap();
    for (out, shard) in [(corpus.clone(), "0/2"), (corpus.join("speech/.."), "0/2"), (corpus.clone(), "1/2")] {
        let (code, said) = batch(&corpus.join("bad.csv"), &out, &["--shard", shard]);
        assert_eq!(code, Some(EXIT_USAGE), "{said}");
        assert!(said.contains("would overwrite the input of 'b'"), "{said}");
    }
    assert!(!out.exists(), "a refused batch wrote something");
}

/// Every codec and network flag that render takes, batch takes too, fixed for every file: each
/// file's output is byte for byte render's with the same settings.
#[test]
fn batch_takes_renders_codec_and_network_flags_and_renders_as_render_does() {
    let dir = folder();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let input = music_file(&corpus, "one.wav", 48_000, 1.0, WavFormat::Int16);
    let trace = dir.path().join("trace.txt");
    std::fs::write(&trace, "0 0 1 0 0 0 1 1 0 0").unwrap();
    let fixed = [
        "--bitrate",
        "24k",
        "--application",
        "VOIP",
        "--bandwidth",
        "wb",
        "--rate-control",
        "cbr",
        "--dtx",
        "--force-mono",
        "--gain",
        "-3",
        "--fec",
        "--expect-loss",
        "10%",
        "--decoder-complexity",
        "6",
        "--loss-trace",
        trace.to_str().unwrap(),
    ];
    let out = dir.path().join("out");
    let mut args = vec!["batch", corpus.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q", "-j", "1"];
    args.extend(fixed);
    let result = app(&args);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let rendered = dir.path().join("render.wav");
    let mut args = vec!["render", input.to_str().unwrap(), "-o", rendered.to_str().unwrap(), "-q"];
    args.extend(fixed);
    let result = app(&args);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    assert_eq!(std::fs::read(out.join("one.wav")).unwrap(), std::fs::read(&rendered).unwrap());
    let stats = roundtrip_app::stats::RenderStats::load(&out.join("one.stats.json")).unwrap();
    assert_eq!((stats.settings.output_gain_db, stats.packets_lost > 0), (-3.0, true), "{stats:?}");
    // The results say the fixed settings, the file's format and the render's warnings.
    let row = &rows(&out.join("results.jsonl"))[0];
    assert_eq!(
        (row.bandwidth.as_str(), row.rate_control.as_str(), row.dtx, row.force_mono, row.gain_db),
        ("wb", "cbr", true, true, -3.0)
    );
    assert_eq!((row.sample_rate_hz, row.channels), (Some(48_000), Some(stats.channels)));
    let joined = (!stats.warnings.is_empty()).then(|| stats.warnings.join(" | "));
    assert_eq!(row.warnings, joined);
}

/// A batch whose file draws a warning has it in its row.
#[test]
fn a_renders_warnings_are_in_its_row() {
    let dir = folder();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    music_file(&corpus, "one.wav", 44_100, 1.0, WavFormat::Int16);
    let out = dir.path().join("out");
    let args = ["batch", corpus.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q", "--fec", "--bitrate", "64k"];
    let result = app(&args);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let said = String::from_utf8_lossy(&result.stdout);
    assert!(said.contains("on 1 worker\n"), "{said}");
    let row = &rows(&out.join("results.jsonl"))[0];
    assert_eq!((row.sample_rate_hz, row.channels), (Some(44_100), Some(2)));
    let warnings = row.warnings.as_deref().unwrap_or_default();
    assert!(warnings.starts_with("FEC is on, but the encoder sends none: it is told to expect no loss"), "{warnings}");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",warnings") && csv.contains("told to expect no loss"), "{csv}");
}
