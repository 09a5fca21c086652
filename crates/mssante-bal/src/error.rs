//! Errors, positions and record-level issues.
//!
//! Two kinds of problem exist:
//!
//! * [`Error`]: the file itself is unusable (no header, a required column missing,
//!   an I/O failure). Reading stops.
//! * [`Issue`]: one record has a problem. It carries a [`Position`], the column
//!   where one applies, a stable [`Code`] and a [`Severity`]: an
//!   [`Severity::Error`] rejects the record, a [`Severity::Warning`] accepts it with
//!   a remark. Reading always continues.

use std::fmt;

/// Where a record (or a problem) sits in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Position {
    /// Byte offset of the start of the line, from the start of the input (a leading
    /// BOM counts).
    pub byte: u64,
    /// Physical line, 1-based; the header is line 1.
    pub line: u64,
    /// Data record index, 1-based; the header has index 0.
    pub record: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} (record {}, byte {})", self.line, self.record, self.byte)
    }
}

/// Whether an issue rejects its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Severity {
    /// The record is rejected.
    Error,
    /// The record is accepted with a remark.
    Warning,
}

mssante_types::stable_codes! {
    /// Stable problem codes, listed in `docs/error-codes.md`.
    ///
    /// The string form (`"E203"`) never changes once published; new codes are
    /// only added.
    pub enum Code {
        /// An I/O error while reading or writing.
        Io = "F001",
        /// The input has no header line.
        NoHeader = "F002",
        /// The header line is not valid UTF-8.
        HeaderNotUtf8 = "F003",
        /// A required column is missing from the header.
        MissingColumn = "F004",
        /// The same known column appears twice in the header.
        DuplicateColumn = "F005",
        /// The header line is longer than the configured maximum.
        HeaderTooLong = "F006",
        /// The XML of a liste blanche is not well formed.
        XmlSyntax = "F007",
        /// A feed file name does not follow the pattern.
        FileName = "F008",
        /// A ZIP archive cannot be read (not a ZIP, damaged, its entry a folder
        /// or compressed with an unsupported method).
        ZipUnreadable = "F009",
        /// A ZIP archive holds zero or several entries; the published one holds
        /// one `.txt`.
        ZipEntries = "F010",
        /// A ZIP entry is bigger than the stated limit (zip bomb).
        ZipTooBig = "F011",
        /// A line does not have as many fields as the header.
        FieldCount = "E101",
        /// A line is not valid UTF-8.
        InvalidUtf8 = "E102",
        /// A line is longer than the configured maximum.
        LineTooLong = "E103",
        /// `Type de BAL` is empty.
        BalTypeEmpty = "E201",
        /// `Adresse BAL` is empty.
        AddressEmpty = "E202",
        /// `Adresse BAL` is not an RFC 5321 mailbox.
        AddressSyntax = "E203",
        /// `Adresse BAL` exceeds an RFC 5321 length limit.
        AddressTooLong = "E204",
        /// A PER or CAB BAL has no person identifier.
        PersonIdMissing = "E211",
        /// The person identifier does not have the shape of its type.
        PersonIdInvalid = "E212",
        /// The person identifier type is not a TRE_G08 code.
        PersonIdTypeInvalid = "E213",
        /// `Identification nationale PP` is not type code + identifier.
        IdNatPsMismatch = "E214",
        /// A CAB BAL's person identifier is not an RPPS number.
        CabWithoutRpps = "E215",
        /// An ORG or APP BAL has no structure identifier.
        StructureIdMissing = "E221",
        /// The structure identifier does not have the shape of its type.
        StructureIdInvalid = "E222",
        /// A SIREN or SIRET fails its (confirmed) check digit.
        SireneCheckDigit = "E224",
        /// A field of the feed format has a value outside its domain.
        FieldValueInvalid = "E231",
        /// The same address appears twice in one feed file.
        DuplicateAddress = "E232",
        /// The address's domain is not served by the depositing operator in the
        /// liste blanche.
        DomainNotServed = "E233",
        /// A line that cannot be tied to a BAL (its address is unreadable).
        LineUnattributed = "E234",
        /// The BAL type is not one of PER, ORG, APP, CAB (kept raw).
        UnknownBalType = "W201",
        /// An RPPS number fails its (reported) Luhn key.
        RppsCheckDigit = "W211",
        /// An ADELI number fails the (assumed) Luhn key.
        AdeliCheckDigit = "W212",
        /// A FINESS number fails the (assumed) Luhn key.
        FinessCheckDigit = "W213",
        /// An identifier type code is deprecated.
        DeprecatedIdType = "W214",
        /// The structure identifier type is not a recognised TRE_G07 code.
        StructureIdTypeUnknown = "W221",
        /// A flag column holds a literal that is not recognised.
        FlagUnrecognised = "W231",
        /// `Civilité d'exercice` is not a TRE_R11 code.
        CivilityUnknown = "W232",
        /// `Catégorie profession` is not a TRE_R09 code.
        CategoryUnknown = "W233",
        /// A field is longer than its (reported) maximum length.
        FieldTooLong = "W234",
        /// `Responsable` is filled for a PER or CAB BAL.
        ResponsibleNotExpected = "W235",
        /// A person identifier type code is not one the directory uses for BALs.
        PersonIdTypeUnusual = "W236",
        /// A field looks CSV-quoted (`"…"`): the format has no quoting, the
        /// quotes are kept as data.
        FieldQuoted = "W237",
        /// A liste blanche entry has no `Nom`.
        LbNameMissing = "L301",
        /// A liste blanche `Nom` is not a valid domain.
        LbDomainInvalid = "L302",
        /// A liste blanche `DNCertificatOperateur` is missing or not a DN.
        LbDnInvalid = "L303",
        /// The liste blanche ends before its closing tags.
        LbTruncated = "L304",
        /// A liste blanche date does not parse.
        LbDateInvalid = "L305",
    }
}

pub use mssante_types::StableCode;

#[cfg(feature = "serde")]
mssante_types::stable_codes_serde!(Code);

/// One problem found in one record, with a stable code of catalogue `C`
/// ([`Code`] unless said otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Issue<C = Code> {
    /// Stable code.
    pub code: C,
    /// Whether the record is rejected.
    pub severity: Severity,
    /// Where the record starts.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub position: Position,
    /// The column concerned, as spelled in the header, when one applies.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Option::is_none"))]
    pub column: Option<String>,
    /// Human-readable explanation (English).
    pub message: String,
}

impl<C: StableCode> Issue<C> {
    /// Builds an error-severity issue.
    pub fn error(code: C, position: Position, message: impl Into<String>) -> Self {
        Issue { code, severity: Severity::Error, position, column: None, message: message.into() }
    }

    /// Builds a warning-severity issue.
    pub fn warning(code: C, position: Position, message: impl Into<String>) -> Self {
        Issue { code, severity: Severity::Warning, position, column: None, message: message.into() }
    }

    /// Sets the column.
    pub fn at_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// True when the issue rejects its record.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl<C: StableCode> std::error::Error for Issue<C> {}

impl<C: StableCode> fmt::Display for Issue<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {sev} {}", self.position, self.code)?;
        if let Some(c) = &self.column {
            write!(f, " [{c}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A file-level error: the input cannot be used at all, or I/O failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing failed.
    #[error("I/O error at byte {byte}: {source}")]
    Io {
        /// Bytes consumed (or written) before the failure.
        byte: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The input is empty: no header line.
    #[error("no header line: the input is empty")]
    NoHeader,
    /// The header line is not UTF-8.
    #[error("the header line is not valid UTF-8 (byte {byte})")]
    HeaderNotUtf8 {
        /// Offset of the first invalid byte.
        byte: u64,
    },
    /// The header line is longer than the maximum line length.
    #[error("the header line is longer than {max} bytes")]
    HeaderTooLong {
        /// The configured maximum.
        max: usize,
    },
    /// Required columns are missing.
    #[error("required column(s) missing from the header: {}", .columns.join(", "))]
    MissingColumns {
        /// Canonical names of the missing columns.
        columns: Vec<&'static str>,
    },
    /// A known column appears twice.
    #[error("column {column:?} appears twice in the header (fields {first} and {second})")]
    DuplicateColumn {
        /// The canonical column name.
        column: &'static str,
        /// 1-based field index of its first occurrence.
        first: usize,
        /// 1-based field index of the second.
        second: usize,
    },
    /// Malformed XML.
    #[error("XML syntax error at line {line}, byte {byte}: {message}")]
    Xml {
        /// Byte offset.
        byte: u64,
        /// 1-based line.
        line: u64,
        /// What the XML parser said.
        message: String,
    },
    /// A feed file name does not follow the pattern.
    #[error("invalid feed file name {name:?}: {reason}")]
    FileName {
        /// The name given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A ZIP archive cannot be read.
    #[error("unusable ZIP archive: {reason}")]
    Zip {
        /// Why.
        reason: String,
    },
    /// A ZIP archive does not hold exactly one entry.
    #[error("the ZIP archive holds {entries} entries; the published extraction holds exactly one .txt")]
    ZipEntries {
        /// How many it holds.
        entries: usize,
    },
    /// A ZIP entry is declared bigger than the limit.
    #[error("ZIP entry {entry:?} is {size} bytes uncompressed, over the limit of {max} (zip bomb?)")]
    ZipTooBig {
        /// The entry's name.
        entry: String,
        /// Its declared uncompressed size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A value handed to a writer cannot be written.
    #[error("cannot write field {column:?}: {reason}")]
    Unwritable {
        /// The column.
        column: String,
        /// Why.
        reason: &'static str,
    },
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Io { .. } | Error::Unwritable { .. } => Code::Io,
            Error::NoHeader => Code::NoHeader,
            Error::HeaderNotUtf8 { .. } => Code::HeaderNotUtf8,
            Error::HeaderTooLong { .. } => Code::HeaderTooLong,
            Error::MissingColumns { .. } => Code::MissingColumn,
            Error::DuplicateColumn { .. } => Code::DuplicateColumn,
            Error::Xml { .. } => Code::XmlSyntax,
            Error::FileName { .. } => Code::FileName,
            Error::Zip { .. } => Code::ZipUnreadable,
            Error::ZipEntries { .. } => Code::ZipEntries,
            Error::ZipTooBig { .. } => Code::ZipTooBig,
        }
    }
}
