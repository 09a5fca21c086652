//! The vocabulary: BAL types, addresses, identifiers, code lists and the typed
//! BAL record. No I/O here.

pub mod address;
pub mod bal;
pub mod bal_type;
pub mod codes;
pub mod flag;
pub mod idnat;
pub mod ids;
