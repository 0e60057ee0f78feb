use super::*;

const CTX: Context<'static> =
    Context { username: "mthompson", display_name: "Maria Thompson", clinic: "Riverside Family Clinic" };

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Accepted,
    TooShort,
    TooLong,
    Control,
    Guessable,
}

fn kind(r: &Result<(), PolicyRefusal>) -> Expect {
    match r {
        Ok(()) => Expect::Accepted,
        Err(PolicyRefusal::TooShort { .. }) => Expect::TooShort,
        Err(PolicyRefusal::TooLong) => Expect::TooLong,
        Err(PolicyRefusal::ControlCharacter) => Expect::Control,
        Err(PolicyRefusal::TooGuessable { .. }) => Expect::Guessable,
    }
}

#[test]
fn the_policy_table() {
    let long_ok: String = "lantern orbit mosaic velvet ".repeat(37)[..1024].to_owned();
    let too_long = format!("{long_ok}x");
    let cases: Vec<(&str, Expect, &[&str])> = vec![
        ("", Expect::TooShort, &["add 12 more characters"]),
        ("kettle", Expect::TooShort, &["too short", "add 6 more characters", "at least 12"]),
        ("kettle sprue", Expect::Accepted, &[]),
        ("kettle spru", Expect::TooShort, &["add 1 more character "]),
        // Counted as characters, not bytes: 11 characters, 22 bytes.
        ("éléphantéél", Expect::TooShort, &["add 1 more character "]),
        ("password1234", Expect::Guessable, &["too easy to guess", "very common password"]),
        ("qwertyuiop12", Expect::Guessable, &["too easy to guess", "similar to a commonly used password"]),
        ("mthompsonmthompson", Expect::Guessable, &["too easy to guess", "Repeats like"]),
        ("MariaThompson1985", Expect::Guessable, &["too easy to guess", "Add another word"]),
        ("RiversideFamilyClinic2024", Expect::Guessable, &["too easy to guess", "Add another word"]),
        ("riversidefamilyclinic", Expect::Guessable, &["too easy to guess"]),
        ("lantern orbit mosaic velvet", Expect::Accepted, &[]),
        ("Zwölf Äpfel über Brücken", Expect::Accepted, &[]),
        ("lantern orbit\tmosaic velvet", Expect::Control, &["control character", "tab"]),
        ("lantern orbit\nmosaic velvet", Expect::Control, &["control character"]),
        ("lantern orbit\u{7f}mosaic velvet", Expect::Control, &["control character"]),
        ("lantern orbit\u{85}mosaic velvet", Expect::Control, &["control character"]),
        (&long_ok, Expect::Accepted, &[]),
        (&too_long, Expect::TooLong, &["too long", "at most 1024"]),
    ];
    for (password, expected, keywords) in cases {
        let shown = password.chars().take(40).collect::<String>();
        let result = check(password, &CTX);
        assert_eq!(kind(&result), expected, "{shown:?}: {result:?}");
        let reason = result.err().map(|r| r.to_string()).unwrap_or_default();
        for keyword in keywords {
            assert!(reason.contains(keyword), "{shown:?}: {reason:?} lacks {keyword:?}");
        }
        // The meter agrees with the check.
        let meter = strength(password, &CTX);
        assert_eq!(meter.score >= MIN_SCORE, expected == Expect::Accepted, "{shown:?}: {meter:?}");
        assert!(meter.score <= 4 && meter.guesses_log10 >= 0.0);
        if expected != Expect::Accepted {
            assert!(!meter.feedback.is_empty(), "{shown:?}");
        }
    }
}

#[test]
fn the_names_around_the_user_count_against_a_password() {
    // Guessable because of who it is for: fine for someone else.
    let other = Context { username: "jdoe", display_name: "Jo Doe", clinic: "Lakeview Dental" };
    for password in ["mthompsonmthompson", "RiversideFamilyClinic2024", "riversidefamilyclinic"] {
        assert!(matches!(check(password, &CTX), Err(PolicyRefusal::TooGuessable { .. })), "{password}");
        assert!(strength(password, &other).guesses_log10 > strength(password, &CTX).guesses_log10 + 2.0, "{password}");
    }
}

#[test]
fn a_refusal_without_zxcvbn_advice_still_says_what_to_do() {
    let bare = PolicyRefusal::TooGuessable { warning: None, suggestions: Vec::new() };
    assert!(bare.to_string().contains("several unrelated words"), "{bare}");
    let advised =
        PolicyRefusal::TooGuessable { warning: Some("A word by itself is easy to guess.".into()), suggestions: vec![] };
    assert_eq!(advised.to_string(), "the password is too easy to guess. A word by itself is easy to guess.");
}

#[test]
fn the_meter_reports_length_first_and_zxcvbn_feedback_after() {
    let meter = strength("password", &CTX);
    assert!(meter.score <= 2);
    assert!(meter.feedback[0].contains("add 4 more characters"), "{meter:?}");
    assert!(meter.feedback.iter().any(|f| f.contains("common password")), "{meter:?}");
    let good = strength("lantern orbit mosaic velvet", &CTX);
    assert_eq!((good.score, good.feedback.is_empty()), (4, true), "{good:?}");
    assert!(good.guesses_log10 > 10.0);
    assert_eq!(strength("", &CTX).guesses_log10, 0.0);
}
