//! docs/PERMISSIONS.md is the rendered matrix under a short intro.

use crate::access::matrix_markdown;

const INTRO: &str = "\
# Permissions

Generated from the permission matrix in `crates/core/src/access/matrix.rs`, the only source of
truth (the reasons for the defaults are in that file's module comment). Do not edit by hand:
`CHARTVAULT_WRITE_DOCS=1 cargo test -p chartvault-core permissions_doc` rewrites this file.

Deny by default: a user may do only what their role allows (✓) or an override grants. An explicit
per-user deny wins over a grant and over the role, and also shuts off emergency access to that
permission. Emergency access (\"break the glass\") grants one permission on one patient's record
for a limited time (one hour by default), needs a reason, and is listed for review by someone else;
only the permissions marked in the last column can be granted that way.

";

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/PERMISSIONS.md")
}

#[test]
fn permissions_doc_is_the_rendered_matrix() {
    let want = format!("{INTRO}{}", matrix_markdown());
    if std::env::var_os("CHARTVAULT_WRITE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(path(), &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(path()).unwrap_or_default();
    assert!(
        have == want,
        "docs/PERMISSIONS.md is stale or missing; regenerate it with\n  \
         CHARTVAULT_WRITE_DOCS=1 cargo test -p chartvault-core permissions_doc"
    );
}

#[test]
fn permissions_doc_table_has_a_row_per_permission_and_a_column_per_role() {
    let md = matrix_markdown();
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines.len(), 2 + crate::access::Permission::ALL.len());
    assert_eq!(
        lines[0],
        "| Permission | Description | Administrator | Provider | Staff | Auditor | Emergency access |"
    );
    for l in &lines {
        assert_eq!(l.matches('|').count(), 8, "{l}");
    }
    assert!(md.contains("| `rekey` | Rekey the vault or rotate its keys (revocation) | ✓ | — | — | — | — |"));
    assert!(md.contains("| `restricted_record_read` |"));
    assert!(md.lines().any(|l| l.starts_with("| `restricted_record_read`") && l.ends_with("| — | — | — | — | ✓ |")));
}
