//! Runs the criterion benchmarks and turns their estimates into the ratios our issues ask for:
//! our code's time over raw libopus's time on the same frames, from the same run.

use std::path::Path;

/// A comparison: the benchmark id of our code and of its baseline (raw libopus; one chain for
/// A/B), within a group.
struct Ratio {
    group: &'static str,
    ours: &'static str,
    baseline: &'static str,
    /// The largest acceptable ratio, from the issue that asked for it.
    limit: f64,
}

const RATIOS: &[Ratio] = &[
    Ratio { group: "codec_20ms_stereo_64k", ours: "ours", baseline: "raw_libopus", limit: 1.02 },
    Ratio { group: "codec_10ms_stereo_64k", ours: "ours", baseline: "raw_libopus", limit: 1.02 },
    Ratio { group: "codec_2_5ms_stereo_64k", ours: "ours", baseline: "raw_libopus", limit: 1.02 },
    // Issue 11 asks for 1.03 and 1.15 (from 1.05 and 1.25); not yet met, so `bench` says so.
    Ratio { group: "engine_48k_stereo_20ms_64k", ours: "engine", baseline: "raw_libopus", limit: 1.03 },
    Ratio { group: "engine_44k1_stereo_20ms_64k", ours: "engine", baseline: "raw_libopus", limit: 1.15 },
    // Issue 13: an A/B comparison costs at most its two chains.
    Ratio { group: "a_b_48k_stereo_20ms_64k", ours: "two_chains", baseline: "one_chain", limit: 2.05 },
    Ratio { group: "a_b_44k1_stereo_20ms_64k", ours: "two_chains", baseline: "one_chain", limit: 2.05 },
    Ratio { group: "plugin_48k_stereo_20ms_64k", ours: "clap_host", baseline: "engine", limit: 1.05 },
    Ratio { group: "render_48k_stereo_20ms_64k", ours: "render", baseline: "raw_libopus", limit: 1.10 },
];

/// The variable through which the engine bench learns where to write its paired ratios.
const PAIRED_DIR_VAR: &str = "ROUNDTRIP_BENCH_PAIRED_DIR";

/// Removes the paired ratios a previous run wrote.
fn remove_paired_ratios(criterion_dir: &Path) {
    for ratio in RATIOS {
        let _ = std::fs::remove_file(criterion_dir.join(ratio.group).join("paired_ratio.txt"));
    }
}

/// Seconds of audio in one iteration of the render group (its benchmark renders a 10 s file).
const RENDER_SECONDS: f64 = 10.0;

/// The mean time in nanoseconds that criterion estimated for `group/id`.
fn mean_ns(criterion_dir: &Path, group: &str, id: &str) -> Result<f64, String> {
    let path = criterion_dir.join(group).join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| format!("{} is not JSON: {error}", path.display()))?;
    json["mean"]["point_estimate"].as_f64().ok_or_else(|| format!("{} has no mean estimate", path.display()))
}

/// The engine bench's ratio for `group` timed in alternation with raw libopus, where it wrote one
/// (see `paired_ratio` in `engine/benches/engine.rs`): steadier than two separate criterion means.
fn paired_ratio(criterion_dir: &Path, group: &str) -> Option<f64> {
    std::fs::read_to_string(criterion_dir.join(group).join("paired_ratio.txt")).ok()?.trim().parse().ok()
}

/// Prints every engine group's cost per second of audio and its real-time factor on one core.
fn print_engine_costs(criterion_dir: &Path) {
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
        if let Ok(ns) = mean_ns(criterion_dir, &group, "engine") {
            println!("{group:<44} {:>16.0} {:>17.0}x", ns / 1e3, 1e9 / ns);
        }
    }
}

/// Prints the offline render's speed in seconds of audio per second of CPU.
fn print_render_speed(criterion_dir: &Path) {
    const GROUP: &str = "render_48k_stereo_20ms_64k";
    for id in ["render", "raw_libopus"] {
        if let Ok(ns) = mean_ns(criterion_dir, GROUP, id) {
            println!("{GROUP}/{id:<12} {:>8.1} s of audio per CPU second", RENDER_SECONDS * 1e9 / ns);
        }
    }
}

/// Runs the benchmarks (for Windows under Wine with `--windows`) and prints the ratios; fails if
/// a ratio is over its limit on Linux (under Wine the figures are information only).
pub fn run(extra: &[String]) -> Result<(), String> {
    let windows = extra.iter().any(|arg| arg == "--windows");
    let extra = extra.iter().filter(|arg| *arg != "--windows").map(String::as_str);
    let packages =
        crate::package_args(&["roundtrip-codec", "roundtrip-engine", "opus-roundtrip", "opus-roundtrip-app"]);
    let mut args = vec!["bench"];
    args.extend(packages);
    let linux_dir = crate::target_dir()?.join("criterion");
    // Written afresh by this run, so that a filtered run does not report an old one.
    remove_paired_ratios(&linux_dir);
    let criterion_dir = if windows {
        crate::windows::ensure_target()?;
        let wine = crate::wine::Wine::prepare(&crate::windows::release_dir()?)?;
        let criterion_dir = crate::target_dir()?.join("criterion-windows");
        remove_paired_ratios(&criterion_dir);
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
    print_engine_costs(&criterion_dir);
    print_render_speed(&criterion_dir);
    println!("\n{:<28} {:>14} {:>14} {:>8} {:>8} {:>7}", "group", "ours µs", "base µs", "ratio", "paired", "limit");
    let mut over = Vec::new();
    for ratio in RATIOS {
        let (Ok(ours), Ok(baseline)) =
            (mean_ns(&criterion_dir, ratio.group, ratio.ours), mean_ns(&criterion_dir, ratio.group, ratio.baseline))
        else {
            continue; // filtered out of this run
        };
        let paired = paired_ratio(&criterion_dir, ratio.group);
        // The limit holds the paired ratio where there is one.
        let value = paired.unwrap_or(ours / baseline);
        println!(
            "{:<28} {:>14.2} {:>14.2} {:>8.4} {:>8} {:>7.2}",
            ratio.group,
            ours / 1e3,
            baseline / 1e3,
            ours / baseline,
            paired.map_or_else(|| "-".to_owned(), |paired| format!("{paired:.4}")),
            ratio.limit
        );
        if value > ratio.limit {
            over.push(ratio.group);
        }
    }
    if windows {
        print_windows_against_linux(&criterion_dir, &linux_dir);
        return Ok(());
    }
    if over.is_empty() { Ok(()) } else { Err(format!("ratio above its limit in: {}", over.join(", "))) }
}

/// Each of our measured items under Wine over the same item in the last Linux run, where both
/// exist (run `cargo xtask bench` first for the Linux figures).
fn print_windows_against_linux(windows_dir: &Path, linux_dir: &Path) {
    println!("\n{:<40} {:>14} {:>14} {:>14}", "Windows under Wine / Linux", "Windows µs", "Linux µs", "ratio");
    for ratio in RATIOS {
        for id in [ratio.ours, ratio.baseline] {
            if let (Ok(windows), Ok(linux)) =
                (mean_ns(windows_dir, ratio.group, id), mean_ns(linux_dir, ratio.group, id))
            {
                let name = format!("{}/{id}", ratio.group);
                println!("{name:<40} {:>14.2} {:>14.2} {:>14.4}", windows / 1e3, linux / 1e3, windows / linux);
            }
        }
    }
}
