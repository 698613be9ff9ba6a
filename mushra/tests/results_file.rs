//! Results files: CSV and JSON read back as written; a bad file refused with its line.

use roundtrip_mushra::{Rating, ResultsProblem, Stimulus, read_results, write_csv, write_json};

fn ratings() -> Vec<Rating> {
    let rating = |stimulus, condition: &str, settings: &str, rating, mos_lqo| Rating {
        listener: "ann".into(),
        trial: 1,
        excerpt: "speech.wav 0.0–8.0 s".into(),
        stimulus,
        condition: condition.into(),
        settings: settings.into(),
        rating,
        mos_lqo,
    };
    vec![
        rating(Stimulus::HiddenReference, "", "", 100.0, None),
        rating(Stimulus::MidAnchor, "", "", 62.5, None),
        rating(Stimulus::LowAnchor, "", "", 18.0, None),
        rating(Stimulus::Condition, "A", "opus 24 kbps, 20 ms, \"audio\", 5 % loss", 71.0, Some(3.81)),
    ]
}

#[test]
fn csv_and_json_read_back_as_written() {
    let folder = tempfile::tempdir().unwrap();
    for name in ["results.csv", "results.json"] {
        let path = folder.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        if name.ends_with("csv") { write_csv(file, &ratings()) } else { write_json(file, &ratings()) }.unwrap();
        assert_eq!(read_results(&path).unwrap(), ratings(), "{name}");
    }
    let csv = std::fs::read_to_string(folder.path().join("results.csv")).unwrap();
    assert!(csv.starts_with("listener,trial,excerpt,stimulus,condition,settings,rating,mos_lqo\n"), "{csv}");
    assert!(csv.contains(",anchor_7k,"), "{csv}");
}

#[test]
fn a_bad_file_is_refused_with_its_reason() {
    let folder = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = folder.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let header = "listener,trial,excerpt,stimulus,condition,settings,rating,mos_lqo\n";
    let over = write("over.csv", &format!("{header}ann,1,x,hidden_reference,,,100,\nann,1,x,condition,A,s,120,\n"));
    let error = read_results(&over).unwrap_err();
    assert!(matches!(error.problem, ResultsProblem::Invalid(_)), "{error}");
    assert!(error.to_string().contains("120"), "{error}");
    let word = write("word.csv", &format!("{header}ann,1,x,hidden_reference,,,100,\nann,2,x,anchor_9k,,,50,\n"));
    let error = read_results(&word).unwrap_err();
    assert!(matches!(error.problem, ResultsProblem::Malformed { line: Some(3), .. }), "{error}");
    let other = write("other.json", r#"{"format": "webmushra", "version": 1, "ratings": []}"#);
    assert!(matches!(read_results(&other).unwrap_err().problem, ResultsProblem::NotResults { .. }));
    let empty = write("empty.csv", header);
    assert!(matches!(read_results(&empty).unwrap_err().problem, ResultsProblem::Empty));
    let text = write("notes.txt", "ann liked A");
    assert!(matches!(read_results(&text).unwrap_err().problem, ResultsProblem::UnknownFormat));
    let missing = folder.path().join("missing.csv");
    assert!(matches!(read_results(&missing).unwrap_err().problem, ResultsProblem::Unreadable(_)));
}
