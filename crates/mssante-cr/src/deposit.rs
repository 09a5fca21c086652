//! CR de dépôt: the file-level checks made when an operator deposits a file.
//!
//! A deposit is accepted or rejected as a whole. Every reason is reported (the
//! checks do not stop at the first): name pattern (`D401`), operator in the
//! name ≠ depositor (`D402`), not UTF-8 (`D403`), no usable header (`D404`),
//! over the size limit (`D405`), empty or without any record (`D406`), exact
//! copy of a file already accepted (`D407`), invalid depositor (`D408`), more
//! data lines than the record limit (`D409`), mostly blank lines (`D410`).
//! Record-level problems are not checked here: they are the integration's.
//!
//! The limits are checked while reading: [`read_limited`] stops one byte past
//! the size limit, so a file of any size (or an endless stream) costs at most
//! the limit in memory.

use crate::deposit_code::{DepositCode, DepositIssue};
use crate::report::{DepositOutcome, DepositReport};
use crate::schedule::Schedule;
use chrono::{DateTime, Utc};
use mssante_bal::feed::FeedFileName;
use mssante_bal::{Error as BalError, Format, Issue, Position, Reader, ReaderConfig};

/// Default size limit: 256 MiB. The whole national extraction (the largest
/// BAL file in the ecosystem, all operators together) is about 90 MB; one
/// operator's feed is smaller.
pub const DEFAULT_MAX_SIZE: u64 = 256 * 1024 * 1024;

/// Default record limit: 2,000,000 data lines (the national extraction holds
/// about 535,000).
pub const DEFAULT_MAX_RECORDS: u64 = 2_000_000;

/// Default share of blank data lines above which a file is rejected as a
/// whole: 50 %.
pub const DEFAULT_MAX_BLANK_PERCENT: u8 = 50;

/// Deposit settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositPolicy {
    /// Largest accepted file, in bytes.
    pub max_size: u64,
    /// Most data lines accepted.
    pub max_records: u64,
    /// A file whose blank data lines are more than this share (in percent) of
    /// its data lines is rejected (`D410`); each blank line would otherwise be
    /// one rejected line of the CR d'intégration.
    pub max_blank_percent: u8,
    /// Accept a file with a header and no record. Off by default: since a file
    /// is the complete set of the operator's BALs, it would delete them all.
    pub allow_no_records: bool,
    /// Longest header line accepted.
    pub max_line_len: usize,
    /// Business dates and cut-off.
    pub schedule: Schedule,
}

impl Default for DepositPolicy {
    fn default() -> Self {
        DepositPolicy {
            max_size: DEFAULT_MAX_SIZE,
            max_records: DEFAULT_MAX_RECORDS,
            max_blank_percent: DEFAULT_MAX_BLANK_PERCENT,
            allow_no_records: false,
            max_line_len: mssante_bal::reader::DEFAULT_MAX_LINE,
            schedule: Schedule::default(),
        }
    }
}

/// One file handed in by an operator.
#[derive(Debug, Clone, Copy)]
pub struct Deposit<'a> {
    /// The file name as deposited.
    pub file_name: &'a str,
    /// Its bytes.
    pub content: &'a [u8],
    /// The depositing operator, as authenticated by the caller.
    pub operator: &'a str,
    /// When it was received.
    pub at: DateTime<Utc>,
}

pub use crate::digest::sha256_hex;

/// Reads at most `max_size + 1` bytes: enough to tell that a file is over the
/// limit without reading the rest of it (`/dev/zero` included).
///
/// ```
/// let (bytes, complete) = mssante_cr::deposit::read_limited(&b"abcdef"[..], 4).unwrap();
/// assert_eq!((bytes.as_slice(), complete), (&b"abcde"[..], false));
/// ```
pub fn read_limited(r: impl std::io::Read, max_size: u64) -> std::io::Result<(Vec<u8>, bool)> {
    use std::io::Read as _;
    let mut out = Vec::new();
    r.take(max_size.saturating_add(1)).read_to_end(&mut out)?;
    let complete = out.len() as u64 <= max_size;
    Ok((out, complete))
}

/// Data lines (physical lines after the header) and how many of them are
/// blank (nothing but spaces, tabs and a CR).
fn data_lines(content: &[u8]) -> (u64, u64) {
    if content.is_empty() {
        return (0, 0);
    }
    let (mut lines, mut blank) = (0u64, 0u64);
    for (line, _) in mssante_bal::lines::Lines::new(content).skip(1) {
        lines += 1;
        blank += u64::from(line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')));
    }
    (lines, blank)
}

fn file_issue(code: DepositCode, message: impl Into<String>) -> DepositIssue {
    Issue::error(code, Position::default(), message)
}

/// Checks a deposit. `accepted_before` answers, for a content hash, the name
/// of an already accepted file with that content, if any.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use mssante_cr::deposit::{check_deposit, Deposit, DepositPolicy};
/// let content = format!("{}\nPER|a@x.mssante.fr|8|10000000009||||||||N|\n", mssante_bal::Format::Feed.header());
/// let d = Deposit {
///     file_name: "BALMSS_OPE-1_20201203170000.txt",
///     content: content.as_bytes(),
///     operator: "OPE-2",
///     at: Utc.with_ymd_and_hms(2020, 12, 3, 17, 5, 0).unwrap(),
/// };
/// let r = check_deposit(&d, &DepositPolicy::default(), |_| None);
/// assert!(!r.is_accepted());
/// assert_eq!(r.reasons[0].code.as_str(), "D402");
/// assert_eq!(r.records, 1);
/// ```
pub fn check_deposit(
    d: &Deposit<'_>,
    policy: &DepositPolicy,
    accepted_before: impl Fn(&str) -> Option<String>,
) -> DepositReport {
    let sha256 = sha256_hex(d.content);
    let earlier = accepted_before(&sha256);
    check_hashed(d, policy, sha256, earlier)
}

/// [`check_deposit`] with the content's hash already computed and the
/// earlier accepted file with that hash already looked up.
pub(crate) fn check_hashed(
    d: &Deposit<'_>,
    policy: &DepositPolicy,
    sha256: String,
    earlier: Option<String>,
) -> DepositReport {
    let mut reasons = Vec::new();
    if !mssante_bal::feed::is_operator_id(d.operator) {
        reasons.push(file_issue(
            DepositCode::OperatorInvalid,
            format!("depositor {:?} is not 1 to 64 of [A-Za-z0-9-]", d.operator),
        ));
    }
    let name = d.file_name.parse::<FeedFileName>();
    match &name {
        Err(e) => reasons.push(file_issue(DepositCode::FileName, e.to_string())),
        Ok(n) if n.operator() != d.operator => reasons.push(file_issue(
            DepositCode::OperatorMismatch,
            format!("the name is for operator {:?}, the file was deposited by {:?}", n.operator(), d.operator),
        )),
        Ok(_) => {}
    }
    let size = d.content.len() as u64;
    if size > policy.max_size {
        reasons.push(file_issue(
            DepositCode::TooLarge,
            format!("{size} bytes or more, over the limit of {} bytes", policy.max_size),
        ));
    }
    let (records, blank) = data_lines(d.content);
    if records > policy.max_records {
        reasons.push(file_issue(
            DepositCode::TooManyRecords,
            format!("{records} data lines, more than the limit of {}", policy.max_records),
        ));
    }
    if records > 0 && blank * 100 > records * u64::from(policy.max_blank_percent) {
        reasons.push(file_issue(
            DepositCode::MostlyBlank,
            format!("{blank} of the {records} data lines are blank, more than {} %", policy.max_blank_percent),
        ));
    }
    if d.content.is_empty() {
        reasons.push(file_issue(DepositCode::Empty, "the file is empty"));
    } else {
        if let Err(e) = simdutf8::compat::from_utf8(d.content) {
            let at = e.valid_up_to();
            let line = 1 + memchr::memchr_iter(b'\n', &d.content[..at]).count() as u64;
            reasons.push(Issue::error(
                DepositCode::NotUtf8,
                Position { byte: at as u64, line, record: line.saturating_sub(1) },
                format!("invalid UTF-8 at byte {at} (line {line})"),
            ));
        }
        let config = ReaderConfig { max_line_len: policy.max_line_len, ..ReaderConfig::default() };
        match Reader::with_config(d.content, Format::Feed, config) {
            Ok(_) => {}
            Err(BalError::NoHeader) => reasons.push(file_issue(DepositCode::Empty, "the file has no header line")),
            Err(e) => reasons.push(Issue::error(
                DepositCode::Header,
                Position { byte: 0, line: 1, record: 0 },
                format!("{e} ({})", e.code()),
            )),
        }
        if records == 0 && !policy.allow_no_records {
            reasons.push(file_issue(
                DepositCode::Empty,
                "the file holds no BAL: as the complete set of the operator's BALs it would delete them all",
            ));
        }
    }
    if let Some(earlier) = earlier {
        reasons.push(file_issue(DepositCode::Duplicate, format!("same content as {earlier:?}, already deposited")));
    }
    let outcome = if reasons.iter().any(Issue::is_error) { DepositOutcome::Rejected } else { DepositOutcome::Accepted };
    DepositReport {
        file_name: d.file_name.to_owned(),
        operator: d.operator.to_owned(),
        deposited_at: d.at,
        business_date: policy.schedule.business_date(d.at),
        generated_at: name.ok().map(|n| n.generated_at()),
        size,
        sha256,
        outcome,
        records,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 12, 3, 10, 0, 0).unwrap()
    }

    fn codes(r: &DepositReport) -> Vec<&str> {
        r.reasons.iter().map(|i| i.code.as_str()).collect()
    }

    #[test]
    fn every_reason_is_reported() {
        let d = Deposit { file_name: "feed.csv", content: b"\xff\xfe", operator: "OPE 1", at: at() };
        let policy = DepositPolicy { max_size: 1, ..DepositPolicy::default() };
        let r = check_deposit(&d, &policy, |_| Some("BALMSS_X_20201202000000.txt".into()));
        assert_eq!(codes(&r), ["D408", "D401", "D405", "D403", "D404", "D406", "D407"]);
        assert_eq!(r.outcome, DepositOutcome::Rejected);
        assert_eq!(r.size, 2);
    }

    #[test]
    fn record_limit_and_mostly_blank_files() {
        let header = Format::Feed.header();
        let line = "PER|a@x.mssante.fr|8|10000000009||||||||N|";
        let deposit = |content: &str, policy: &DepositPolicy| {
            let d = Deposit {
                file_name: "BALMSS_OPE-1_20201203090000.txt",
                content: content.as_bytes(),
                operator: "OPE-1",
                at: at(),
            };
            codes(&check_deposit(&d, policy, |_| None)).join(",")
        };
        let policy = DepositPolicy { max_records: 2, ..DepositPolicy::default() };
        assert_eq!(deposit(&format!("{header}\n{line}\n{line}\n"), &policy), "");
        assert_eq!(deposit(&format!("{header}\n{line}\n{line}\n{line}\n"), &policy), "D409");
        // Half blank is tolerated (each blank line is a rejected line later), more is not.
        let p = DepositPolicy::default();
        assert_eq!(deposit(&format!("{header}\n{line}\n\n"), &p), "");
        assert_eq!(deposit(&format!("{header}\n{line}\n\n \r\n"), &p), "D410");
        assert_eq!(deposit(&format!("{header}\n{}", "\n".repeat(10_000)), &p), "D410");
    }

    #[test]
    fn header_only_is_empty_unless_allowed() {
        let content = format!("{}\n", Format::Feed.header());
        let d = Deposit {
            file_name: "BALMSS_OPE-1_20201203090000.txt",
            content: content.as_bytes(),
            operator: "OPE-1",
            at: at(),
        };
        let r = check_deposit(&d, &DepositPolicy::default(), |_| None);
        assert_eq!(codes(&r), ["D406"]);
        let policy = DepositPolicy { allow_no_records: true, ..DepositPolicy::default() };
        assert!(check_deposit(&d, &policy, |_| None).is_accepted());
        assert_eq!(data_lines(b"h\na\nb"), (2, 0));
        assert_eq!(data_lines(b"h\na\n"), (1, 0));
        assert_eq!(data_lines(b"h"), (0, 0));
        assert_eq!(data_lines(b"h\n\n \r\nx"), (3, 2));
    }
}
