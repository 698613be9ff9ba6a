//! The command line: subcommands and their flags (`clap`). Values take units (`24k`, `5%`,
//! `20ms`); see [`crate::units`].

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use roundtrip_codec::{Application, Bandwidth, FrameDuration, RateControl};
use roundtrip_engine::settings::{MAX_COMPLEXITY, MAX_JITTER_MS, MAX_PLAYOUT_MS, MAX_SPIKE_MS};
use roundtrip_engine::{
    Choice, JitterSettings, LossModel, LossSettings, Monitor, Receiver, Settings, SettingsConflict,
};

use crate::units;
use crate::wav::WavFormat;

/// Hear audio through the Opus codec: live, or file in, file out, with reports.
///
/// With no subcommand, runs `demo`.
#[derive(Debug, Parser)]
#[command(name = "opus-roundtrip", version, propagate_version = true)]
#[command(after_help = "Exit codes: 0 success, 1 internal error, 2 bad command line, 3 bad input file, \
                        4 output not writable, 5 no usable audio device, 130 stopped by Ctrl-C (render and \
                        batch: nothing half-written is left; batch keeps the files it finished).")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Monitor an input device live through the codec, with the plugin's editor open.
    Live(LiveArgs),
    /// Render a WAV or FLAC file through the codec into another WAV or FLAC file (and,
    /// optionally, the difference and the packets as Ogg Opus); - is standard input or output.
    Render(RenderArgs),
    /// Summarise a render and draw its spectrograms and loss pattern into a PNG.
    Report(ReportArgs),
    /// Render built-in speech and music through a handful of presets into a folder of WAVs,
    /// Ogg Opus files and PNG reports. Needs no audio device and no files.
    Demo(DemoArgs),
    /// Render a folder of WAV and FLAC files (walked recursively), or a manifest's list, into
    /// another folder, on every core, with settings drawn per file from ranges; resumable,
    /// shardable, with a results table.
    Batch(BatchArgs),
    /// Summarise MUSHRA results files (one listener's or many): each listener screened as
    /// ITU-R BS.1534-3 states, each condition's mean and 95 % interval beside the perceptual
    /// model's score, and the usual chart as a PNG.
    MushraReport(MushraReportArgs),
}

/// The audio backend for `live`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// JACK if a server runs, else the system's own audio (ALSA on Linux).
    Auto,
    /// A running JACK server (rate and period are the server's).
    Jack,
    /// The system's own audio devices through cpal: ALSA on Linux, WASAPI on Windows, CoreAudio
    /// on macOS.
    #[cfg_attr(all(unix, not(target_os = "macos")), value(name = "alsa"))]
    #[cfg_attr(windows, value(name = "wasapi"))]
    #[cfg_attr(target_os = "macos", value(name = "coreaudio"))]
    System,
    /// No audio at all: only the editor (for trying the controls, or screenshots).
    Dummy,
}

/// `live` flags.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Audio backend.
    // No short flag: `-b` is the bitrate elsewhere.
    #[arg(long, value_enum, ignore_case = true, default_value_t = Backend::Auto)]
    pub backend: Backend,
    /// Input device (the microphone), by the PCM id or name `--list-devices` shows (`default`,
    /// `pipewire`, `hw:CARD=…`); the system default when omitted.
    #[arg(long, short = 'i')]
    pub input_device: Option<String>,
    /// Output device (headphones), by PCM id or name as for `--input-device`; the system default
    /// when omitted.
    #[arg(long, short = 'o')]
    pub output_device: Option<String>,
    /// Sample rate in hertz (ALSA; JACK uses the server's).
    // No short flag: `-r` is `render --record`.
    #[arg(long, default_value_t = 48_000)]
    pub sample_rate: u32,
    /// Period size in frames (ALSA; JACK uses the server's).
    #[arg(long, short = 'p', default_value_t = 256)]
    pub period_size: u32,
    /// Process one channel (a microphone) instead of two.
    #[arg(long)]
    pub mono: bool,
    /// List the audio devices found and exit.
    #[arg(long)]
    pub list_devices: bool,
}

/// Every engine setting as a flag.
#[derive(Debug, Clone, Args)]
pub struct CodecArgs {
    /// Target bitrate.
    #[arg(long, short = 'b', value_parser = units::parse_bitrate, default_value = "64k", help = help::bitrate())]
    pub bitrate: i32,
    /// Frame (packet) duration.
    #[arg(long, short = 'f', value_parser = units::parse_frame, default_value = "20ms", help = help::frame())]
    pub frame: FrameDuration,
    /// How the codec codes.
    #[command(flatten)]
    pub coding: CodingArgs,
    /// Deep redundancy (DRED).
    #[arg(long, value_parser = units::parse_dred, default_value = "0ms", help = help::dred())]
    pub dred: u16,
    /// Packet loss in percent, 0 to 100: 5 or 5%.
    #[arg(long, short = 'l', value_parser = units::parse_percent, default_value = "0%")]
    pub loss: f32,
    /// Loss model: random (independent; the default), bursty (Gilbert–Elliott) or realistic
    /// (libopus's model learned from real networks). --burst implies bursty.
    #[arg(long, value_parser = choice::<LossModel>(), ignore_case = true)]
    pub loss_model: Option<LossModel>,
    /// Mean burst length for bursty loss.
    #[arg(long, value_parser = units::parse_burst, help = help::burst())]
    pub burst: Option<f32>,
    /// Seed of the loss pattern: the same seed gives the same pattern.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The network's delays and the receiver's wait.
    #[command(flatten)]
    pub delays: DelayArgs,
}

/// How the codec codes and what the receiver does with it: every engine setting but the
/// bitrate, frame, DRED and the network. `batch` takes these the same for every file.
#[derive(Debug, Clone, Args)]
pub struct CodingArgs {
    /// Encoder complexity.
    #[arg(long, help = help::complexity(), value_parser = clap::value_parser!(u8).range(0..=i64::from(MAX_COMPLEXITY)), default_value_t = Settings::DEFAULT.complexity)]
    pub complexity: u8,
    /// Encoder application.
    #[arg(long, value_parser = choice::<Application>(), ignore_case = true, default_value = Settings::DEFAULT.application.key())]
    pub application: Application,
    /// Bandwidth limit (auto lets the encoder choose).
    // Spelled out so that clap takes `None` (auto) as a value, not as "flag absent".
    #[arg(long, value_parser = choice::<Option<Bandwidth>>(), ignore_case = true, default_value = Settings::DEFAULT.bandwidth.key())]
    pub bandwidth: std::option::Option<Bandwidth>,
    /// Rate control.
    #[arg(long, value_parser = choice::<RateControl>(), ignore_case = true, default_value = Settings::DEFAULT.rate_control.key())]
    pub rate_control: RateControl,
    /// Discontinuous transmission: send almost nothing during silence.
    #[arg(long)]
    pub dtx: bool,
    /// In-band forward error correction (SILK/hybrid modes; needs loss to show).
    #[arg(long)]
    pub fec: bool,
    /// The loss the encoder is told to expect, 0 to 100 % (sizes FEC and DRED), or auto: the
    /// simulated loss (--loss).
    #[arg(long, value_parser = expected_loss, default_value = "auto")]
    pub expect_loss: ExpectedLoss,
    /// Decoder complexity: 0, or 5 to 10 (5 and up for deep PLC, 6 and up OSCE enhancement).
    #[arg(long, value_parser = decoder_complexity, default_value_t = Settings::DEFAULT.decoder_complexity)]
    pub decoder_complexity: u8,
    /// Code a stereo input as mono.
    #[arg(long)]
    pub force_mono: bool,
    /// Output gain.
    #[arg(long, value_parser = units::parse_gain_db, default_value = "0dB", allow_hyphen_values = true, help = help::gain())]
    pub gain: f32,
}

impl CodecArgs {
    /// The engine settings, or why the flags contradict each other.
    pub fn settings(&self) -> Result<Settings, FlagConflict> {
        let model = match (self.loss_model, self.burst) {
            (Some(model @ (LossModel::Bernoulli | LossModel::Realistic)), Some(_)) => {
                return Err(FlagConflict::BurstWithOtherModel(model));
            }
            (Some(model), _) => model,
            // A burst length alone means bursty loss.
            (None, Some(_)) => LossModel::GilbertElliott,
            (None, None) => LossModel::Bernoulli,
        };
        let settings = Settings {
            bitrate_bps: self.bitrate,
            frame: self.frame,
            complexity: self.coding.complexity,
            application: self.coding.application,
            bandwidth: self.coding.bandwidth,
            rate_control: self.coding.rate_control,
            dtx: self.coding.dtx,
            fec: self.coding.fec,
            expected_loss_percent: self.coding.expect_loss.percent(),
            dred_duration_ms: self.dred,
            decoder_complexity: self.coding.decoder_complexity,
            force_mono: self.coding.force_mono,
            loss: LossSettings {
                model,
                loss_percent: self.loss,
                mean_burst_packets: self.burst.unwrap_or(model.usual_mean_burst_packets()),
                seed: self.seed,
            },
            jitter: self.delays.settings(),
            monitor: Monitor::Decoded,
            mix: 1.0,
            output_gain_db: self.coding.gain,
            // A monitoring aid: a rendered file keeps the codec's own level.
            level_match: false,
        };
        settings.conflict().map_or(Ok(settings), |conflict| Err(FlagConflict::Settings(conflict)))
    }

    /// Flags that are taken but do nothing as given, to say so before the work.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.burst.is_some() && self.loss == 0.0 {
            warnings.push("--burst without --loss loses nothing: give the loss, e.g. --loss 5%".to_owned());
        }
        warnings
    }
}

/// The loss the encoder is told to expect: a percentage, or automatic (the simulated loss).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpectedLoss(pub Option<f32>);

impl ExpectedLoss {
    /// The engine's setting: whole percent, `None` for automatic.
    pub fn percent(self) -> Option<u8> {
        self.0.map(|percent| percent.round() as u8)
    }
}

/// `auto` (the plugin's word) or a percentage.
fn expected_loss(text: &str) -> Result<ExpectedLoss, String> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(ExpectedLoss(None));
    }
    units::parse_percent(text).map(|percent| ExpectedLoss(Some(percent)))
}

/// 0, or 5 to 10: libopus's decoder does nothing more at 1 to 4 than at 0, so those are
/// refused rather than taken for a setting that changes something.
fn decoder_complexity(text: &str) -> Result<u8, String> {
    let refused = || format!("{text}: the decoder complexity is 0, or 5 to {MAX_COMPLEXITY} (1 to 4 act as 0)");
    let value: u8 = text.trim().parse().map_err(|_| refused())?;
    if value == 0 || (5..=MAX_COMPLEXITY).contains(&value) { Ok(value) } else { Err(refused()) }
}

/// The network's delays and the receiver's wait, for `render` and `batch`.
#[derive(Debug, Clone, Args)]
pub struct DelayArgs {
    /// Mean random delay of each packet (exponential), e.g. 10ms; late ones count apart from lost.
    #[arg(long, value_parser = jitter_ms, default_value = "0ms", help = help::jitter())]
    pub jitter: f32,
    /// Share of packets that start a delay spike, 0 to 100 % (1 or 1%).
    #[arg(long, value_parser = units::parse_percent, default_value = "0%")]
    pub spikes: f32,
    /// A delay spike's extra delay; the packets behind it arrive with it.
    #[arg(long, value_parser = spike_ms, default_value_t = JitterSettings::DEFAULT.spike_ms, help = help::spike_delay())]
    pub spike_delay: f32,
    /// How long the receiver waits for a packet (its jitter buffer), rounded up to whole frames;
    /// adds as much latency. FEC and DRED's wait is part of it.
    #[arg(long, value_parser = playout_ms, default_value = "0ms", help = help::playout())]
    pub playout: u16,
    /// The receiver: `fixed` waits `--playout` for every packet; `adaptive` aims at the 95th
    /// percentile of recent delays between `--min-delay` and `--max-delay`, playing faster or
    /// slower to get there (WebRTC's design), and reports the maximum as latency.
    #[arg(long, value_enum, default_value = "fixed")]
    pub receiver: ReceiverArg,
    /// The adaptive receiver's shortest delay.
    #[arg(long, value_parser = playout_ms, default_value = "20ms", help = help::min_delay())]
    pub min_delay: u16,
    /// The adaptive receiver's longest delay (its latency).
    #[arg(long, value_parser = playout_ms, default_value = "200ms", help = help::max_delay())]
    pub max_delay: u16,
}

/// `--receiver`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReceiverArg {
    Fixed,
    Adaptive,
}

impl DelayArgs {
    /// The engine's settings for these flags.
    pub fn settings(&self) -> JitterSettings {
        JitterSettings {
            mean_jitter_ms: self.jitter,
            spike_percent: self.spikes,
            spike_ms: self.spike_delay,
            playout_ms: self.playout,
            receiver: match self.receiver {
                ReceiverArg::Fixed => Receiver::Fixed,
                ReceiverArg::Adaptive => Receiver::Adaptive { min_ms: self.min_delay, max_ms: self.max_delay },
            },
        }
    }
}

fn jitter_ms(text: &str) -> Result<f32, String> {
    units::parse_delay_up_to(text, f64::from(MAX_JITTER_MS)).map(|ms| ms as f32)
}

fn spike_ms(text: &str) -> Result<f32, String> {
    units::parse_delay_up_to(text, f64::from(MAX_SPIKE_MS)).map(|ms| ms as f32)
}

fn playout_ms(text: &str) -> Result<u16, String> {
    units::parse_delay_up_to(text, f64::from(MAX_PLAYOUT_MS)).map(|ms| ms.round() as u16)
}

/// Help lines whose ranges come from the engine's settings, so that they cannot drift from
/// what the parsers accept.
mod help {
    use roundtrip_codec::FrameDuration;
    use roundtrip_engine::Choice;
    use roundtrip_engine::settings::{
        BITRATE_RANGE_BPS, DRED_STEP_MS, MAX_COMPLEXITY, MAX_DRED_DURATION_MS, MAX_DRED_WAIT_MS, MAX_JITTER_MS,
        MAX_PLAYOUT_MS, MAX_SPIKE_MS, MEAN_BURST_RANGE_PACKETS, OUTPUT_GAIN_RANGE_DB,
    };

    pub fn bitrate() -> String {
        let (low, high) = BITRATE_RANGE_BPS;
        format!("Target bitrate in kbps, {} to {} (24, 24k, 24kbps or 24000bps)", low / 1000, high / 1000)
    }

    pub fn frame() -> String {
        format!("Frame (packet) duration: {}", FrameDuration::LABELS.join(", "))
    }

    pub fn complexity() -> String {
        format!("Encoder complexity, 0 (fastest) to {MAX_COMPLEXITY} (best)")
    }

    pub fn dred() -> String {
        format!(
            "Deep redundancy (DRED): how far back each packet can rebuild, 0 (off) or {DRED_STEP_MS} to \
             {MAX_DRED_DURATION_MS} ms in steps of {DRED_STEP_MS} ms. The receiver waits for it at most \
             {MAX_DRED_WAIT_MS} ms (or the playout delay, if longer) and uses none from further back"
        )
    }

    pub fn burst() -> String {
        let (low, high) = MEAN_BURST_RANGE_PACKETS;
        format!("Mean burst length in packets for bursty loss, {low} to {high}")
    }

    pub fn jitter() -> String {
        format!(
            "Mean random delay of each packet (exponential), 0 to {MAX_JITTER_MS} ms; late packets count apart from lost"
        )
    }

    pub fn spike_delay() -> String {
        format!("A delay spike's extra delay in ms, 0 to {MAX_SPIKE_MS}; the packets behind it arrive with it")
    }

    pub fn playout() -> String {
        format!(
            "How long the receiver waits for each packet (its jitter buffer), 0 to {MAX_PLAYOUT_MS} ms rounded up to \
             whole frames; adds as much latency (FEC's and DRED's wait is part of it)"
        )
    }

    pub fn min_delay() -> String {
        format!("The adaptive receiver's shortest delay, 0 to {MAX_PLAYOUT_MS} ms (`--receiver adaptive`)")
    }

    pub fn max_delay() -> String {
        format!(
            "The adaptive receiver's longest delay, 0 to {MAX_PLAYOUT_MS} ms, and the latency it adds \
             (`--receiver adaptive`)"
        )
    }

    pub fn gain() -> String {
        let (low, high) = OUTPUT_GAIN_RANGE_DB;
        format!("Output gain, {low} to +{high} dB")
    }
}

/// Codec flags that contradict each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagConflict {
    /// `--burst` with a model other than bursty.
    BurstWithOtherModel(LossModel),
    /// Settings the engine's rules rule out.
    Settings(SettingsConflict),
}

impl std::fmt::Display for FlagConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BurstWithOtherModel(model) => {
                write!(f, "--burst needs bursty loss, but --loss-model {} was given", model.key())
            }
            Self::Settings(conflict @ SettingsConflict::RedundancyInLowDelay) => {
                write!(f, "{conflict}: drop --fec and --dred, or choose --application voip or audio")
            }
        }
    }
}

impl std::error::Error for FlagConflict {}

/// The value parser of a flag that takes an engine [`Choice`]: `--help` lists each key with its
/// name; the other spellings are accepted but not listed. Every flag using it also sets
/// `ignore_case`, so that `VOIP` and `FB` are taken as people type them.
fn choice<T: Choice>() -> impl TypedValueParser<Value = T> {
    let values = T::ALL
        .iter()
        .map(|named| PossibleValue::new(named.key).help(named.label).aliases(named.aliases.iter().copied()));
    // The parser admits only those spellings, in any case, and hands on the text as typed:
    // keys and aliases are lower case, so the fallback is never taken.
    PossibleValuesParser::new(values).map(|key| T::from_key(&key.to_lowercase()).unwrap_or(T::ALL[0].value))
}

/// `render` flags.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The WAV or FLAC file to render (WAV: 8/16/24/32-bit integer or 32-bit float; mono or
    /// stereo, 1 kHz–2 MHz), or - for a WAV on standard input.
    pub input: PathBuf,
    /// Where to write the decoded audio (FLAC if named .flac, else WAV; the input's length,
    /// latency removed); - writes a WAV to standard output (the summary then goes to standard
    /// error, and no stats file is written).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// Also write the difference, input minus decoded, here (FLAC if named .flac, else WAV).
    #[arg(long, short = 'd')]
    pub difference: Option<PathBuf>,
    /// Also write the packets the encoder sent here, as an Ogg Opus file (.opus or .ogg).
    #[arg(long, short = 'r')]
    pub record: Option<PathBuf>,
    /// Sample format of the written audio (default: the input's; FLAC takes integers only).
    #[arg(long, value_enum, ignore_case = true)]
    pub format: Option<WavFormat>,
    /// Also draw the report (spectrograms and loss pattern) into this PNG.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The perceptual score's model of listening (ViSQOL v3): speech (16 kHz, voice activity
    /// only) or audio (48 kHz); auto takes speech for --application voip, audio otherwise.
    #[arg(long, value_enum, ignore_case = true, default_value = "auto")]
    pub quality_mode: crate::perceptual::QualityMode,
    /// Hide the progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Refuse to replace an existing output (by default it is replaced, and the summary says so).
    #[arg(long, short = 'n')]
    pub no_clobber: bool,
    /// Lose the packets this trace marks instead of drawing them: one integer per packet,
    /// non-zero = lost, as `opus_demo -lossfile` reads; it repeats if shorter than the audio.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["loss", "loss_model", "burst", "seed"])]
    pub loss_trace: Option<PathBuf>,
    /// Lose and delay the packets as this delay trace says, in place of the loss and jitter
    /// flags: one word per packet, its network delay in ms (beyond the path's fixed delay) or
    /// `lost`; it repeats if shorter than the audio. Give --playout for the receiver's wait.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["loss", "loss_model", "burst", "seed", "loss_trace", "jitter", "spikes", "spike_delay"]
    )]
    pub delay_trace: Option<PathBuf>,
    /// Write the network pattern used here: the loss pattern (0 or 1 per packet sent), to replay
    /// with --loss-trace, or when packets were delayed, every packet's delay or `lost`, to
    /// replay with --delay-trace.
    #[arg(long, value_name = "FILE")]
    pub write_trace: Option<PathBuf>,
    #[command(flatten)]
    pub codec: CodecArgs,
}

/// `report` flags.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The WAV or FLAC a render wrote (its `.stats.json` must sit beside it), or that stats file.
    pub rendered: PathBuf,
    /// The input of the render, if it has moved since.
    #[arg(long, short = 'i')]
    pub input: Option<PathBuf>,
    /// Where to draw the PNG (default: the rendered file's name with `.png`).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Print the summary only; draw nothing.
    #[arg(long)]
    pub no_png: bool,
}

/// `mushra-report` flags.
#[derive(Debug, Args)]
pub struct MushraReportArgs {
    /// The results files (CSV or JSON, as the MUSHRA test writes them), merged.
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// Where to draw the chart (default: mushra.png beside the first results file).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Also write every rating given into one file (JSON if named .json, else CSV).
    #[arg(long)]
    pub merged: Option<PathBuf>,
    /// Print the summary only; draw nothing.
    #[arg(long)]
    pub no_png: bool,
}

/// `demo` flags.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The folder to write into (created if missing).
    #[arg(long = "output", short = 'o', alias = "out", default_value = "opus-roundtrip-demo")]
    pub out: PathBuf,
    /// Length of each built-in signal in seconds, 0.5 to 600 (8, 8s or 8000ms).
    #[arg(long = "duration", value_parser = units::parse_seconds_as_millis, default_value = "8s")]
    pub duration_ms: f64,
    /// Hide the progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_of(flags: &[&str]) -> Result<Settings, String> {
        let args = ["opus-roundtrip", "render", "in.wav", "-o", "out.wav"].iter().chain(flags);
        match Cli::try_parse_from(args).map_err(|error| error.to_string())?.command {
            Some(Command::Render(render)) => render.codec.settings().map_err(|conflict| conflict.to_string()),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn help_states_the_engine_ranges() {
        let mut command = <Cli as clap::CommandFactory>::command();
        let help = command.find_subcommand_mut("render").unwrap().render_help().to_string();
        // Lines wrap at the terminal width; compare words.
        let render = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Target bitrate in kbps, 6 to 510",
            "2.5 ms, 5 ms, 10 ms, 20 ms, 40 ms, 60 ms, 80 ms, 100 ms, 120 ms",
            "0 (fastest) to 10 (best)",
            "0 (off) or 10 to 1040 ms in steps of 10 ms",
            "bursty loss, 1 to 1000",
            "Output gain, -60 to +24 dB",
        ] {
            assert!(render.contains(expected), "{expected:?} missing from:\n{render}");
        }
    }

    #[test]
    fn a_short_flag_means_one_thing_in_every_subcommand() {
        let command = <Cli as clap::CommandFactory>::command();
        let mut meanings = std::collections::BTreeMap::new();
        for subcommand in command.get_subcommands() {
            for arg in subcommand.get_arguments() {
                if let (Some(short), Some(long)) = (arg.get_short(), arg.get_long()) {
                    // `--output` and `--output-device` are both where the result goes.
                    let long = long.split('-').next().unwrap_or(long);
                    let previous = meanings.insert(short, long.to_owned());
                    assert!(
                        previous.as_deref().is_none_or(|previous| previous == long),
                        "-{short}: --{previous:?} and --{long}"
                    );
                }
            }
        }
        assert!(meanings.len() >= 8, "{meanings:?}");
    }

    #[test]
    fn a_bare_demo_duration_is_seconds_as_its_help_says() {
        match Cli::try_parse_from(["opus-roundtrip", "demo", "--duration", "2"]).unwrap().command {
            Some(Command::Demo(demo)) => assert_eq!(demo.duration_ms, 2_000.0),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn no_flags_give_the_engine_defaults() {
        assert_eq!(settings_of(&[]).unwrap(), Settings::DEFAULT);
    }

    #[test]
    fn choices_take_their_keys_and_the_earlier_spellings() {
        for (flags, expected) in [
            (["--bandwidth", "wb"], Some(Bandwidth::Wideband)),
            (["--bandwidth", "wide"], Some(Bandwidth::Wideband)),
            (["--bandwidth", "superwide"], Some(Bandwidth::Superwideband)),
            (["--bandwidth", "auto"], None),
        ] {
            assert_eq!(settings_of(&flags).unwrap().bandwidth, expected, "{flags:?}");
        }
        assert_eq!(settings_of(&["--application", "voip"]).unwrap().application, Application::Voip);
        assert_eq!(settings_of(&["--rate-control", "cbr"]).unwrap().rate_control, RateControl::Cbr);
        assert_eq!(settings_of(&["--loss-model", "bursty"]).unwrap().loss.model, LossModel::GilbertElliott);
        assert_eq!(settings_of(&["--loss-model", "realistic"]).unwrap().loss.model, LossModel::Realistic);
        let burst = settings_of(&["--loss-model", "realistic", "--burst", "3"]).unwrap_err();
        assert!(burst.contains("--burst needs bursty loss, but --loss-model realistic was given"), "{burst}");
        let refused = settings_of(&["--bandwidth", "ultra"]).unwrap_err();
        assert!(refused.contains("[possible values: auto, nb, mb, wb, swb, fb]"), "{refused}");
    }

    #[test]
    fn values_are_taken_as_people_type_them() {
        assert_eq!(settings_of(&["--application", "VOIP"]).unwrap().application, Application::Voip);
        assert_eq!(settings_of(&["--application", "Music"]).unwrap().application, Application::Audio);
        assert_eq!(settings_of(&["--bandwidth", "FB"]).unwrap().bandwidth, Some(Bandwidth::Fullband));
        assert_eq!(settings_of(&["--rate-control", "VBR"]).unwrap().rate_control, RateControl::Vbr);
        assert_eq!(settings_of(&["--loss-model", "Bursty"]).unwrap().loss.model, LossModel::GilbertElliott);
        assert_eq!(settings_of(&["--dred", "off"]).unwrap().dred_duration_ms, 0);
        assert_eq!(settings_of(&["--dred", "OFF"]).unwrap().dred_duration_ms, 0);
        assert_eq!(settings_of(&["--expect-loss", "auto"]).unwrap().expected_loss_percent, None);
        assert_eq!(settings_of(&["--expect-loss", "5%"]).unwrap().expected_loss_percent, Some(5));
        assert_eq!(settings_of(&["--decoder-complexity", "5"]).unwrap().decoder_complexity, 5);
        for refused in ["1", "3", "4", "11"] {
            let error = settings_of(&["--decoder-complexity", refused]).unwrap_err();
            assert!(error.contains("the decoder complexity is 0, or 5 to 10"), "{refused}: {error}");
        }
    }

    #[test]
    fn a_burst_without_loss_is_warned_about() {
        let codec = |flags: &[&str]| {
            let args = ["opus-roundtrip", "render", "in.wav", "-o", "out.wav"].iter().chain(flags);
            match Cli::try_parse_from(args).unwrap().command {
                Some(Command::Render(render)) => render.codec,
                other => panic!("parsed as {other:?}"),
            }
        };
        assert!(codec(&["--burst", "3"]).warnings()[0].contains("--burst without --loss"));
        assert!(codec(&["--burst", "3", "--loss", "5%"]).warnings().is_empty());
        assert!(codec(&[]).warnings().is_empty());
    }

    #[test]
    fn the_engine_rule_against_redundancy_in_low_delay_is_the_app_rule() {
        let refused = settings_of(&["--fec", "--application", "lowdelay"]).unwrap_err();
        assert!(refused.starts_with(&SettingsConflict::RedundancyInLowDelay.to_string()), "{refused}");
        assert!(settings_of(&["--dred", "100ms", "--application", "low-delay"]).is_err());
        assert!(settings_of(&["--fec", "--application", "voip"]).is_ok());
    }
}

/// `batch` flags. Bitrate, frame, loss, burst and DRED take one value, a list (`16k,24k`) or a
/// range (`6k..64k`); each file's values are drawn from a seed made of --seed and its path. The
/// other codec flags are render's, the same for every file.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The corpus: a folder of WAV and FLAC files, walked recursively, or a manifest (.csv or
    /// .jsonl) with a row per file: input, output and any setting (see the README).
    pub input: PathBuf,
    /// The output folder: the corpus's layout, each file rendered, and the results tables.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// Files rendered at once (default: one per core).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Take only shard I of N (I from 0): a contiguous 1/N of the corpus, for N machines.
    #[arg(long, value_name = "I/N", value_parser = crate::corpus::Shard::parse)]
    pub shard: Option<crate::corpus::Shard>,
    /// The seed of every file's draw (with its path) and of its loss pattern.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Target bitrate: 24k, 16k,24k,32k or 6k..64k.
    #[arg(long, value_parser = crate::augment::bitrate, default_value = "64k")]
    pub bitrate: crate::augment::Spec<i32>,
    /// Frame duration: 20ms or a list, 10ms,20ms,60ms.
    #[arg(long, value_parser = crate::augment::frame, default_value = "20ms")]
    pub frame: crate::augment::Spec<FrameDuration>,
    /// Packet loss: 5%, 0,5%,10% or 0..20%.
    #[arg(long, short = 'l', value_parser = crate::augment::loss, default_value = "0%")]
    pub loss: crate::augment::Spec<f32>,
    /// Mean burst length in packets (bursty loss; random loss without it): 3 or 1..4.
    #[arg(long, value_parser = crate::augment::burst)]
    pub burst: Option<crate::augment::Spec<f32>>,
    /// Loss model: random, bursty (mean burst 3 unless --burst draws one) or realistic
    /// (libopus's model learned from real networks). --burst alone means bursty.
    #[arg(long, value_parser = choice::<LossModel>(), ignore_case = true, conflicts_with = "burst")]
    pub loss_model: Option<LossModel>,
    /// Deep redundancy: 100ms, 0,100ms or 0..200ms.
    #[arg(long, value_parser = crate::augment::dred, default_value = "0ms")]
    pub dred: crate::augment::Spec<u16>,
    /// How the codec codes, the same for every file.
    #[command(flatten)]
    pub coding: CodingArgs,
    /// Lose the packets this trace marks, in every file, instead of drawing them (as render's
    /// --loss-trace).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["loss", "loss_model", "burst"])]
    pub loss_trace: Option<PathBuf>,
    /// Lose and delay the packets as this delay trace says, in every file (as render's
    /// --delay-trace).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["loss", "loss_model", "burst", "loss_trace", "jitter", "spikes", "spike_delay"]
    )]
    pub delay_trace: Option<PathBuf>,
    /// The network's delays and the receiver's wait (the same for every file).
    #[command(flatten)]
    pub delays: DelayArgs,
    /// Write the rendered audio as FLAC (in the input's bit depth; 24-bit for float input).
    #[arg(long)]
    pub flac: bool,
    /// Also write each file's difference, input minus decoded (NAME.difference.wav, or .flac).
    #[arg(long)]
    pub difference: bool,
    /// Also write each file's Opus packets as Ogg Opus (NAME.opus).
    #[arg(long)]
    pub record: bool,
    /// The perceptual score's model for every file (as render's; off saves its time).
    #[arg(long, value_enum, ignore_case = true, default_value = "auto")]
    pub quality_mode: crate::perceptual::QualityMode,
    /// Hide the progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}
