//! The meters: what the codec and the simulated network are doing right now.

use roundtrip_engine::callback_budget::{BUDGET_SHARE, may_overrun, worst_callback_estimate};
use roundtrip_engine::{Advice, MeterSnapshot, SlotId};

use crate::params::RoundtripParams;

/// A slot's figures, grouped as the editor shows them in rows; the adaptive receiver's with
/// `receiver` (so that A's and B's rows pair up when only one of them adapts).
fn figures(meters: &MeterSnapshot, level_match: bool, receiver: bool) -> Vec<Vec<(&'static str, String)>> {
    let counters = &meters.counters;
    let levels = &meters.levels;
    // With no signal there is nothing to compare.
    let snr = if levels.input_rms_dbfs > -100.0 { format!("{:.1} dB", levels.snr_db) } else { "—".to_owned() };
    let latency = match meters.latency_ms() {
        Some(ms) => format!("{ms:.1} ms ({} smp)", meters.latency_samples),
        None => "not running".to_owned(),
    };
    let mut loudness = vec![
        ("Input", format!("{:.1} dBFS", levels.input_rms_dbfs)),
        ("Output", format!("{:.1} dBFS", levels.output_rms_dbfs)),
    ];
    if level_match {
        // The gain applied now (it glides), not the target.
        let gain = if meters.sample_rate_hz < u64::from(roundtrip_engine::level_match::MIN_RATE_HZ) {
            "needs 8 kHz+".to_owned()
        } else {
            format!("{:+.1} dB", levels.level_match_db)
        };
        loudness.push(("Match gain", gain));
    }
    vec![
        vec![
            ("Actual", format!("{:.1} kbps", levels.actual_bitrate_bps / 1000.0)),
            ("Packet", format!("{:.0} B", levels.packet_bytes)),
            ("SNR", snr),
            ("Latency", latency),
        ],
        vec![
            ("Sent", counters.packets_sent.to_string()),
            ("Lost", format!("{} ({:.1} %)", counters.packets_lost, counters.loss_percent())),
            ("Late", format!("{} ({:.1} %)", counters.packets_late, counters.late_percent())),
            ("Burst", format!("{:.1} packets", counters.mean_burst_packets())),
        ],
        vec![
            ("Concealed", counters.concealed.to_string()),
            ("By FEC", counters.recovered_fec.to_string()),
            ("By DRED", counters.recovered_dred.to_string()),
        ],
        if receiver { receiver_line(counters) } else { Vec::new() },
        loudness,
        vec![
            ("Peak in", dbfs(levels.aligned_peak_hold)),
            ("Peak decoded", dbfs(levels.decoded_peak_hold)),
            ("Overs", counters.decoded_overs.to_string()),
        ],
    ]
}

/// Shows the meters of slot A, and of slot B beside them while it runs (`b`), with warnings
/// where a requested feature is not happening. `latency_held`: a latency-changing setting waits
/// for the host to restart the plugin.
pub fn show(
    ui: &mut egui::Ui,
    meters: &MeterSnapshot,
    b: Option<&MeterSnapshot>,
    params: &RoundtripParams,
    latency_held: bool,
) {
    let level_match = params.level_match.value();
    let receiver = adapts(meters) || b.is_some_and(adapts);
    let rows = figures(meters, level_match, receiver);
    match b {
        None => {
            egui::Grid::new("meters").num_columns(8).spacing([16.0, 4.0]).show(ui, |ui| {
                for row in rows.iter().filter(|row| !row.is_empty()) {
                    for (label, value) in row {
                        meter(ui, label, value.clone());
                    }
                    ui.end_row();
                }
                codec_thread_row(ui, meters);
            });
        }
        Some(b) => {
            // One row per figure, A and B side by side.
            let rows_b = figures(b, level_match, receiver);
            egui::Grid::new("meters-a-b").num_columns(6).spacing([16.0, 4.0]).striped(true).show(ui, |ui| {
                let figures = rows.iter().flatten().zip(rows_b.iter().flatten()).collect::<Vec<_>>();
                for pair in figures.chunks(2) {
                    for ((label, a), (_, b)) in pair {
                        ui.label(egui::RichText::new(*label).weak());
                        ui.label(egui::RichText::new(format!("A  {a}")).monospace());
                        // The output is what is heard, one signal for both.
                        let b = if *label == "Output" { "(the same)".to_owned() } else { format!("B  {b}") };
                        ui.label(egui::RichText::new(b).monospace());
                    }
                    ui.end_row();
                }
            });
            egui::Grid::new("meters-thread").num_columns(4).spacing([16.0, 4.0]).show(ui, |ui| {
                codec_thread_row(ui, meters);
            });
        }
    }
    codec_thread_warnings(ui, meters, params, latency_held);
    let (counters, levels) = (&meters.counters, &meters.levels);
    if counters.decoded_overs > 0 {
        let over_db = 20.0 * levels.decoded_peak_hold.log10();
        ui.colored_label(
            egui::Color32::YELLOW,
            format!(
                "The decoded signal went beyond full scale ({} samples, peak {over_db:+.1} dBFS): lower the input by \
                 {over_db:.1} dB or more (`opus-roundtrip render` measures the true peak too).",
                counters.decoded_overs
            ),
        );
    }
    if latency_held {
        ui.colored_label(
            egui::Color32::YELLOW,
            "The new frame size, low delay, playout, FEC, DRED, codec thread or B setting changes the latency: it applies \
             when the host restarts the plugin (most do at once; otherwise stop and start playback).",
        );
    }
    let delay_trace = params.loss_trace.summary().is_some_and(|trace| trace.delays);
    for advice in Advice::for_run(&params.settings(), counters, delay_trace) {
        ui.colored_label(egui::Color32::YELLOW, advice.to_string());
    }
    if let (Some(b), Some(settings)) = (b, params.comparison().settings(SlotId::B)) {
        for advice in Advice::for_run(&settings, &b.counters, delay_trace) {
            ui.colored_label(egui::Color32::YELLOW, format!("B: {advice}"));
        }
        if b.counters.decoded_overs > 0 {
            ui.colored_label(
                egui::Color32::YELLOW,
                format!("B: {} decoded samples beyond full scale.", b.counters.decoded_overs),
            );
        }
    }
    if counters.sanitized_samples > 0 {
        ui.colored_label(
            egui::Color32::LIGHT_RED,
            format!("{} invalid input samples (NaN, infinite or huge) were replaced.", counters.sanitized_samples),
        );
    }
}

/// The codec thread's added latency and late callbacks, while it runs.
fn codec_thread_row(ui: &mut egui::Ui, meters: &MeterSnapshot) {
    let thread = &meters.codec_thread;
    if thread.extra_latency_samples > 0 {
        meter(ui, "Codec thread", format!("+{:.1} ms", ms(meters, thread.extra_latency_samples)));
        meter(ui, "Late", format!("{} ({:.1} ms silent)", thread.late_callbacks, ms(meters, thread.silent_frames)));
        ui.end_row();
    }
}

/// What the user should know about where the codec runs: that a callback may overrun (so the
/// codec thread would help), that the codec thread was late, or that its switch waits.
fn codec_thread_warnings(ui: &mut egui::Ui, meters: &MeterSnapshot, params: &RoundtripParams, latency_held: bool) {
    let thread = &meters.codec_thread;
    let running = thread.extra_latency_samples > 0;
    let (rate, block) = (meters.sample_rate_hz as u32, meters.max_block_frames as usize);
    // Slot A's chain, and B's while comparing.
    let chains: Vec<_> = std::iter::once(params.settings()).chain(params.comparison().settings(SlotId::B)).collect();
    if !running && rate > 0 && may_overrun(&chains, rate, block) {
        let worst = worst_callback_estimate(&chains, rate).as_secs_f64() * 1000.0;
        let deadline = block as f64 * 1000.0 / f64::from(rate);
        ui.colored_label(
            egui::Color32::YELLOW,
            format!(
                "At {:.1} kHz with {block}-frame blocks ({deadline:.2} ms), the callback that completes a frame may take \
                 {worst:.2} ms, over {:.0} % of the block: callbacks may overrun. Turn on Codec thread, or use larger \
                 blocks.",
                f64::from(rate) / 1000.0,
                BUDGET_SHARE * 100.0
            ),
        );
    }
    if thread.worker_stopped > 0 {
        ui.colored_label(
            egui::Color32::LIGHT_RED,
            "The codec thread stopped on an internal error: the output is silent until the plugin is re-activated.",
        );
    } else if running && thread.late_callbacks > 0 {
        ui.colored_label(
            egui::Color32::YELLOW,
            format!(
                "The codec thread was late {} times ({:.1} ms of silence): the machine is too busy for this setting.",
                thread.late_callbacks,
                ms(meters, thread.silent_frames)
            ),
        );
    }
    if rate > 0 && params.codec_thread.value() != running && !latency_held {
        // Only where no host restarts the plugin: the standalone app.
        ui.colored_label(egui::Color32::YELLOW, "Codec thread switches only when a host restarts the plugin.");
    }
}

/// Host frames in milliseconds.
fn ms(meters: &MeterSnapshot, frames: u64) -> f64 {
    frames as f64 * 1000.0 / meters.sample_rate_hz.max(1) as f64
}

/// A peak (linear) in dBFS, held since the plugin was reset; below −120 dBFS (a decoder's
/// residue in silence) it reads as silence, as the level meters do.
fn dbfs(peak: f32) -> String {
    if peak > 1e-6 { format!("{:+.1} dBFS", 20.0 * peak.log10()) } else { "−∞".to_owned() }
}

fn meter(ui: &mut egui::Ui, label: &str, value: String) {
    ui.label(egui::RichText::new(label).weak());
    ui.label(egui::RichText::new(value).monospace());
}

/// Whether a slot runs the adaptive receiver (the fixed one has no target).
fn adapts(meters: &MeterSnapshot) -> bool {
    meters.counters.target_delay_us > 0
}

/// The adaptive receiver's delay, target and stretches ("fixed" for a slot without).
fn receiver_line(counters: &roundtrip_engine::Counters) -> Vec<(&'static str, String)> {
    if counters.target_delay_us == 0 {
        return vec![("Delay", "fixed".to_owned()), ("Faster", "—".to_owned()), ("Slower", "—".to_owned())];
    }
    let ms = |us: u64| us as f64 / 1000.0;
    vec![
        ("Delay", format!("{:.0} ms (target {:.0})", ms(counters.playout_delay_us), ms(counters.target_delay_us))),
        ("Faster", format!("{} ({:.0} ms)", counters.accelerations, ms(counters.stretch_removed_us))),
        ("Slower", format!("{} ({:.0} ms)", counters.expansions, ms(counters.stretch_added_us))),
    ]
}
