//! The bundle settings of every platform (packaging/*/tauri.*.json, merged
//! over tauri.conf.json as `tauri build --config` merges them) are read by
//! Tauri's own configuration types — so a misspelt key or a wrong value
//! fails here, not on a Windows or macOS build machine — and every local
//! file they name exists.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tauri_utils::config::{BundleTarget, BundleType, Config, WebviewInstallMode};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// JSON Merge Patch (RFC 7396), as the Tauri CLI applies `--config`.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else {
                    merge(b.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn config_for(platform_file: &str) -> (Value, Config) {
    let mut value = read(&crate_dir().join("tauri.conf.json"));
    merge(&mut value, &read(&crate_dir().join("../packaging").join(platform_file)));
    let config: Config = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{platform_file} merged over tauri.conf.json is not a Tauri configuration: {e}"));
    (value, config)
}

fn targets(config: &Config) -> Vec<BundleType> {
    match &config.bundle.targets {
        BundleTarget::List(list) => list.clone(),
        BundleTarget::One(one) => vec![one.clone()],
        BundleTarget::All => panic!("targets should be named, not \"all\""),
    }
}

/// Every source path the settings name that is ours (not a build output)
/// exists.
fn assert_sources_exist(value: &Value, what: &str) {
    let mut paths = Vec::new();
    collect_paths(value, &mut paths);
    assert!(!paths.is_empty(), "{what} names no file");
    for p in paths {
        if p.starts_with("../target/") {
            continue;
        }
        assert!(crate_dir().join(&p).exists(), "{what} names {p}, which does not exist");
    }
}

fn collect_paths(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with("../") || s.starts_with("icons/") => out.push(s.clone()),
        Value::Object(map) => {
            for (k, v) in map {
                // A `resources` map names its sources as keys.
                if k.starts_with("../") {
                    out.push(k.clone());
                }
                collect_paths(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_paths(v, out)),
        _ => {}
    }
}

#[test]
fn the_shared_settings_name_our_icons_in_every_size_and_stay_inactive_for_plain_builds() {
    let value = read(&crate_dir().join("tauri.conf.json"));
    let config: Config = serde_json::from_value(value.clone()).expect("tauri.conf.json");
    assert!(!config.bundle.active, "a plain `cargo build` must not bundle");
    for needed in ["icons/32x32.png", "icons/128x128.png", "icons/128x128@2x.png", "icons/icon.icns", "icons/icon.ico"]
    {
        assert!(config.bundle.icon.iter().any(|i| i == needed), "{needed} is not among the bundle icons");
    }
    assert_eq!(config.bundle.category.as_deref(), Some("Medical"));
    assert_eq!(config.bundle.license.as_deref(), Some("AGPL-3.0-or-later"));
    assert_sources_exist(&value, "tauri.conf.json");
}

#[test]
fn linux_packages_carry_the_command_its_pages_and_the_desktop_metadata() {
    let (value, config) = config_for("linux/tauri.linux.json");
    assert_eq!(targets(&config), [BundleType::Deb, BundleType::Rpm]);
    for (kind, files, template) in [
        ("deb", &config.bundle.linux.deb.files, &config.bundle.linux.deb.desktop_template),
        ("rpm", &config.bundle.linux.rpm.files, &config.bundle.linux.rpm.desktop_template),
    ] {
        for dest in [
            "/usr/bin/chartvault",
            "/usr/share/man/man1",
            "/usr/share/bash-completion/completions/chartvault",
            "/usr/share/metainfo/org.chartvault.desktop.metainfo.xml",
        ] {
            assert!(files.contains_key(Path::new(dest)), "the {kind} lacks {dest}");
        }
        assert!(template.is_some(), "the {kind} uses our desktop entry");
    }
    assert_sources_exist(&value, "packaging/linux/tauri.linux.json");
}

#[test]
fn windows_installers_work_offline_and_upgrade_in_place() {
    let (value, config) = config_for("windows/tauri.windows.json");
    assert_eq!(targets(&config), [BundleType::Msi, BundleType::Nsis]);
    let win = &config.bundle.windows;
    // A clinic's workstation may have no network: the WebView2 runtime
    // comes inside the installer.
    assert!(matches!(win.webview_install_mode, WebviewInstallMode::OfflineInstaller { .. }));
    assert!(!win.allow_downgrades, "an older version must not replace a newer one (its schema would be too new)");
    assert!(
        win.wix.as_ref().and_then(|w| w.upgrade_code).is_some(),
        "a fixed upgrade code lets the MSI upgrade in place"
    );
    assert_eq!(config.bundle.external_bin, Some(vec!["../target/packaging/bin/chartvault".to_owned()]));
    assert_sources_exist(&value, "packaging/windows/tauri.windows.json");
}

#[test]
fn the_macos_disk_image_is_hardened() {
    let (value, config) = config_for("macos/tauri.macos.json");
    assert_eq!(targets(&config), [BundleType::App, BundleType::Dmg]);
    let mac = &config.bundle.macos;
    assert!(mac.hardened_runtime);
    assert_eq!(mac.minimum_system_version.as_deref(), Some("11.0"));
    // The command as an external binary, signed with the app (a resource would not be).
    assert_eq!(config.bundle.external_bin, Some(vec!["../target/packaging/bin/chartvault".to_owned()]));
    assert_sources_exist(&value, "packaging/macos/tauri.macos.json");
}
