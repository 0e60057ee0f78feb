//! The log file as a process starts it: our events at the level asked for,
//! other crates' at warnings only, one start per process. (One test: the
//! subscriber is the process's.)

use chartvault_core::logs::{LogError, init, log_dir};

#[test]
fn the_log_takes_our_events_and_only_warnings_from_other_crates() {
    let data = tempfile::tempdir().unwrap();
    let dir = init(data.path(), "probe").expect("logging starts");
    assert_eq!(dir, log_dir(data.path()));
    tracing::info!(target: "chartvault_core::probe", n = 7, "ours at info");
    tracing::debug!(target: "chartvault_core::probe", "ours at debug");
    tracing::info!(target: "zbus::connection", "theirs at info");
    tracing::warn!(target: "zbus::connection", "theirs at warn");
    assert!(matches!(init(data.path(), "probe"), Err(LogError::AlreadyStarted)));

    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("probe.") && name.ends_with(".log"), "{name}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("started program=\"probe\""), "{text}");
    assert!(text.contains("ours at info n=7"), "{text}");
    assert!(text.contains("theirs at warn"), "{text}");
    assert!(!text.contains("ours at debug"), "the default level is info:\n{text}");
    assert!(!text.contains("theirs at info"), "other crates log warnings only:\n{text}");
}
