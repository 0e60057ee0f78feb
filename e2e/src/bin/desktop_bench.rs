//! The desktop app's footprint, measured (docs/BENCHMARKS.md): start to
//! the login screen, the binary's size, and the memory of the app and its
//! WebKit processes at the login screen and after signing in.
//!
//! With `CHARTVAULT_BENCH_VAULT` (and `CHARTVAULT_BENCH_USER`,
//! `CHARTVAULT_BENCH_PASSWORD`: a user without an authenticator) it
//! measures instead the app on that vault, as `scripts/bench-records.sh
//! DESKTOP=1` does on its 100,000-patient vault: sign in, search, open
//! charts, and the memory after each.
//!
//! Run by `bash scripts/bench-desktop.sh [RUNS]` (release app, Xvfb). Each
//! run starts the app on an existing vault (made once, with the KDF
//! calibrated as for a clinic) and times from asking WebDriver for a
//! session, which launches the app, until the login screen is in the
//! page; that includes starting WebKitWebDriver's session, as a user's
//! double-click does not.
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::{Duration, Instant};

use chartvault_e2e::{App, AppHome, ProcessMemory, make_vault, totp_code};

const PW: &str = "Violet kettle 47 marching north";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn report(label: &str, procs: &[ProcessMemory]) -> u64 {
    let total: u64 = procs.iter().map(|p| p.rss_kib).sum();
    println!("{label}: {:.0} MiB in all", mib(total));
    for p in procs {
        println!("  {:<18} {:>7.1} MiB", p.name, mib(p.rss_kib));
    }
    total
}

/// A home whose app opens the vault in `vault` (the wizard's remembered folder).
fn home_for(vault: &Path) -> AppHome {
    let home = AppHome::new();
    let file = home.vault_location_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, format!("{}\n", vault.display())).unwrap();
    home
}

/// The app on a large vault: memory at the patient list, after searches
/// and after opening charts (their wall times are the page's, WebDriver
/// included: indicative only; core's own figures are `bench records`).
fn records(vault: &Path) {
    let user = std::env::var("CHARTVAULT_BENCH_USER").unwrap_or_else(|_| "pat".into());
    let password = std::env::var("CHARTVAULT_BENCH_PASSWORD").expect("CHARTVAULT_BENCH_PASSWORD");
    let vault = vault.to_owned();
    chartvault_e2e::run(async move {
        let app = App::launch_in(home_for(&vault)).await.expect("the app starts");
        app.fill("login-username", &user).await;
        app.fill("login-password", &password).await;
        app.click_button("Sign in").await;
        app.wait_for(r#"main[data-view="patients"]"#).await;
        app.wait_for(r#"[data-testid="patient-results"]"#).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let listed = report("signed in, patient list", &app.memory());
        let mut opened = Vec::new();
        for (i, q) in ["mar", "gar", "ng", "müll", "ana", "john", "li", "bro"].iter().enumerate() {
            app.fill("patient-search", q).await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            app.wait_for(r#"[data-testid="patient-results"] [role="option"]"#).await;
            let t = Instant::now();
            app.click(r#"[data-testid="patient-results"] [role="option"]"#).await;
            app.wait_for(r#"[data-testid="chart-header"]"#).await;
            // The visits tab is drawn once the chart's read returned (an
            // imported patient has no visits yet).
            app.wait_for(r#"form[aria-label="New visit"]"#).await;
            opened.push(t.elapsed().as_secs_f64() * 1000.0);
            println!("chart {} ({q}): shown after {:.0} ms", i + 1, opened[i]);
            app.go("patients").await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = report("after 8 searches and 8 charts", &app.memory());
        println!(
            "app on this vault: {:.0} MiB at the list, {:.0} MiB after charts; chart shown median {:.0} ms (page and WebDriver included)",
            mib(listed),
            mib(after),
            median(opened)
        );
        app.close().await;
    });
}

fn main() {
    if let Some(vault) = std::env::var_os("CHARTVAULT_BENCH_VAULT") {
        records(Path::new(&vault));
        return;
    }
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(7);
    let binary = std::env::var_os("CHARTVAULT_E2E_APP").expect("set CHARTVAULT_E2E_APP to the release app");
    let size = std::fs::metadata(&binary).expect("the app binary").len();
    println!("app binary: {} ({:.1} MiB as built)", Path::new(&binary).display(), size as f64 / 1_048_576.0);

    let keep = tempfile::tempdir().unwrap();
    let vault = keep.path().join("vault");
    let secret = make_vault(&vault, "Bench Clinic", PW);

    chartvault_e2e::run(async move {
        let mut starts = Vec::new();
        let mut at_login = Vec::new();
        for i in 0..runs {
            let t = Instant::now();
            let app = App::launch_in(home_for(&vault)).await.expect("the app starts");
            app.wait_for(r#"[data-screen="login"]"#).await;
            let secs = t.elapsed().as_secs_f64();
            starts.push(secs);
            // Let WebKit finish its first paint and settle.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let mem = app.memory();
            println!("run {}: login screen after {:.3} s", i + 1, secs);
            at_login.push(report("  at the login screen", &mem) as f64);
            if i + 1 == runs {
                app.fill("login-username", "ada").await;
                app.fill("login-password", PW).await;
                app.click_button("Sign in").await;
                app.wait_for(r#"[data-screen="code"]"#).await;
                app.fill("login-code", &totp_code(&secret, chrono::Utc::now())).await;
                app.click_button("Sign in").await;
                app.wait_for(r#"main[data-view="users"]"#).await;
                tokio::time::sleep(Duration::from_secs(2)).await;
                let after = report("after signing in (Users screen)", &app.memory());
                println!("signed in: {:.0} MiB", mib(after));
            }
            app.close().await;
        }
        println!(
            "start to login screen: median {:.3} s over {} runs (min {:.3}, max {:.3})",
            median(starts.clone()),
            runs,
            starts.iter().copied().fold(f64::INFINITY, f64::min),
            starts.iter().copied().fold(0.0, f64::max)
        );
        println!("memory at the login screen: median {:.0} MiB", mib(median(at_login) as u64));
    });
}
