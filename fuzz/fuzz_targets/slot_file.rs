//! The key-slot file parser must never panic, and must accept only what it
//! would write.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = chartvault_seal::inspect_key_file(data) {
        assert!(!info.slots.is_empty());
        assert_eq!(info.vault_id.len(), 32);
    }
});
