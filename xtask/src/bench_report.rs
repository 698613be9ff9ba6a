//! Runs the criterion benchmarks and turns their estimates into the ratios our issues ask for:
//! our code's time over raw libopus's time on the same frames, from the same run.

use std::path::Path;
use std::time::SystemTime;

use test_support::paired_timing::{PAIRED_DIR_VAR, PAIRED_FILE};

/// A comparison: the benchmark id of our code and of its baseline (raw libopus; one chain for
/// A/B), within a group.
struct Ratio {
    group: &'static str,
    ours: &'static str,
    baseline: &'static str,
    /// The largest acceptable ratio, from the issue that asked for it.
    limit: Limit,
}

/// A ratio's limit: a number, or one measured in the same run.
#[derive(Clone, Copy)]
enum Limit {
    Fixed(f64),
    /// The 48 kHz engine's limit plus the share of raw libopus that the cheapest resamplers
    /// meeting today's bar cost, one each way (`resampler-bench`, issue 30): the engine may cost
    /// what its parts cost and no more.
    EnginePlusResamplers,
}

/// Where `resampler-bench` writes the cheapest pair's share of libopus.
const RESAMPLER_SHARE_GROUP: &str = "resamplers_44k1_stereo";

/// The limit of the engine at 48 kHz, which [`Limit::EnginePlusResamplers`] builds on.
const ENGINE_48K_LIMIT: f64 = 1.03;

impl Limit {
    /// The number, or `None` where the measurement it needs was not run this time.
    fn value(self, criterion_dir: &Path, since: SystemTime) -> Option<f64> {
        match self {
            Self::Fixed(limit) => Some(limit),
            Self::EnginePlusResamplers => {
                let path = criterion_dir.join(RESAMPLER_SHARE_GROUP).join(PAIRED_FILE);
                let share: f64 = read_since(&path, since).ok()?.trim().parse().ok()?;
                Some(ENGINE_48K_LIMIT + share)
            }
        }
    }
}

const RATIOS: &[Ratio] = &[
    Ratio { group: "codec_20ms_stereo_64k", ours: "ours", baseline: "raw_libopus", limit: Limit::Fixed(1.02) },
    Ratio { group: "codec_10ms_stereo_64k", ours: "ours", baseline: "raw_libopus", limit: Limit::Fixed(1.02) },
    Ratio { group: "codec_2_5ms_stereo_64k", ours: "ours", baseline: "raw_libopus", limit: Limit::Fixed(1.02) },
    // Issue 11 asks for 1.03 at 48 kHz, held to the ratio timed in alternation; not met
    // (1.033–1.050 over several runs), so `bench` says so. Its 1.15 at 44.1 kHz became libopus
    // plus the cheapest resamplers that meet today's bar (issue 30), measured in the same run.
    Ratio {
        group: "engine_48k_stereo_20ms_64k",
        ours: "engine",
        baseline: "raw_libopus",
        limit: Limit::Fixed(ENGINE_48K_LIMIT),
    },
    Ratio {
        group: "engine_44k1_stereo_20ms_64k",
        ours: "engine",
        baseline: "raw_libopus",
        limit: Limit::EnginePlusResamplers,
    },
    // Issue 13: an A/B comparison costs at most its two chains.
    Ratio { group: "a_b_48k_stereo_20ms_64k", ours: "two_chains", baseline: "one_chain", limit: Limit::Fixed(2.05) },
    Ratio { group: "a_b_44k1_stereo_20ms_64k", ours: "two_chains", baseline: "one_chain", limit: Limit::Fixed(2.05) },
    Ratio { group: "plugin_48k_stereo_20ms_64k", ours: "clap_host", baseline: "engine", limit: Limit::Fixed(1.05) },
    Ratio { group: "render_48k_stereo_20ms_64k", ours: "render", baseline: "raw_libopus", limit: Limit::Fixed(1.10) },
];

/// Seconds of audio in one iteration of the render group (its benchmark renders a 10 s file).
const RENDER_SECONDS: f64 = 10.0;

/// The text of `path` if it was written at `since` or later: a group that a filtered run skipped
/// keeps an earlier run's files, which must not be reported as this run's.
fn read_since(path: &Path, since: SystemTime) -> Result<String, String> {
    let modified = std::fs::metadata(path).and_then(|metadata| metadata.modified());
    let modified = modified.map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    if modified < since {
        return Err(format!("{} is from an earlier run", path.display()));
    }
    std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
}

/// The mean time in nanoseconds that criterion estimated for `group/id`, written `since`.
fn mean_ns(criterion_dir: &Path, group: &str, id: &str, since: SystemTime) -> Result<f64, String> {
    let path = criterion_dir.join(group).join(id).join("new").join("estimates.json");
    let text = read_since(&path, since)?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| format!("{} is not JSON: {error}", path.display()))?;
    json["mean"]["point_estimate"].as_f64().ok_or_else(|| format!("{} has no mean estimate", path.display()))
}

/// The ratio for `group` timed in alternation with its baseline, where its bench wrote one (see
/// `test-support/src/paired_timing.rs`): steadier than two separate criterion means.
fn paired_ratio(criterion_dir: &Path, group: &str, since: SystemTime) -> Option<f64> {
    read_since(&criterion_dir.join(group).join(PAIRED_FILE), since).ok()?.trim().parse().ok()
}

/// Prints every engine group's cost per second of audio and its real-time factor on one core.
fn print_engine_costs(criterion_dir: &Path, since: SystemTime) {
    let Ok(entries) = std::fs::read_dir(criterion_dir) else { return };
    let mut groups: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("engine_"))
        .collect();
    groups.sort();
    println!(
        "\n{:<44} {:>16} {:>18}",
        "engine group (1 s of audio per iteration)", "µs per second", "real-time factor"
    );
    for group in groups {
        if let Ok(ns) = mean_ns(criterion_dir, &group, "engine", since) {
            println!("{group:<44} {:>16.0} {:>17.0}x", ns / 1e3, 1e9 / ns);
        }
    }
}

/// Prints what the listener models cost per second of audio, against libopus on the same audio,
/// and two live slots' share of a core, each scoring 8 s every 8 s.
fn print_listener_costs(criterion_dir: &Path, since: SystemTime) {
    const GROUP: &str = "listeners_10s_speech_48k";
    const SECONDS: f64 = 10.0;
    let Ok(libopus) = mean_ns(criterion_dir, GROUP, "raw_libopus", since) else { return };
    println!("\n{:<40} {:>16} {:>16}", "listener model (10 s of speech)", "ms per second", "× libopus");
    for id in ["visqol_speech", "visqol_audio", "noise_to_mask", "raw_libopus"] {
        if let Ok(ns) = mean_ns(criterion_dir, GROUP, id, since) {
            println!("{:<40} {:>16.1} {:>15.1}x", format!("{GROUP}/{id}"), ns / SECONDS / 1e6, ns / libopus);
        }
    }
    if let Ok(ns) = mean_ns(criterion_dir, GROUP, "visqol_speech", since) {
        // A live slot scores its last 8 s every 8 s: its share of a core is one score's cost
        // over 8 s, the score of 10 s scaled to 8.
        let share = 2.0 * ns * 0.8 / 8e9;
        println!("two live slots in speech mode (8 s every 8 s): {:.1} % of one core (goal: 10 %)", share * 100.0);
    }
}

/// Prints the offline render's speed in seconds of audio per second of CPU.
fn print_render_speed(criterion_dir: &Path, since: SystemTime) {
    const GROUP: &str = "render_48k_stereo_20ms_64k";
    for id in ["render", "raw_libopus"] {
        if let Ok(ns) = mean_ns(criterion_dir, GROUP, id, since) {
            println!("{GROUP}/{id:<12} {:>8.1} s of audio per CPU second", RENDER_SECONDS * 1e9 / ns);
        }
    }
}

/// Runs the benchmarks (for Windows under Wine with `--windows`) and prints the ratios; fails if
/// a ratio is over its limit on Linux (under Wine the figures are information only).
pub fn run(extra: &[String]) -> Result<(), String> {
    let windows = extra.iter().any(|arg| arg == "--windows");
    let extra = extra.iter().filter(|arg| *arg != "--windows").map(String::as_str);
    // The resampler candidates build C libraries of their own for Linux only (they are measured
    // on the machine that decides, not shipped).
    let mut names =
        vec!["roundtrip-codec", "roundtrip-engine", "roundtrip-quality", "opus-roundtrip", "opus-roundtrip-app"];
    if !windows {
        names.push("resampler-bench");
    }
    let packages = crate::package_args(&names);
    let mut args = vec!["bench"];
    args.extend(packages);
    let linux_dir = crate::target_dir()?.join("criterion");
    // Files older than this are an earlier run's (file times have a coarser grain than this
    // clock on some file systems, hence the second of slack).
    let started = SystemTime::now() - std::time::Duration::from_secs(1);
    let criterion_dir = if windows {
        crate::windows::ensure_target()?;
        let wine = crate::wine::Wine::prepare(&crate::windows::release_dir()?)?;
        let criterion_dir = crate::target_dir()?.join("criterion-windows");
        let mut env = wine.cargo_env();
        env.push(("CRITERION_HOME".to_owned(), criterion_dir.to_string_lossy().into_owned()));
        env.push((PAIRED_DIR_VAR.to_owned(), criterion_dir.to_string_lossy().into_owned()));
        args.extend(["--target", crate::windows::TARGET, "--"]);
        args.extend(extra);
        crate::cargo_with_env(&args, &env)?;
        criterion_dir
    } else {
        args.push("--");
        args.extend(extra);
        crate::cargo_with_env(&args, &[(PAIRED_DIR_VAR, &linux_dir)])?;
        linux_dir.clone()
    };
    print_engine_costs(&criterion_dir, started);
    print_render_speed(&criterion_dir, started);
    print_listener_costs(&criterion_dir, started);
    println!("\n{:<28} {:>14} {:>14} {:>8} {:>8} {:>7}", "group", "ours µs", "base µs", "ratio", "paired", "limit");
    let mut over = Vec::new();
    for ratio in RATIOS {
        let (Ok(ours), Ok(baseline)) = (
            mean_ns(&criterion_dir, ratio.group, ratio.ours, started),
            mean_ns(&criterion_dir, ratio.group, ratio.baseline, started),
        ) else {
            continue; // not run this time
        };
        let paired = paired_ratio(&criterion_dir, ratio.group, started);
        // The limit holds the paired ratio where there is one.
        let value = paired.unwrap_or(ours / baseline);
        let limit = ratio.limit.value(&criterion_dir, started);
        println!(
            "{:<28} {:>14.2} {:>14.2} {:>8.4} {:>8} {:>7}",
            ratio.group,
            ours / 1e3,
            baseline / 1e3,
            ours / baseline,
            paired.map_or_else(|| "-".to_owned(), |paired| format!("{paired:.4}")),
            limit.map_or_else(|| "not run".to_owned(), |limit| format!("{limit:.4}")),
        );
        match limit {
            Some(limit) if value > limit => over.push(ratio.group),
            Some(_) => {}
            None => println!("  (its limit needs `resampler-bench`, which this run filtered out)"),
        }
    }
    if windows {
        print_windows_against_linux(&criterion_dir, started, &linux_dir);
        return Ok(());
    }
    if over.is_empty() { Ok(()) } else { Err(format!("ratio above its limit in: {}", over.join(", "))) }
}

/// Each of our measured items under Wine over the same item in the last Linux run, where both
/// exist (run `cargo xtask bench` first for the Linux figures).
fn print_windows_against_linux(windows_dir: &Path, started: SystemTime, linux_dir: &Path) {
    println!("\n{:<40} {:>14} {:>14} {:>14}", "Windows under Wine / Linux", "Windows µs", "Linux µs", "ratio");
    for ratio in RATIOS {
        for id in [ratio.ours, ratio.baseline] {
            if let (Ok(windows), Ok(linux)) = (
                mean_ns(windows_dir, ratio.group, id, started),
                mean_ns(linux_dir, ratio.group, id, SystemTime::UNIX_EPOCH),
            ) {
                let name = format!("{}/{id}", ratio.group);
                println!("{name:<40} {:>14.2} {:>14.2} {:>14.4}", windows / 1e3, linux / 1e3, windows / linux);
            }
        }
    }
}
