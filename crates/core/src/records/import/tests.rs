use chrono::NaiveDate;

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn parse_str(s: &str) -> Parsed {
    parse(&mut s.as_bytes(), today(), &Limits::default()).unwrap()
}

fn said(p: &Parsed) -> Vec<String> {
    p.problems.iter().map(ToString::to_string).collect()
}

const HEAD: &str = "given_name,family_name,date_of_birth,sex,email,identifier:NHS\n";

#[test]
fn good_rows_come_back_checked_with_their_lines_and_identifiers() {
    let p = parse_str(&format!(
        "{HEAD}José,Núñez,1961-04-12,male,jose@example.org,9434765919\n\n Åsa ,Lindqvist,2001-02-03,,,\n"
    ));
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.rows, 2);
    assert_eq!(p.good[0].line, 2);
    assert_eq!(p.good[0].identifiers, [("NHS".to_owned(), "9434765919".to_owned())]);
    assert_eq!(p.good[1].line, 4, "the blank line 3 is skipped but counted");
    assert_eq!(p.good[1].fields.given_name, "Åsa");
    assert_eq!(p.good[1].fields.sex, Sex::Unknown);
    assert!(p.good[1].identifiers.is_empty());
}

#[test]
fn each_bad_field_is_named_with_the_line_an_editor_shows() {
    let p = parse_str(&format!(
        "{HEAD}\
         Ada,Lovelace,1915-12-10,female,ada@example.org,\n\
         Bad,Date,31/02/1980,female,,\n\
         \"Multi\nline\",\"Quoted, with comma\",1950-01-01,female,,\n\
         Sex,Unknown,1950-01-01,robot,,\n\
         ,Noname,1950-01-01,male,,\n\
         Mail,Bad,1950-01-01,male,not-an-address,\n\
         Two,Problems,2090-01-01,x,,\n\
         Short,Row\n"
    ));
    assert_eq!(
        said(&p),
        [
            "line 3, date_of_birth: \"31/02/1980\" is not a date (YYYY-MM-DD)",
            "line 4, given_name: holds a line break",
            "line 6, sex: \"robot\" is not female, male, other or unknown",
            "line 7, given_name: is empty",
            "line 8, email: is not an address like name@example.org",
            "line 9, date_of_birth: is in the future",
            "line 9, sex: \"x\" is not female, male, other or unknown",
            "line 10, row: has 2 fields where the header (line 1) has 6",
        ]
    );
    assert_eq!(p.rows, 8);
    assert_eq!(p.good.len(), 1);
}

#[test]
fn a_bom_and_crlf_line_ends_are_accepted() {
    let p =
        parse_str("\u{feff}Given Name,FAMILY_NAME,date-of-birth\r\nGrace,Hopper,1906-12-09\r\nBad,Row,1906-13-09\r\n");
    assert_eq!(p.good.len(), 1);
    assert_eq!(p.good[0].fields.family_name, "Hopper");
    assert_eq!(said(&p), ["line 3, date_of_birth: \"1906-13-09\" is not a date (YYYY-MM-DD)"]);
}

#[test]
fn unknown_duplicate_unnamed_and_missing_columns_refuse_the_header() {
    let p = parse_str("given_name,given_name,birthday,,identifier:\nA,B,C,D,E\n");
    assert!(p.header_refused);
    assert!(p.good.is_empty(), "no row is checked under a refused header");
    assert_eq!(p.rows, 1);
    let s = said(&p);
    assert!(s[0].starts_with("line 1, given_name: appears twice (columns 1 and 2)"), "{s:?}");
    assert!(s[1].starts_with("line 1, birthday: is not a column this import knows"), "{s:?}");
    assert_eq!(s[2], "line 1, column 4: has no name");
    assert_eq!(s[3], "line 1, identifier:: is empty");
    assert_eq!(&s[4..], ["line 1, family_name: column is missing", "line 1, date_of_birth: column is missing"]);
}

#[test]
fn binary_empty_oversized_and_overlong_files_are_errors() {
    let err = |bytes: &[u8], limits: Limits| parse(&mut &bytes[..], today(), &limits).unwrap_err();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let e = err(png, Limits::default());
    assert!(matches!(e, CoreError::ImportUnreadable { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("binary"), "{e}");
    let e = err(b"given_name\n\xff\xfe", Limits::default());
    assert!(matches!(e, CoreError::ImportUnreadable { line: 2, .. }), "{e}");
    assert!(e.to_string().contains("UTF-8"), "{e}");
    assert!(matches!(err(b"\n\n", Limits::default()), CoreError::ImportUnreadable { .. }));
    let small = Limits { max_bytes: 10, max_rows: 1 };
    assert!(matches!(err(&[b'a'; 11], small), CoreError::ImportTooLarge { what: "bytes", limit: 10 }));
    let rows = b"given_name,family_name,date_of_birth\nA,B,2000-01-01\nC,D,2000-01-01\n";
    let e = err(rows, Limits { max_bytes: 1000, max_rows: 1 });
    assert!(matches!(e, CoreError::ImportTooLarge { what: "rows", limit: 1 }), "{e}");
}

#[test]
fn restricted_takes_yes_and_no_and_identifier_values_are_checked() {
    let p = parse_str(
        "given_name,family_name,date_of_birth,restricted,identifier:insurer\n\
         A,B,2000-01-01,yes,M-1\n\
         C,D,2000-01-01,maybe,\n",
    );
    assert!(p.good[0].fields.restricted);
    assert_eq!(p.good[0].identifiers, [("insurer".to_owned(), "M-1".to_owned())]);
    assert_eq!(said(&p), ["line 3, restricted: \"maybe\" is not yes or no"]);
}

#[test]
fn a_quoted_value_is_cut_to_forty_characters() {
    let long = "x".repeat(5000);
    let p = parse_str(&format!("given_name,family_name,date_of_birth,sex\nA,B,2000-01-01,{long}\n"));
    assert_eq!(said(&p), [format!("line 2, sex: \"{}…\" is not female, male, other or unknown", "x".repeat(40))]);
}
