//! `chartvault import patients`, `chartvault demo` and `chartvault bench
//! records` end to end: users are made through core (no authenticator
//! needed for them), then the built binary runs as each would, with
//! `--password-stdin`; exit codes, what is printed and what the vault then
//! holds are checked.

mod common;

use common::*;

#[test]
fn a_csv_file_is_checked_then_imported_with_each_problem_by_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = clinic(tmp.path());
    let file = tmp.path().join("patients.csv");
    std::fs::write(
        &file,
        "\u{feff}given_name,family_name,date_of_birth,sex,notes\r\n\
         José,Núñez,1961-04-12,male,\"two\r\nlines\"\r\n\
         Alan,Turing,12/06/1912,male,\r\n\
         ,Nameless,1950-01-01,robot,\r\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    run(&vault, "sam", &["import", "patients", f, "--dry-run"])
        .exits(USAGE)
        .says("line 4, date_of_birth: \"12/06/1912\" is not a date (YYYY-MM-DD)\n")
        .says("line 5, given_name: is empty\nline 5, sex: \"robot\" is not female, male, other or unknown\n")
        .complains("dry run: 3 rows, 1 pass, 2 with problems; nothing was written");
    run(&vault, "sam", &["import", "patients", f])
        .exits(USAGE)
        .complains("nothing imported: 2 of 3 rows have problems (fix them, or give --skip-bad to import the others)");
    run(&vault, "sam", &["patient", "find", "nunez"]).exits(OK).says("no patient matches");
    run(&vault, "sam", &["import", "patients", f, "--skip-bad"])
        .exits(OK)
        .says("line 4, date_of_birth")
        .says("imported 1 patients (MRN-000001 to MRN-000001) from 3 rows; 2 rows with problems skipped");
    run(&vault, "sam", &["patient", "find", "nunez"]).exits(OK).says("MRN-000001   Núñez, José");

    let png = tmp.path().join("scan.csv");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    run(&vault, "sam", &["import", "patients", png.to_str().unwrap()])
        .exits(USAGE)
        .complains("the file cannot be imported: line 3: it holds a NUL byte");
    run(&vault, "sam", &["import", "patients", "/no/such/file.csv"]).exits(USAGE).complains("cannot read");
    run(&vault, "aud", &["import", "patients", f]).exits(DENIED).complains("patient_write");
}

#[test]
fn demo_data_is_generated_by_a_provider_and_measured_by_the_bench() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = clinic(tmp.path());
    run(&vault, "sam", &["demo", "--patients", "10"]).exits(DENIED).complains("clinical_write");
    run(&vault, "pat", &["demo", "--patients", "30", "--seed", "5", "--visits-per-patient", "2"])
        .exits(OK)
        .says("generated 30 synthetic patients (MRN-000001 to MRN-000030): 60 visits")
        .says("(seed 5)");
    run(&vault, "sam", &["patient", "find", "MRN-000030"]).exits(OK).says("MRN-000030");
    run(&vault, "pat", &["patient", "show", "2"]).exits(OK).says("MRN-000002 ").says("visits: 2\n");
    let front_desk = run(&vault, "sam", &["patient", "show", "2"]);
    front_desk.exits(OK).says("problems: not shown (your role does not read the clinical record)");
    assert!(!front_desk.stdout.contains("visits"), "{}", front_desk.stdout);
    run(&vault, "pat", &["bench", "records", "--searches", "20", "--charts", "5", "--import-rows", "40"])
        .exits(OK)
        .says("| search, all queries | 20 |")
        .says("| open a chart: open_chart, 1 audit commit |")
        .says("vault: 30 patients")
        .says("CSV import of 40 rows");
    run(&vault, "sam", &["patient", "find", "MRN-000070"]).exits(OK).says("MRN-000070");
}
