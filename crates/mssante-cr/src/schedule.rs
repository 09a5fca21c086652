//! Business dates and the integration schedule (Europe/Paris).
//!
//! A deposit belongs to the business date of its deposit time in Paris, or to
//! the next day when it arrives at or after the cut-off (default 20:00, the
//! time of the evening run). A run at time `t` integrates every business date
//! that is *closed* at `t`: the day of `t` once the cut-off has passed, the day
//! before otherwise. So a catch-up run at 10:00 on 11 December integrates the
//! files of 10 December and earlier, and the 20:00 run integrates those of the
//! 11th, as in the December 2020 notice.
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use mssante_cr::Schedule;
//! let s = Schedule::default();
//! let d = |day| NaiveDate::from_ymd_opt(2020, 12, day).unwrap();
//! // 18:59 UTC = 19:59 in Paris (winter): still the 3rd.
//! assert_eq!(s.business_date(Utc.with_ymd_and_hms(2020, 12, 3, 18, 59, 0).unwrap()), d(3));
//! assert_eq!(s.business_date(Utc.with_ymd_and_hms(2020, 12, 3, 19, 0, 0).unwrap()), d(4));
//! assert_eq!(s.closed_through(Utc.with_ymd_and_hms(2020, 12, 11, 9, 0, 0).unwrap()), d(10));
//! assert_eq!(s.closed_through(Utc.with_ymd_and_hms(2020, 12, 11, 19, 0, 0).unwrap()), d(11));
//! ```

use chrono::{DateTime, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};
use mssante_types::paris;

/// The integration schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Local (Paris) time of the daily run; deposits at or after it belong to
    /// the next business date.
    pub cutoff: NaiveTime,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { cutoff: NaiveTime::from_hms_opt(20, 0, 0).expect("valid time") }
    }
}

impl Schedule {
    /// The business date a deposit made at `at` belongs to.
    pub fn business_date(&self, at: DateTime<Utc>) -> NaiveDate {
        let local = paris::local(at);
        let day = local.date_naive();
        if local.time() >= self.cutoff { day.checked_add_days(Days::new(1)).unwrap_or(day) } else { day }
    }

    /// The last business date closed at `at`: a run at `at` integrates every
    /// deposit whose business date is on or before it.
    pub fn closed_through(&self, at: DateTime<Utc>) -> NaiveDate {
        let local = paris::local(at);
        let day = local.date_naive();
        if local.time() >= self.cutoff { day } else { day.pred_opt().unwrap_or(day) }
    }

    /// The scheduled run of a business date, as an instant: the cut-off in
    /// Paris, by the workspace's one daylight-saving policy
    /// ([`mssante_types::paris::instant`]: first occurrence of a repeated time,
    /// a time in the spring gap moved forward by the gap).
    pub fn run_time(&self, date: NaiveDate) -> DateTime<Utc> {
        mssante_types::paris::instant_utc(date, self.cutoff)
    }
}

/// Renders an instant in Paris local time, RFC 3339 with its offset
/// (`2020-12-11T20:00:00+01:00`); [`parse_time`] reads it back. Before 1911
/// Paris kept its local mean time (UTC+00:09:21), an offset RFC 3339 cannot
/// write: such instants are written in UTC (`Z`) so that nothing is lost.
pub fn format_time(t: DateTime<Utc>) -> String {
    use chrono::Offset;
    let local = paris::local(t);
    if local.offset().fix().local_minus_utc() % 60 == 0 {
        local.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    } else {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// The window of instants the state accepts for deposits and runs: from
/// 2000-01-01 to 2099-12-31 (Paris time, inclusive). A clock or an `--at`
/// outside it is a mistake (`0000-01-01`, a year typed as `20201`), and its
/// reports could not be read back by every tool.
pub fn check_instant(at: DateTime<Utc>) -> Result<(), crate::Error> {
    use chrono::Datelike;
    let year = paris::local(at).year();
    if (2000..=2099).contains(&year) {
        Ok(())
    } else {
        Err(crate::Error::state(
            crate::error::StateCode::InstantOutOfRange,
            format!("instant {} is outside 2000-01-01 to 2099-12-31", format_time(at)),
        ))
    }
}

/// Parses an RFC 3339 instant (any offset, or `Z`).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn summer_time_cutoff() {
        let s = Schedule::default();
        // 18:00 UTC in July = 20:00 in Paris.
        let t = Utc.with_ymd_and_hms(2021, 7, 1, 18, 0, 0).unwrap();
        assert_eq!(s.business_date(t), NaiveDate::from_ymd_opt(2021, 7, 2).unwrap());
        assert_eq!(s.run_time(NaiveDate::from_ymd_opt(2021, 7, 1).unwrap()), t);
        assert_eq!(format_time(t), "2021-07-01T20:00:00+02:00");
        assert_eq!(parse_time(&format_time(t)), Some(t));
    }

    #[test]
    fn instants_outside_the_window_are_refused() {
        assert!(check_instant(Utc.with_ymd_and_hms(2020, 12, 11, 19, 0, 0).unwrap()).is_ok());
        // 1999-12-31T23:30Z is already 2000 in Paris.
        assert!(check_instant(Utc.with_ymd_and_hms(1999, 12, 31, 23, 30, 0).unwrap()).is_ok());
        assert!(check_instant(Utc.with_ymd_and_hms(1999, 12, 31, 22, 30, 0).unwrap()).is_err());
        let e = check_instant(Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap()).unwrap_err();
        assert_eq!(e.state_code(), Some(crate::error::StateCode::InstantOutOfRange));
        assert!(check_instant(Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap()).is_err());
    }

    /// Fuzz regression (cr_deposit_report): Paris local mean time before 1911 is
    /// UTC+00:09:21; written with a minute offset, 21 seconds were lost.
    #[test]
    fn fuzz_regression_local_mean_time() {
        let t = Utc.with_ymd_and_hms(1701, 12, 5, 8, 0, 21).unwrap();
        assert_eq!(format_time(t), "1701-12-05T08:00:21Z");
        assert_eq!(parse_time(&format_time(t)), Some(t));
    }
}
