//! `render` end to end: reproducible with a seed, exactly the input's length, an Ogg Opus
//! recording that parses back and decodes (with our decoder, and with opusdec) to the same audio,
//! and loss traces that replay a render's losses exactly.

mod common;

use std::path::Path;

use roundtrip_app::ogg_opus;
use roundtrip_app::stats::RenderStats;
use roundtrip_app::wav::{self, WavFormat};
use roundtrip_codec::{Channels, Decoder};
use roundtrip_signal::measure;

use common::{app, folder, music_file, speech_file};

/// Renders `input` into `output` with `extra` flags; returns the summary.
fn render(input: &Path, output: &Path, extra: &[&str]) -> String {
    let mut args = vec!["render", input.to_str().unwrap(), "-o", output.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    let result = app(&args);
    assert!(result.status.success(), "render failed: {}", String::from_utf8_lossy(&result.stderr));
    String::from_utf8_lossy(&result.stdout).into_owned()
}

#[test]
fn a_seeded_render_is_reproducible_and_as_long_as_its_input() {
    let dir = folder();
    // 44.1 kHz: the engine resamples, the longest latency path.
    let input = music_file(dir.path(), "in.wav", 44_100, 3.0, WavFormat::Int16);
    let flags = ["--bitrate", "24k", "--loss", "10%", "--burst", "3", "--fec", "--seed", "7", "--application", "voip"];
    let (first, second) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    render(&input, &first, &flags);
    render(&input, &second, &flags);
    assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap(), "same seed, different output");

    let (original, _) = wav::read(&input).unwrap();
    let (decoded, format) = wav::read(&first).unwrap();
    assert_eq!(format, WavFormat::Int16, "the output keeps the input's format");
    assert_eq!(decoded.samples.len(), original.samples.len());
    assert_eq!(decoded.sample_rate_hz, 44_100);

    let stats = RenderStats::load(&RenderStats::path_for(&first)).unwrap();
    assert!(stats.packets_lost > 0 && stats.recovered_fec > 0, "{stats:?}");
    let count = |fate| stats.fates.chars().filter(|&c| c == fate).count() as u64;
    assert_eq!(count('F'), stats.recovered_fec, "the loss pattern agrees with the counters");

    // Another seed, another loss pattern.
    let third = dir.path().join("c.wav");
    let other_seed =
        ["--bitrate", "24k", "--loss", "10%", "--burst", "3", "--fec", "--seed", "8", "--application", "voip"];
    render(&input, &third, &other_seed);
    assert_ne!(std::fs::read(&first).unwrap(), std::fs::read(&third).unwrap());
}

#[test]
fn the_recording_parses_back_and_decodes_to_the_rendered_audio() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 2.0, WavFormat::Float32);
    let (output, opus) = (dir.path().join("out.wav"), dir.path().join("out.opus"));
    render(&input, &output, &["--bitrate", "96k", "--record", opus.to_str().unwrap()]);

    let stats = RenderStats::load(&RenderStats::path_for(&output)).unwrap();
    let stream = ogg_opus::read(std::fs::File::open(&opus).unwrap()).unwrap();
    assert_eq!(stream.packets.len() as u64, stats.packets_recorded);
    // 2 s of 20 ms packets, plus the one that carries the encoder's lookahead.
    assert_eq!(stream.packets.len(), 101);
    assert_eq!(stream.head.channels, 2);
    assert_eq!(stream.head.pre_skip, 312, "libopus's lookahead at 48 kHz");
    assert_eq!(stream.final_granule - u64::from(stream.head.pre_skip), 96_000, "end trimming to the input");

    // Our decoder, fed the file's packets, gives the rendered audio sample for sample.
    let mut decoder = Decoder::new(48_000, Channels::Stereo).unwrap();
    let mut decoded = Vec::new();
    let mut frame = vec![0.0f32; 5760 * 2];
    for packet in &stream.packets {
        let samples = decoder.decode_float(Some(packet), &mut frame, false).unwrap();
        decoded.extend_from_slice(&frame[..samples * 2]);
    }
    let skip = usize::from(stream.head.pre_skip) * 2;
    let (rendered, _) = wav::read(&output).unwrap();
    let from_file = &decoded[skip..skip + rendered.samples.len()];
    let worst = from_file.iter().zip(&rendered.samples).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst <= 1e-6, "file and render differ by up to {worst}");
}

#[test]
fn opusdec_plays_the_recording() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 2.0, WavFormat::Int24);
    let (output, opus) = (dir.path().join("out.wav"), dir.path().join("out.opus"));
    render(&input, &output, &["--bitrate", "128k", "--record", opus.to_str().unwrap()]);
    let played = dir.path().join("opusdec.wav");
    let status = std::process::Command::new("opusdec")
        .args(["--quiet", "--float"])
        .arg(&opus)
        .arg(&played)
        .status()
        .expect("opusdec is missing: run `cargo xtask setup` (Debian package opus-tools)");
    assert!(status.success());
    let mut reader = hound::WavReader::open(&played).unwrap();
    assert_eq!((reader.spec().sample_rate, reader.spec().channels), (48_000, 2));
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    let (rendered, _) = wav::read(&output).unwrap();
    assert_eq!(samples.len(), rendered.samples.len(), "opusdec trims to the input's length");
    // opusdec decodes the same packets; only the 24-bit rounding of our WAV separates them.
    let snr = measure::snr_db(&samples, &rendered.samples);
    assert!(snr > 80.0, "opusdec's audio differs from the render: {snr:.1} dB");
}

#[test]
fn a_mono_file_at_a_low_rate_renders_to_its_own_length_and_rate() {
    let dir = folder();
    let audio = roundtrip_app::wav::Audio {
        sample_rate_hz: 16_000,
        channels: 1,
        samples: roundtrip_signal::test_signal::speech(16_000, 1.5),
    };
    let input = dir.path().join("voice.wav");
    wav::write(&input, &audio, WavFormat::Int16).unwrap();
    let (output, opus) = (dir.path().join("out.wav"), dir.path().join("out.opus"));
    render(&input, &output, &["--bitrate", "12k", "--application", "voip", "--record", opus.to_str().unwrap()]);
    let (decoded, _) = wav::read(&output).unwrap();
    assert_eq!((decoded.sample_rate_hz, decoded.channels, decoded.samples.len()), (16_000, 1, audio.samples.len()));
    let stream = ogg_opus::read(std::fs::File::open(&opus).unwrap()).unwrap();
    assert_eq!((stream.head.channels, stream.head.input_rate_hz), (1, 16_000));
    // 1.5 s at 16 kHz is 72,000 samples at Opus's 48 kHz granule rate.
    assert_eq!(stream.final_granule - u64::from(stream.head.pre_skip), 72_000);
    assert!(measure::snr_db(&audio.samples, &decoded.samples) > 3.0, "the voice did not come through");
}

#[test]
fn every_wav_format_reads_back_as_written() {
    let dir = folder();
    for (format, tolerance) in [
        (WavFormat::Int8, 1.0 / 128.0),
        (WavFormat::Int16, 1.0 / 32_768.0),
        (WavFormat::Int24, 1.0 / 8_388_608.0),
        (WavFormat::Int32, 1e-7),
        (WavFormat::Float32, 0.0),
    ] {
        let path = music_file(dir.path(), &format!("{format:?}.wav"), 16_000, 0.25, format);
        let (audio, read_format) = wav::read(&path).unwrap();
        assert_eq!(read_format, format);
        let expected = roundtrip_signal::test_signal::music(16_000, 2, 0.25);
        let worst = audio.samples.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst <= tolerance, "{format:?}: off by {worst}");
        assert_eq!(audio.samples.len(), expected.len());
    }
}

#[test]
fn files_at_1_khz_and_768_khz_render_to_their_own_length_and_rate() {
    let dir = folder();
    for rate in [1_000, 768_000] {
        let input = music_file(dir.path(), &format!("in-{rate}.wav"), rate, 1.0, WavFormat::Int24);
        let output = dir.path().join(format!("out-{rate}.wav"));
        render(&input, &output, &["--bitrate", "64k"]);
        let ((original, _), (decoded, format)) = (wav::read(&input).unwrap(), wav::read(&output).unwrap());
        assert_eq!((format, decoded.sample_rate_hz), (WavFormat::Int24, rate));
        assert_eq!(decoded.samples.len(), original.samples.len(), "{rate} Hz");
        let energy: f64 = decoded.samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
        assert!(energy > 1.0, "{rate} Hz: silent render ({energy})");
    }
}

#[test]
fn a_written_delay_trace_replays_the_late_packets_exactly_and_the_stats_keep_every_delay() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 3.0, WavFormat::Int16);
    let trace = dir.path().join("delays.txt");
    let trace_arg = trace.to_str().unwrap();
    let codec = ["--bitrate", "32k", "--fec", "--application", "voip", "--expect-loss", "10", "--playout", "40ms"];
    let drawn = dir.path().join("drawn.wav");
    let network = ["--loss", "10", "--jitter", "8ms", "--spikes", "2%", "--seed", "4", "--write-trace", trace_arg];
    render(&input, &drawn, &[&codec[..], &network[..]].concat());
    let replayed = dir.path().join("replayed.wav");
    render(&input, &replayed, &[&codec[..], &["--delay-trace", trace_arg]].concat());
    assert_eq!(std::fs::read(&drawn).unwrap(), std::fs::read(&replayed).unwrap(), "the replay differs");

    let [drawn, replayed] = [drawn, replayed].map(|path| RenderStats::load(&RenderStats::path_for(&path)).unwrap());
    assert!(drawn.packets_late > 5 && drawn.packets_lost > 1, "{drawn:?}");
    assert_eq!((replayed.packets_late, replayed.packets_lost), (drawn.packets_late, drawn.packets_lost));
    assert_eq!(replayed.fates, drawn.fates);
    assert!(replayed.settings.loss_trace.as_ref().is_some_and(|record| record.delays));
    // Every covering packet's delay: lost ones null, late ones beyond the deadline (2 frames).
    let network = drawn.network_delays.as_ref().expect("the delays of a jittered render");
    assert_eq!(network.deadline_ms, 40.0);
    assert_eq!(network.delays_ms.len() as u64, drawn.packets_sent);
    assert_eq!(network.delays_ms.iter().filter(|delay| delay.is_none()).count() as u64, drawn.packets_lost);
    let late = network.delays_ms.iter().flatten().filter(|&&delay| delay > network.deadline_ms).count();
    assert_eq!(late as u64, drawn.packets_late);
    assert_eq!(replayed.network_delays.as_ref(), Some(network));
    let text = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(text.lines().count() as u64, drawn.packets_sent + drawn.packets_flushed);
    assert!(text.lines().any(|line| line == "lost"));

    // A loss pattern given as delays reads (0 and 1 ms are delays), and the render says so.
    let pattern = dir.path().join("pattern.txt");
    std::fs::write(&pattern, "0 0 1 0\n").unwrap();
    let misread = dir.path().join("misread.wav");
    render(&input, &misread, &["--delay-trace", pattern.to_str().unwrap()]);
    let stats = RenderStats::load(&RenderStats::path_for(&misread)).unwrap();
    assert!(stats.warnings.iter().any(|warning| warning.contains("--loss-trace")), "{:?}", stats.warnings);
}

#[test]
fn a_written_trace_replays_the_render_exactly_and_opus_demo_files_read_the_same_but_repeat() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 44_100, 2.0, WavFormat::Int16);
    let trace = dir.path().join("pattern.txt");
    let trace_arg = trace.to_str().unwrap();
    let codec = ["--bitrate", "24k", "--fec", "--dred", "100ms", "--application", "voip", "--expect-loss", "12"];
    let drawn = dir.path().join("drawn.wav");
    let model = ["--loss", "12", "--burst", "2", "--seed", "9", "--write-trace", trace_arg];
    render(&input, &drawn, &[&codec[..], &model[..]].concat());
    let replayed = dir.path().join("replayed.wav");
    render(&input, &replayed, &[&codec[..], &["--loss-trace", trace_arg]].concat());
    assert_eq!(std::fs::read(&drawn).unwrap(), std::fs::read(&replayed).unwrap(), "the replay differs");

    // One line per packet sent, the flushing ones too; the covering ones lose what the stats say.
    let [drawn, replayed] = [drawn, replayed].map(|path| RenderStats::load(&RenderStats::path_for(&path)).unwrap());
    let text = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, drawn.packets_sent + drawn.packets_flushed);
    let covering_lost = lines[..drawn.packets_sent as usize].iter().filter(|&&line| line == "1").count();
    assert_eq!(covering_lost as u64, drawn.packets_lost);
    assert!(drawn.packets_lost > 5 && drawn.recovered_fec + drawn.recovered_dred > 0, "{drawn:?}");
    assert_eq!(replayed.fates, drawn.fates);
    assert_eq!(replayed.settings.loss_model, "trace");
    assert_eq!(replayed.settings.loss_trace.as_ref().map(|record| record.packets), Some(lines.len()));
    assert!(replayed.warnings.iter().all(|warning| !warning.contains("repeated")), "{:?}", replayed.warnings);

    // opus_demo's form: integers in any whitespace, every non-zero one lost. Where opus_demo
    // loses nothing after the file's end, a trace repeats over the whole render, and says so.
    let short = dir.path().join("short-loss.txt");
    std::fs::write(&short, "0 0 1\n-1\t0\n").unwrap();
    let output = dir.path().join("short.wav");
    let result = app(&[
        "render",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "-q",
        "--loss-trace",
        short.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let summary = String::from_utf8_lossy(&result.stdout);
    assert!(summary.contains("loss trace short-loss.txt (2 of 5 packets lost)"), "{summary}");
    assert!(summary.contains("it repeated from its start"), "{summary}");
    let stats = RenderStats::load(&RenderStats::path_for(&output)).unwrap();
    assert!(stats.fates.len() > 90, "{}", stats.fates);
    for (index, fate) in stats.fates.chars().enumerate() {
        assert_eq!(fate == 'x', matches!(index % 5, 2 | 3), "packet {index}: {}", stats.fates);
    }
    assert_eq!(stats.settings.loss_percent, 40.0, "the trace's rate is the loss stated");
}

#[test]
fn late_packets_are_counted_apart_from_lost_ones_and_the_output_keeps_its_length() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 4.0, WavFormat::Int16);
    let output = dir.path().join("late.wav");
    let flags = ["--loss", "5%", "--jitter", "15ms", "--spikes", "2%", "--spike-delay", "150ms", "--playout", "40ms"];
    render(&input, &output, &flags);
    let stats = RenderStats::load(&RenderStats::path_for(&output)).unwrap();
    assert!(stats.packets_late > 0 && stats.packets_lost > 0, "{stats:?}");
    assert_eq!(stats.packets_lost + stats.packets_late, stats.recovered_fec + stats.recovered_dred + stats.concealed);
    assert_eq!((stats.settings.mean_jitter_ms, stats.settings.playout_ms), (15.0, 40));
    assert!(stats.summary().contains(&format!("{} late", stats.packets_late)), "{}", stats.summary());
    assert!(
        stats.description.contains("playout 40 ms, jitter 15 ms, 2 % delay spikes of 150 ms"),
        "{}",
        stats.description
    );
    // Two frames of playout delay on top of the plain latency; the output is the input's length.
    let plain = dir.path().join("plain.wav");
    render(&input, &plain, &["--loss", "5%"]);
    let plain_stats = RenderStats::load(&RenderStats::path_for(&plain)).unwrap();
    assert_eq!(stats.latency_samples, plain_stats.latency_samples + 2 * 960);
    assert_eq!(wav::read(&output).unwrap().0.frames(), wav::read(&input).unwrap().0.frames());
    // The same losses with jitter as without: delays draw from their own stream.
    assert_eq!(stats.packets_lost, plain_stats.packets_lost);
}

#[test]
fn the_codecs_peaks_over_full_scale_are_counted_and_the_headroom_named() {
    let dir = folder();
    // A square-ish wave at the input's full scale: the codec's band limit rings over it.
    let samples: Vec<f32> = (0..48_000 * 2)
        .map(|n| {
            let phase = (n as f32 * 0.013).sin();
            phase.signum() * phase.abs().powf(0.3) * 0.999
        })
        .collect();
    let audio = wav::Audio { sample_rate_hz: 48_000, channels: 1, samples };
    let input = dir.path().join("hot.wav");
    wav::write(&input, &audio, WavFormat::Float32).unwrap();
    let output = dir.path().join("hot-24k.wav");
    let summary = render(&input, &output, &["--bitrate", "24k", "--format", "float32"]);
    let stats = RenderStats::load(&RenderStats::path_for(&output)).unwrap();
    let peaks = stats.quality.and_then(|quality| quality.peaks).expect("the peaks are measured");
    // The figures are the decoded file's own: its samples beyond full scale, counted here.
    let (decoded, _) = wav::read(&output).unwrap();
    let overs = decoded.samples.iter().filter(|sample| sample.abs() > 1.0).count() as u64;
    assert!(overs > 100, "the codec made no overs of a full-scale square: {overs}");
    assert_eq!(peaks.decoded_overs, overs);
    assert_eq!(peaks.input_overs, 0);
    let largest = decoded.samples.iter().fold(0.0f32, |peak, sample| peak.max(sample.abs()));
    assert!((peaks.decoded_sample_peak_dbfs - 20.0 * f64::from(largest).log10()).abs() < 1e-9);
    assert!(peaks.decoded_true_peak_dbtp >= peaks.decoded_sample_peak_dbfs);
    assert!(peaks.input_true_peak_dbtp >= peaks.input_sample_peak_dbfs);
    assert!(summary.contains(&format!("{overs} samples over full scale")), "{summary}");
    assert!(summary.contains(&format!("lower the input by {:.1} dB", peaks.decoded_true_peak_dbtp)), "{summary}");
}

#[test]
fn per_band_levels_show_the_band_limit_and_keep_the_bands_below_it() {
    use roundtrip_signal::bands::BandMap;
    use roundtrip_signal::spectrum::SpectrumAnalyser;
    let dir = folder();
    let music = roundtrip_signal::test_signal::music(48_000, 1, 3.0);
    let audio = wav::Audio { sample_rate_hz: 48_000, channels: 1, samples: music };
    let input = dir.path().join("music.wav");
    wav::write(&input, &audio, WavFormat::Float32).unwrap();
    let output = dir.path().join("music-wideband.wav");
    render(&input, &output, &["--bitrate", "32k", "--bandwidth", "wb", "--format", "float32"]);
    // The whole file's mean power spectrum in dB.
    let mean_spectrum = |path: &Path| {
        let (audio, _) = wav::read(path).unwrap();
        let left = audio.samples;
        let mut analyser = SpectrumAnalyser::new(1_024);
        let mut power = vec![0.0f64; analyser.bins()];
        let windows = left.chunks_exact(1_024).count();
        for window in left.chunks_exact(1_024) {
            analyser.analyse(window.iter().copied());
            for (sum, db) in power.iter_mut().zip(analyser.levels_dbfs()) {
                *sum += 10f64.powf(f64::from(db) / 10.0) / windows as f64;
            }
        }
        power.iter().map(|&p| (10.0 * p.log10()) as f32).collect::<Vec<f32>>()
    };
    let (reference, decoded) = (mean_spectrum(&input), mean_spectrum(&output));
    let map = BandMap::new(reference.len(), 48_000.0 / 1_024.0);
    let mut bands = vec![0.0; map.len()];
    map.difference_db(&reference, &decoded, -140.0, &mut bands);
    // Wideband keeps up to 8 kHz: the bands below are the input's within half a dB, those from
    // 10 kHz up are gone (measured: 0.2 dB at most below, 56 dB and more gone above).
    for (band, &db) in bands.iter().enumerate() {
        let hz = map.centre_hz(band);
        if hz < 7_000.0 {
            assert!(db.abs() < 0.5, "{hz:.0} Hz: {db:.1} dB");
        } else if hz > 9_000.0 {
            assert!(db < -40.0, "{hz:.0} Hz: {db:.1} dB");
        }
    }
}

#[test]
fn the_summary_and_stats_name_the_mode_libopus_chose_and_dred_moves_speech_to_hybrid() {
    let dir = folder();
    let audio =
        wav::Audio { sample_rate_hz: 48_000, channels: 1, samples: roundtrip_signal::test_signal::speech(48_000, 3.0) };
    let input = dir.path().join("voice.wav");
    wav::write(&input, &audio, WavFormat::Int16).unwrap();
    let (plain, dred) = (dir.path().join("plain.wav"), dir.path().join("dred.wav"));
    let plain_summary = render(&input, &plain, &["--bitrate", "64k"]);
    // Nothing lost: only the encoder is told to expect loss, or it sends no redundancy.
    let dred_summary = render(&input, &dred, &["--bitrate", "64k", "--dred", "100ms", "--expect-loss", "10"]);
    assert!(plain_summary.contains("  coded      CELT 100 % · FB 100 %\n"), "{plain_summary}");
    let coded_line = dred_summary.lines().find(|line| line.starts_with("  coded ")).unwrap_or_default();
    assert!(coded_line.starts_with("  coded      hybrid "), "{dred_summary}");
    for output in [&plain, &dred] {
        let stats = RenderStats::load(&RenderStats::path_for(output)).unwrap();
        let coded = stats.coded.expect("the stats count the modes");
        assert_eq!(coded.silk + coded.hybrid + coded.celt, stats.packets_sent, "{coded:?}");
        let bandwidths = coded.narrowband + coded.mediumband + coded.wideband + coded.superwideband + coded.fullband;
        assert_eq!(bandwidths, stats.packets_sent, "{coded:?}");
    }
    let stats = RenderStats::load(&RenderStats::path_for(&dred)).unwrap();
    assert!(stats.coded.is_some_and(|coded| coded.hybrid > coded.celt), "{:?}", stats.coded);

    // Stats written before the modes were counted still read, without the line.
    let path = RenderStats::path_for(&plain);
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("coded").expect("the stats have the field");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let old = RenderStats::load(&path).unwrap();
    assert_eq!(old.coded, None);
    assert!(!old.summary().contains("\n  coded "), "{}", old.summary());
}

/// `-` is standard input and output, as in sox and ffmpeg; `/dev/stdin` on a pipe reads too. The
/// audio is byte for byte a render from and to files, and the words go to standard error.
#[cfg(unix)]
#[test]
fn standard_input_and_output_render_as_files_do() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 44_100, 1.0, WavFormat::Int16);
    let reference = dir.path().join("reference.wav");
    render(&input, &reference, &["--bitrate", "24k"]);
    let expected = std::fs::read(&reference).unwrap();
    let piped = |source: &str, output: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_opus-roundtrip"))
            .args(["render", source, "-o", output, "-q", "--bitrate", "24k"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let bytes = std::fs::read(&input).unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&bytes));
        let result = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(result.status.success(), "{source} -> {output}: {}", String::from_utf8_lossy(&result.stderr));
        result
    };
    let both = piped("-", "-");
    assert_eq!(both.stdout, expected, "stdin to stdout");
    assert!(String::from_utf8_lossy(&both.stderr).contains("wrote      standard output"));
    piped("/dev/stdin", "from-pipe.wav");
    assert_eq!(std::fs::read(dir.path().join("from-pipe.wav")).unwrap(), expected, "/dev/stdin on a pipe");
    assert!(!dir.path().join("-.stats.json").exists());
}

/// The output gain comes after the decoder: the quality figures compare the codec's output with
/// the input as the encoder received it, and the headroom line blames the gain for its overs.
#[test]
fn the_output_gain_changes_no_quality_figure_and_takes_the_blame_for_its_overs() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 2.0, WavFormat::Float32);
    let quality_at = |gain: &str| {
        let output = dir.path().join(format!("gain{gain}.wav"));
        let summary = render(&input, &output, &["--gain", gain]);
        (RenderStats::load(&RenderStats::path_for(&output)).unwrap().quality.unwrap(), summary)
    };
    let (unity, _) = quality_at("0");
    for gain in ["-6", "6", "18"] {
        let (quality, summary) = quality_at(gain);
        assert!((quality.snr_db - unity.snr_db).abs() < 0.05, "{gain}: {} against {}", quality.snr_db, unity.snr_db);
        assert!((quality.spectral_snr_db - unity.spectral_snr_db).abs() < 0.05, "{gain}");
        assert!((quality.input_rms_dbfs - unity.input_rms_dbfs).abs() < 0.01, "{gain}");
        assert!((quality.difference_rms_dbfs - unity.difference_rms_dbfs).abs() < 0.05, "{gain}");
        let peaks = quality.peaks.unwrap();
        if peaks.decoded_true_peak_dbtp > 0.0 && unity.peaks.unwrap().decoded_true_peak_dbtp <= 0.0 {
            assert!(summary.contains("the output gain (+18.0 dB) takes the decoded peaks over"), "{summary}");
            assert!(!summary.contains("the codec's peaks go over"), "{summary}");
            assert!(!summary.contains("lower the input"), "{summary}");
        }
    }
    let (loud, _) = quality_at("18");
    assert!(loud.peaks.unwrap().decoded_true_peak_dbtp > 0.0, "+18 dB should go over: {loud:?}");
}

/// `report` takes the stats file as well as the render it sits beside.
#[test]
fn report_reads_a_render_from_its_stats_file() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 1.0, WavFormat::Int16);
    let output = dir.path().join("out.wav");
    render(&input, &output, &[]);
    let stats = RenderStats::path_for(&output);
    let by_stats = app(&["report", stats.to_str().unwrap(), "--no-png"]);
    let by_render = app(&["report", output.to_str().unwrap(), "--no-png"]);
    assert!(by_stats.status.success(), "{}", String::from_utf8_lossy(&by_stats.stderr));
    assert_eq!(by_stats.stdout, by_render.stdout);
}

#[test]
fn the_adaptive_receiver_counts_its_stretches_plots_its_delay_and_replays_from_its_trace() {
    let dir = folder();
    let input = speech_file(dir.path(), "speech.wav", 16_000, 12.0);
    let trace = dir.path().join("delays.txt");
    let receiver = ["--application", "voip", "--bitrate", "24k", "--receiver", "adaptive", "--max-delay", "160ms"];
    let drawn = dir.path().join("drawn.wav");
    let network = ["--jitter", "12ms", "--seed", "2", "--write-trace", trace.to_str().unwrap()];
    let summary = render(&input, &drawn, &[&receiver[..], &network[..]].concat());
    let stats = RenderStats::load(&RenderStats::path_for(&drawn)).unwrap();
    let stretch = stats.time_stretch.expect("an adaptive receiver's record");
    assert!(stretch.expansions > 0 && stretch.added_ms > 0.0, "{stretch:?}");
    assert!(stretch.mean_delay_ms > 20.0 && stretch.mean_delay_ms <= 160.0, "{stretch:?}");
    assert!(summary.contains("receiver   adaptive,") && summary.contains("SNR        not comparable"), "{summary}");
    assert!(summary.contains("--receiver adaptive --min-delay 20ms --max-delay 160ms"), "{summary}");
    let network_delays = stats.network_delays.as_ref().expect("the delays of a jittered render");
    let receiver_delays = network_delays.receiver_delay_ms.as_ref().expect("the receiver's delay per frame");
    assert_eq!(receiver_delays.len(), network_delays.delays_ms.len());
    assert!(receiver_delays.iter().all(|&delay| (20.0..=160.0).contains(&delay)));
    // The latency reported is the maximum's: 160 ms more than a fixed receiver's that waits nothing.
    let fixed = dir.path().join("fixed.wav");
    render(&input, &fixed, &["--application", "voip", "--bitrate", "24k"]);
    let fixed_latency = RenderStats::load(&RenderStats::path_for(&fixed)).unwrap().latency_samples;
    assert_eq!(stats.latency_samples - fixed_latency, 160 * 16);
    let replayed = dir.path().join("replayed.wav");
    let replay = ["--delay-trace", trace.to_str().unwrap(), "--expect-loss", "0%", "--min-delay", "20ms"];
    render(&input, &replayed, &[&receiver[..], &replay[..]].concat());
    assert_eq!(std::fs::read(&drawn).unwrap(), std::fs::read(&replayed).unwrap(), "the replay played something else");
}
