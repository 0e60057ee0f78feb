//! The Linux packages as a clinic gets them (`scripts/package.sh` builds
//! them; `CHARTVAULT_E2E_DEB` and `CHARTVAULT_E2E_RPM` name them). The
//! `.deb` is installed with apt, its files and metadata checked, the
//! installed app started under Xvfb to its first-run wizard, and the
//! package removed. The `.rpm` is read with `rpm`. Installing needs root;
//! the test suite runs as root in CI, and these tests say why they skip
//! elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use chartvault_e2e::App;

const DEB_VAR: &str = "CHARTVAULT_E2E_DEB";
const RPM_VAR: &str = "CHARTVAULT_E2E_RPM";

/// The package file named by `var`, or `None` (skipped) with the reason;
/// under CI a missing package is a failure.
fn package(var: &str) -> Option<PathBuf> {
    let Some(path) = std::env::var_os(var) else {
        if std::env::var_os("CI").is_some() {
            panic!("{var} is not set, and CI is: scripts/test.sh builds the packages and sets it");
        }
        eprintln!("skipped: set {var} to a package built by scripts/package.sh");
        return None;
    };
    let path = PathBuf::from(path);
    assert!(path.is_file(), "{var}={} is not a file", path.display());
    Some(path)
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{program} {} failed:\n{text}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Removes the package when the test ends, passed or not.
struct Installed(String);

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("apt-get")
            .args(["remove", "-y", "-qq", &self.0])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output();
    }
}

/// What every package must install.
const FILES: &[&str] = &[
    "/usr/bin/chartvault-desktop",
    "/usr/bin/chartvault",
    "/usr/share/man/man1/chartvault.1.gz",
    "/usr/share/man/man1/chartvault-backup-restore.1.gz",
    "/usr/share/bash-completion/completions/chartvault",
    "/usr/share/fish/vendor_completions.d/chartvault.fish",
    "/usr/share/metainfo/org.chartvault.desktop.metainfo.xml",
    "/usr/share/applications/Chartvault.desktop",
    "/usr/share/icons/hicolor/32x32/apps/chartvault-desktop.png",
    "/usr/share/icons/hicolor/128x128/apps/chartvault-desktop.png",
    "/usr/share/icons/hicolor/256x256@2/apps/chartvault-desktop.png",
    "/usr/share/doc/chartvault/ADMIN-GUIDE.md",
];

#[tokio::test(flavor = "multi_thread")]
async fn the_deb_installs_starts_at_the_first_run_wizard_and_removes_cleanly() {
    let Some(deb) = package(DEB_VAR) else { return };
    let name = run("dpkg-deb", &["-f", deb.to_str().unwrap(), "Package"]).trim().to_owned();
    let depends = run("dpkg-deb", &["-f", deb.to_str().unwrap(), "Depends"]);
    for lib in ["libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        assert!(depends.contains(lib), "the .deb does not depend on {lib}: {depends}");
    }
    let listing = run("dpkg-deb", &["-c", deb.to_str().unwrap()]);
    for f in FILES {
        // Listed as `usr/bin/x` or `./usr/bin/x`, depending on the tool that built it.
        assert!(listing.lines().any(|l| l.ends_with(&f[1..])), "the .deb lacks {f}:\n{listing}");
    }
    if !is_root() {
        if std::env::var_os("CI").is_some() {
            panic!("installing the .deb needs root, which CI has");
        }
        eprintln!("skipped installing: not root");
        return;
    }

    // A machine that has the package already is not this test's to change.
    let present = Command::new("dpkg-query").args(["-W", "-f=${Status}", &name]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&present.stdout).contains("install ok installed"),
        "{name} is installed on this machine already: remove it (apt-get remove {name}) and run again"
    );
    let out = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .arg(std::fs::canonicalize(&deb).unwrap())
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap();
    assert!(out.status.success(), "apt-get install failed:\n{}", String::from_utf8_lossy(&out.stderr));
    // Removed when the test ends, passed or not; armed only once installed.
    let installed = Installed(name.clone());
    for f in FILES {
        assert!(Path::new(f).exists(), "{f} was not installed");
    }
    assert_dependencies_cover_every_linked_library(&depends);
    let version = run("/usr/bin/chartvault", &["--version"]);
    assert_eq!(version.trim(), format!("chartvault {}", env!("CARGO_PKG_VERSION")));
    assert!(run("/usr/bin/chartvault", &["backup", "--help"]).contains("restore"));
    if Path::new("/usr/bin/desktop-file-validate").exists() {
        run("desktop-file-validate", &["/usr/share/applications/Chartvault.desktop"]);
    }
    if Path::new("/usr/bin/appstreamcli").exists() {
        run("appstreamcli", &["validate", "--no-net", "/usr/share/metainfo/org.chartvault.desktop.metainfo.xml"]);
    }

    // The installed app, as a clinic starts it the first time.
    let app = App::launch_binary(PathBuf::from("/usr/bin/chartvault-desktop")).await;
    app.wait_for(r#"[data-screen="wizard"][data-step="clinic"]"#).await;
    app.screenshot("80-installed-first-run").await;
    app.axe("80-installed-first-run").await;
    app.close().await;

    drop(installed);
    for f in ["/usr/bin/chartvault-desktop", "/usr/bin/chartvault", "/usr/share/applications/Chartvault.desktop"] {
        assert!(!Path::new(f).exists(), "{f} is still there after removing {name}");
    }
}

/// Every shared library the installed programs link comes from a package
/// the `.deb` depends on, directly or through those packages' own
/// dependencies: a machine that satisfies `Depends` can start the app.
fn assert_dependencies_cover_every_linked_library(depends: &str) {
    let declared: Vec<&str> = depends.split(',').map(|d| d.split_whitespace().next().unwrap_or("")).collect();
    let mut args = vec!["depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks"];
    args.extend(["--no-replaces", "--no-enhances", "--installed"]);
    args.extend(declared.iter().copied());
    let closure: Vec<String> = run("apt-cache", &args)
        .lines()
        .map(|l| l.trim().trim_start_matches("Depends:").trim().trim_start_matches('|').trim())
        .map(|l| l.trim_matches(['<', '>']).split(':').next().unwrap_or("").to_owned())
        .collect();
    for binary in ["/usr/bin/chartvault-desktop", "/usr/bin/chartvault"] {
        for line in run("readelf", &["-d", binary]).lines().filter(|l| l.contains("(NEEDED)")) {
            let lib = line.rsplit('[').next().unwrap_or("").trim_end_matches(']');
            let owner = run("dpkg", &["-S", &format!("*/{lib}")]);
            // `diversion by …` lines are not owners.
            let owner = owner.lines().find(|l| !l.starts_with("diversion")).unwrap_or("");
            let owner = owner.split(':').next().unwrap_or("").to_owned();
            // The C library and the GCC runtime are essential: every system has them.
            let essential = ["libc6", "libgcc-s1"].contains(&owner.as_str());
            assert!(
                essential || closure.contains(&owner),
                "{binary} links {lib} (from {owner}), which Depends ({depends}) does not bring in"
            );
        }
    }
}

#[test]
fn the_rpm_holds_the_same_files_and_names_its_libraries() {
    let Some(rpm) = package(RPM_VAR) else { return };
    if Command::new("rpm").arg("--version").output().is_err() {
        panic!("the rpm tool is needed to read the .rpm (scripts/deps.sh --test installs it)");
    }
    let rpm = rpm.to_str().unwrap();
    let listing = run("rpm", &["-qpl", rpm]);
    for f in FILES {
        assert!(listing.lines().any(|l| l == *f), "the .rpm lacks {f}:\n{listing}");
    }
    let requires = run("rpm", &["-qpR", rpm]);
    for lib in ["libwebkit2gtk-4.1.so.0", "libgtk-3.so.0"] {
        assert!(requires.contains(lib), "the .rpm does not require {lib}:\n{requires}");
    }
}
