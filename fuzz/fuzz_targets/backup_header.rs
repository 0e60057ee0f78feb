//! The backup header and key-block parser, core's metadata decoder and
//! the backup folder's index parser
//! must never panic on any bytes; what the header parser accepts must be
//! consistent with the file length it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first 8 bytes choose the claimed file length; the rest is the file.
    if data.len() < 8 {
        return;
    }
    let claimed = u64::from_le_bytes(data[..8].try_into().unwrap()) % (1 << 40);
    let bytes = &data[8..];
    if let Ok(info) = chartvault_seal::backup::inspect_backup(bytes, claimed) {
        assert_eq!(info.bytes, claimed);
        assert!(info.pages >= 1);
        assert_eq!(info.backup_id.len(), 32);
    }
    let _ = chartvault_core::backup::BackupMeta::decode(bytes);
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Some((vault, entries)) = chartvault_core::backup::index::parse(text)
    {
        assert_eq!(vault.len(), 32);
        assert!(entries.iter().all(|e| e.backup_id.len() == 32 && !e.file_name.contains('/')));
    }
});
