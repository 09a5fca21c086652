//! The deposit codes (`D4xx`): why a deposited file is refused as a whole.
//! They belong to this crate; record-level codes stay in
//! [`mssante_bal::Code`]. Listed in `docs/error-codes.md`.

use mssante_bal::Issue;

/// A deposit problem, at the file level (`D4xx`): an [`Issue`] whose code is a
/// [`DepositCode`].
pub type DepositIssue = Issue<DepositCode>;

mssante_types::stable_codes! {
    /// Stable deposit codes. The string form (`"D407"`) never changes once
    /// published; new codes are only added.
    pub enum DepositCode {
        /// A deposited file's name does not follow the feed pattern.
        FileName = "D401",
        /// The operator in the file name is not the depositing operator.
        OperatorMismatch = "D402",
        /// The deposited file is not valid UTF-8.
        NotUtf8 = "D403",
        /// The deposited file has no usable header (missing, a required column
        /// absent, a column twice, too long).
        Header = "D404",
        /// The deposited file is larger than the size limit.
        TooLarge = "D405",
        /// The deposited file is empty or holds no record.
        Empty = "D406",
        /// The deposited file is an exact copy of a file already deposited.
        Duplicate = "D407",
        /// The depositing operator identifier is not valid.
        OperatorInvalid = "D408",
        /// The deposited file has more data lines than the record limit.
        TooManyRecords = "D409",
        /// Most data lines of the deposited file are blank.
        MostlyBlank = "D410",
    }
}

mssante_types::stable_codes_serde!(DepositCode);
