//! placeholder while the real tests are written
#[test]
fn builds() {}
