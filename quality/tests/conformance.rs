//! Conformance with the reference implementation (google/visqol v3.3.3): the pairs its own
//! conformance test scores, scored as it scores them (`score_as_reference`: at the files' rate,
//! any length), match the scores it publishes (`src/include/conformance.h`) within its own
//! tolerance, 1e-4.
//!
//! Speech runs through both of the reference's mappings: its default lattice model and the
//! exponential fit. The lattice's remaining difference, up to 9e-5, is the reference's TFLite
//! runtime (XNNPACK, f32): against TFLite's reference kernels our evaluation agrees within 7e-6.

#[path = "common/wav.rs"]
mod wav;

use std::path::{Path, PathBuf};

use roundtrip_quality::{Mode, Score, mapping::speech_mos, score_as_reference};

/// The reference's conformance tolerance.
const TOLERANCE: f64 = 1e-4;

/// Which of the reference's mappings made an expected score.
#[derive(Debug, Clone, Copy)]
enum Mapping {
    /// Speech's default, the lattice model; audio's only one, the SVR.
    Default,
    /// Speech's exponential fit, scaled so that identical signals score 5.
    Exponential,
}

struct Case {
    reference: &'static str,
    degraded: &'static str,
    mode: Mode,
    mapping: Mapping,
    /// The reference's published score, and its name there.
    expected: f64,
    name: &'static str,
}

const fn case(
    reference: &'static str,
    degraded: &'static str,
    mode: Mode,
    mapping: Mapping,
    expected: f64,
    name: &'static str,
) -> Case {
    Case { reference, degraded, mode, mapping, expected, name }
}

const SPEECH: &str = "clean_speech/CA01_01.wav";
const TRANSCODED: &str = "clean_speech/transcoded_CA01_01.wav";
const GUITAR: &str = "conformance_testdata_subset/guitar48_stereo.wav";

/// Every conformance pair of the reference, as paths in its `testdata` folder.
const CASES: &[Case] = &[
    case(
        SPEECH,
        TRANSCODED,
        Mode::Speech,
        Mapping::Default,
        3.3129234313964844,
        "kConformanceSpeechCA01TranscodedLattice",
    ),
    case(
        SPEECH,
        TRANSCODED,
        Mode::Speech,
        Mapping::Exponential,
        3.374505555111911,
        "kConformanceSpeechCA01TranscodedExponential",
    ),
    case(SPEECH, SPEECH, Mode::Speech, Mapping::Default, 4.505550384521484, "kConformanceCA01PerfectScoreLattice"),
    case(GUITAR, SPEECH, Mode::Speech, Mapping::Default, 1.4982070922851562, "kConformanceDifferentAudiosLattice"),
    case(
        GUITAR,
        SPEECH,
        Mode::Speech,
        Mapping::Exponential,
        1.269675546824064,
        "kConformanceDifferentAudiosExponential",
    ),
    case(
        "alignment/reference.wav",
        "alignment/degraded.wav",
        Mode::Speech,
        Mapping::Default,
        1.19293212890625,
        "kConformanceBadDegradedLattice",
    ),
    case(
        "alignment/reference.wav",
        "alignment/degraded.wav",
        Mode::Speech,
        Mapping::Exponential,
        1.357521678867611,
        "kConformanceBadDegradedExponential",
    ),
    case(
        "conformance_testdata_subset/strauss48_stereo.wav",
        "conformance_testdata_subset/strauss48_stereo_lp35.wav",
        Mode::Audio,
        Mapping::Default,
        1.3888791489130758,
        "kConformanceStraussLp35",
    ),
    case(
        "conformance_testdata_subset/steely48_stereo.wav",
        "conformance_testdata_subset/steely48_stereo_lp7.wav",
        Mode::Audio,
        Mapping::Default,
        2.2501683734385183,
        "kConformanceSteelyLp7",
    ),
    case(
        "conformance_testdata_subset/sopr48_stereo.wav",
        "conformance_testdata_subset/sopr48_stereo_256kbps_aac.wav",
        Mode::Audio,
        Mapping::Default,
        4.68228969737946,
        "kConformanceSopr256aac",
    ),
    case(
        "conformance_testdata_subset/ravel48_stereo.wav",
        "conformance_testdata_subset/ravel48_stereo_128kbps_opus.wav",
        Mode::Audio,
        Mapping::Default,
        4.465141897255348,
        "kConformanceRavel128opus",
    ),
    case(
        "conformance_testdata_subset/moonlight48_stereo.wav",
        "conformance_testdata_subset/moonlight48_stereo_128kbps_aac.wav",
        Mode::Audio,
        Mapping::Default,
        4.684292801646114,
        "kConformanceMoonlight128aac",
    ),
    case(
        "conformance_testdata_subset/harpsichord48_stereo.wav",
        "conformance_testdata_subset/harpsichord48_stereo_96kbps_mp3.wav",
        Mode::Audio,
        Mapping::Default,
        4.22374532766003,
        "kConformanceHarpsichord96mp3",
    ),
    case(
        GUITAR,
        "conformance_testdata_subset/guitar48_stereo_64kbps_aac.wav",
        Mode::Audio,
        Mapping::Default,
        4.349722308064298,
        "kConformanceGuitar64aac",
    ),
    case(
        "conformance_testdata_subset/glock48_stereo.wav",
        "conformance_testdata_subset/glock48_stereo_48kbps_aac.wav",
        Mode::Audio,
        Mapping::Default,
        4.332452943882108,
        "kConformanceGlock48aac",
    ),
    case(
        "conformance_testdata_subset/contrabassoon48_stereo.wav",
        "conformance_testdata_subset/contrabassoon48_stereo_24kbps_aac.wav",
        Mode::Audio,
        Mapping::Default,
        2.346868205375293,
        "kConformanceContrabassoon24aac",
    ),
    case(
        "conformance_testdata_subset/castanets48_stereo.wav",
        "conformance_testdata_subset/castanets48_stereo.wav",
        Mode::Audio,
        Mapping::Default,
        4.732101253042348,
        "kConformanceCastanetsIdentity",
    ),
];

/// The cases whose files this repository ships (`quality/testdata/`, by file name).
const SHIPPED: &[&str] = &[
    "kConformanceSpeechCA01TranscodedLattice",
    "kConformanceSpeechCA01TranscodedExponential",
    "kConformanceCA01PerfectScoreLattice",
    "kConformanceDifferentAudiosLattice",
    "kConformanceDifferentAudiosExponential",
    "kConformanceGuitar64aac",
];

fn score_of(folder: &dyn Fn(&str) -> PathBuf, case: &Case) -> (f64, Score) {
    let (reference, rate) = wav::read_mono(&folder(case.reference));
    let (degraded, degraded_rate) = wav::read_mono(&folder(case.degraded));
    assert_eq!(rate, degraded_rate, "{}", case.name);
    let widen = |signal: &[f32]| signal.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
    let score = score_as_reference(&widen(&reference), &widen(&degraded), rate, case.mode)
        .unwrap_or_else(|why| panic!("{}: no score: {why}", case.name));
    let mos = match case.mapping {
        Mapping::Default => score.mos,
        Mapping::Exponential => speech_mos(&score.band_similarities),
    };
    (mos, score)
}

fn check(folder: &dyn Fn(&str) -> PathBuf, cases: &[&Case]) {
    let mut worst = 0.0f64;
    let mut failures = Vec::new();
    for case in cases {
        let (mos, _) = score_of(folder, case);
        let error = (mos - case.expected).abs();
        println!("{:<46} expected {:.6}, scored {mos:.6} (off by {error:.1e})", case.name, case.expected);
        worst = worst.max(error);
        if error > TOLERANCE {
            failures.push(case.name);
        }
    }
    println!("{} pairs, worst difference {worst:.1e}", cases.len());
    assert!(failures.is_empty(), "off by more than {TOLERANCE}: {failures:?}");
}

#[test]
fn the_shipped_pairs_score_as_the_reference_scores_them() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let folder = |path: &str| here.join(Path::new(path).file_name().unwrap());
    let cases: Vec<&Case> = CASES.iter().filter(|case| SHIPPED.contains(&case.name)).collect();
    assert_eq!(cases.len(), SHIPPED.len());
    check(&folder, &cases);
}

#[test]
#[ignore = "needs the reference's testdata folder: VISQOL_TESTDATA=…/visqol/testdata cargo test -- --ignored"]
fn every_pair_of_the_references_test_folder() {
    let root = PathBuf::from(std::env::var_os("VISQOL_TESTDATA").expect("set VISQOL_TESTDATA"));
    let folder = |path: &str| root.join(path);
    check(&folder, &CASES.iter().collect::<Vec<_>>());
}

#[test]
fn a_changed_score_fails_the_check() {
    // The check is not vacuous: the same pair against another published value fails.
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let folder = |path: &str| here.join(Path::new(path).file_name().unwrap());
    let exponential = CASES.iter().find(|case| case.name == "kConformanceSpeechCA01TranscodedExponential").unwrap();
    let lattice = CASES.iter().find(|case| case.name == "kConformanceSpeechCA01TranscodedLattice").unwrap();
    let (mos, score) = score_of(&folder, exponential);
    assert!((mos - lattice.expected).abs() > TOLERANCE, "{mos} {}", lattice.expected);
    // And the score is made of what the reference reports for this pair: 5 voice-active patches.
    assert_eq!(score.patches.len(), 5);
}
