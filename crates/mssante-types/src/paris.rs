//! Civil time in Paris, with one policy for the daylight-saving changes.
//!
//! Every crate that turns a Paris date and time into an instant uses
//! [`instant`]:
//!
//! - a time that exists once is that instant;
//! - a time that exists twice (the last Sunday of October, 02:00–03:00) is the
//!   **first** occurrence, in summer time;
//! - a time that does not exist (the last Sunday of March, 02:00–03:00) is read
//!   with the offset in force just **before** the gap, i.e. moved forward by the
//!   gap's length: 02:30 becomes 03:30 summer time (the "compatible" choice of
//!   RFC 5545 and of JavaScript's Temporal).
//!
//! ```
//! use chrono::NaiveDate;
//! use mssante_types::paris;
//! let d = NaiveDate::from_ymd_opt(2021, 3, 28).unwrap().and_hms_opt(2, 30, 0).unwrap();
//! assert_eq!(paris::instant(d).to_rfc3339(), "2021-03-28T03:30:00+02:00");
//! let d = NaiveDate::from_ymd_opt(2021, 10, 31).unwrap().and_hms_opt(2, 30, 0).unwrap();
//! assert_eq!(paris::instant(d).to_rfc3339(), "2021-10-31T02:30:00+02:00");
//! ```

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Europe::Paris;

/// The instant of a Paris civil date and time, with its Paris offset (policy in
/// the [module](self) documentation). Never fails.
pub fn instant(local: NaiveDateTime) -> DateTime<FixedOffset> {
    match Paris.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.fixed_offset(),
        LocalResult::None => {
            let before = local.checked_sub_signed(TimeDelta::hours(6)).unwrap_or(local);
            let offset = Paris.offset_from_utc_datetime(&before).fix();
            let utc = local.checked_sub_offset(offset).unwrap_or(local).and_utc();
            utc.with_timezone(&Paris).fixed_offset()
        }
    }
}

/// [`instant`] of a day and a time, in UTC.
pub fn instant_utc(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    instant(day.and_time(time)).with_timezone(&Utc)
}

/// Midnight of a day in Paris.
pub fn midnight(day: NaiveDate) -> DateTime<FixedOffset> {
    instant(day.and_time(NaiveTime::MIN))
}

/// An instant seen in Paris local time.
pub fn local(t: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    t.with_timezone(&Paris)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every civil time maps to an instant whose Paris reading is the same
        /// time, or (in the spring gap only) exactly one hour later.
        #[test]
        fn instant_reads_back(days in 0i64..36_500, secs in 0u32..86_400) {
            let day = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + TimeDelta::days(days);
            let t = day.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap());
            let back = instant(t).with_timezone(&Paris).naive_local();
            prop_assert!(back == t || back - t == TimeDelta::hours(1), "{t} -> {back}");
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        let _ = instant(NaiveDateTime::MIN);
        let _ = instant(NaiveDateTime::MAX);
    }
}
