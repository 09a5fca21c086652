//! French date expressions as the ANS writes them, parsed with nom.
//!
//! | Text | [`When`] |
//! |---|---|
//! | `le 10/12`, `3/12/2020`, `11 décembre`, `du 07/12/2020` | [`When::Day`] |
//! | `le 11/12/2020 à 20h` | [`When::DayAt`] |
//! | `à 20h`, `à 20h30` | [`When::Time`] |
//! | `les 3, 4, 5, 7, 8, 9 et 10 décembre`, `du 1er et 2 décembre 2020` | [`When::AllOf`] |
//! | `dans la journée du 12 ou 13 décembre` | [`When::AnyOf`] |
//! | `du 1/12 au 4/12` | [`When::Range`] |
//! | `la semaine du 14/12` | [`When::WeekOf`] |
//! | `depuis le 3/12/2020` | [`When::Since`] |
//! | `à partir du 3 décembre` | [`When::From`] |
//!
//! A date without a year takes the year that puts it closest to the notice
//! date ([`DayMonth::resolve`]); times are Europe/Paris.
//!
//! ```
//! use chrono::NaiveDate;
//! use mssante_incident::date::{parse_when, When};
//! let w = parse_when("les 3, 4, 5, 7, 8, 9 et 10 décembre").unwrap();
//! let notice = NaiveDate::from_ymd_opt(2020, 12, 11).unwrap();
//! let days = w.days(notice);
//! assert_eq!(days.len(), 7);
//! assert_eq!(days[0], NaiveDate::from_ymd_opt(2020, 12, 3).unwrap());
//! assert_eq!(w.to_string(), "les 3, 4, 5, 7, 8, 9 et 10 décembre");
//! assert!(matches!(parse_when("dans la journée du 12 ou 13 décembre").unwrap(), When::AnyOf { dates } if dates.len() == 2));
//! ```

use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::{all_consuming, map_opt, opt, recognize, value};
use nom::multi::many_m_n;
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Month names, lower case, with their unaccented spellings.
const MONTHS: [(&str, u32); 15] = [
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
];

const MONTH_NAMES: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// How a date was written: `3/12` or `3 décembre`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// `3/12`, `03/12/2020`.
    Numeric,
    /// `3 décembre`, `1er décembre 2020`.
    Words,
}

/// A day of a month, with or without its year, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayMonth {
    /// Day, 1–31.
    pub day: u32,
    /// Month, 1–12.
    pub month: u32,
    /// Year, when written.
    pub year: Option<i32>,
    /// Numeric or words.
    pub style: Style,
    /// Zero-padded (`07/12`), numeric style only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub padded: bool,
}

impl DayMonth {
    /// A date in words (`3 décembre 2020`); `None` when the day does not exist
    /// in that month (any year).
    pub fn new(day: u32, month: u32, year: Option<i32>, style: Style) -> Option<Self> {
        let y = year.unwrap_or(2020); // a leap year: 29/02 exists
        NaiveDate::from_ymd_opt(y, month, day)?;
        Some(DayMonth { day, month, year, style, padded: false })
    }

    /// The calendar date: the year written, or the one (notice year − 1, + 0,
    /// + 1) that puts it closest to `notice`.
    pub fn resolve(&self, notice: NaiveDate) -> Option<NaiveDate> {
        if let Some(y) = self.year {
            return NaiveDate::from_ymd_opt(y, self.month, self.day);
        }
        [notice.year() - 1, notice.year(), notice.year() + 1]
            .into_iter()
            .filter_map(|y| NaiveDate::from_ymd_opt(y, self.month, self.day))
            .min_by_key(|d| (*d - notice).num_days().abs())
    }

    fn write_day(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.style {
            Style::Words if self.day == 1 => write!(f, "1er"),
            Style::Words => write!(f, "{}", self.day),
            Style::Numeric if self.padded => write!(f, "{:02}", self.day),
            Style::Numeric => write!(f, "{}", self.day),
        }
    }
}

impl fmt::Display for DayMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_day(f)?;
        match self.style {
            Style::Words => write!(f, " {}", MONTH_NAMES[(self.month - 1) as usize])?,
            Style::Numeric if self.padded => write!(f, "/{:02}", self.month)?,
            Style::Numeric => write!(f, "/{}", self.month)?,
        }
        if let Some(y) = self.year {
            write!(f, "{}{y:04}", if self.style == Style::Words { " " } else { "/" })?;
        }
        Ok(())
    }
}

/// A time of day (`20h`, `20h30`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hour {
    /// 0–23.
    pub hour: u32,
    /// 0–59; `None` when only the hour is written.
    pub minute: Option<u32>,
}

impl Hour {
    /// The time.
    pub fn time(&self) -> NaiveTime {
        NaiveTime::from_hms_opt(self.hour, self.minute.unwrap_or(0), 0).unwrap_or(NaiveTime::MIN)
    }
}

impl fmt::Display for Hour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.minute {
            Some(m) => write!(f, "{}h{m:02}", self.hour),
            None => write!(f, "{}h", self.hour),
        }
    }
}

/// A date expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum When {
    /// One day: `le 10/12`.
    Day {
        /// The day.
        date: DayMonth,
    },
    /// A day at a time: `le 11/12/2020 à 20h`.
    DayAt {
        /// The day.
        date: DayMonth,
        /// The time.
        at: Hour,
    },
    /// A time of day: `à 20h`.
    Time {
        /// The time.
        at: Hour,
    },
    /// Every one of these days: `les 3, 4 et 5 décembre`.
    AllOf {
        /// The days, in order.
        dates: Vec<DayMonth>,
    },
    /// One of these days: `dans la journée du 12 ou 13 décembre`.
    AnyOf {
        /// The candidate days.
        dates: Vec<DayMonth>,
    },
    /// A range: `du 1/12 au 4/12`.
    Range {
        /// First day.
        from: DayMonth,
        /// Last day.
        to: DayMonth,
    },
    /// The week of a day: `la semaine du 14/12`.
    WeekOf {
        /// A day of the week.
        date: DayMonth,
    },
    /// Since a day, still going: `depuis le 3/12/2020`.
    Since {
        /// The start.
        date: DayMonth,
    },
    /// From a day on: `à partir du 3 décembre`.
    From {
        /// The start.
        date: DayMonth,
    },
}

impl When {
    /// The days the expression names (a range, a week: every day of it; an
    /// open-ended one: its start), resolved against the notice date.
    pub fn days(&self, notice: NaiveDate) -> Vec<NaiveDate> {
        let r = |d: &DayMonth| d.resolve(notice);
        match self {
            When::Day { date } | When::DayAt { date, .. } | When::Since { date } | When::From { date } => {
                r(date).into_iter().collect()
            }
            When::Time { .. } => Vec::new(),
            When::AllOf { dates } | When::AnyOf { dates } => dates.iter().filter_map(r).collect(),
            When::Range { from, to } => match (r(from), r(to)) {
                (Some(a), Some(b)) if a <= b && (b - a).num_days() <= 366 => {
                    a.iter_days().take_while(|d| *d <= b).collect()
                }
                _ => Vec::new(),
            },
            When::WeekOf { date } => r(date)
                .map(|d| {
                    let monday = d - Days::new(u64::from(d.weekday().num_days_from_monday()));
                    monday.iter_days().take(7).collect()
                })
                .unwrap_or_default(),
        }
    }
}

fn list(f: &mut fmt::Formatter<'_>, dates: &[DayMonth], last_sep: &str) -> fmt::Result {
    // `3, 4 et 5 décembre` when all share a month and year in words; otherwise full dates.
    let shared = dates.len() > 1
        && dates.iter().all(|d| d.style == Style::Words && d.month == dates[0].month && d.year == dates[0].year);
    for (i, d) in dates.iter().enumerate() {
        if i > 0 {
            f.write_str(if i + 1 == dates.len() { last_sep } else { ", " })?;
        }
        if shared && i + 1 < dates.len() {
            d.write_day(f)?;
        } else {
            write!(f, "{d}")?;
        }
    }
    Ok(())
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Day { date } => write!(f, "le {date}"),
            When::DayAt { date, at } => write!(f, "le {date} à {at}"),
            When::Time { at } => write!(f, "à {at}"),
            When::AllOf { dates } => {
                f.write_str("les ")?;
                list(f, dates, " et ")
            }
            When::AnyOf { dates } => {
                f.write_str("dans la journée du ")?;
                list(f, dates, " ou ")
            }
            When::Range { from, to } => write!(f, "du {from} au {to}"),
            When::WeekOf { date } => write!(f, "la semaine du {date}"),
            When::Since { date } => write!(f, "depuis le {date}"),
            When::From { date } => write!(f, "à partir du {date}"),
        }
    }
}

/// Why a date expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date expression: {0:?}")]
pub struct DateError(pub String);

fn number(max_len: usize) -> impl Fn(&str) -> IResult<&str, (u32, usize)> {
    move |i| {
        map_opt(digit1, |d: &str| (d.len() <= max_len).then(|| d.parse().ok().map(|n| (n, d.len()))).flatten()).parse(i)
    }
}

fn year(i: &str) -> IResult<&str, i32> {
    map_opt(digit1, |d: &str| (d.len() == 4).then(|| d.parse().ok()).flatten()).parse(i)
}

fn month_name(i: &str) -> IResult<&str, u32> {
    for (name, m) in MONTHS {
        if let Ok((rest, _)) = tag_no_case::<_, _, nom::error::Error<&str>>(name).parse(i) {
            if rest.chars().next().is_some_and(char::is_alphanumeric) {
                continue;
            }
            return Ok((rest, m));
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag)))
}

/// `1er` or `3`: (day, written "1er").
fn day_word(i: &str) -> IResult<&str, u32> {
    alt((value(1, tag("1er")), map_opt(number(2), |(n, _)| (1..=31).contains(&n).then_some(n)))).parse(i)
}

fn numeric_date(i: &str) -> IResult<&str, DayMonth> {
    let (i, (d, dl)) = number(2).parse(i)?;
    let (i, _) = char('/').parse(i)?;
    let (i, (m, ml)) = number(2).parse(i)?;
    let (i, y) = opt(preceded(char('/'), year)).parse(i)?;
    let padded = dl == 2 && ml == 2 && (d < 10 || m < 10);
    if (dl == 2 && d < 10 || ml == 2 && m < 10) && !padded {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify)));
    }
    match DayMonth::new(d, m, y, Style::Numeric) {
        Some(mut dm) => {
            dm.padded = padded;
            Ok((i, dm))
        }
        None => Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify))),
    }
}

fn word_date(i: &str) -> IResult<&str, DayMonth> {
    let (i, d) = day_word(i)?;
    let (i, m) = preceded(space1, month_name).parse(i)?;
    let (i, y) = opt(preceded(space1, year)).parse(i)?;
    DayMonth::new(d, m, y, Style::Words)
        .map(|dm| (i, dm))
        .ok_or_else(|| nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify)))
}

fn date(i: &str) -> IResult<&str, DayMonth> {
    alt((numeric_date, word_date)).parse(i)
}

fn hour(i: &str) -> IResult<&str, Hour> {
    let (i, (h, _)) = number(2).parse(i)?;
    let (i, _) = tag_no_case("h").parse(i)?;
    let (i, m) = opt(number(2)).parse(i)?;
    if h > 23 || m.is_some_and(|(m, l)| m > 59 || l != 2) {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify)));
    }
    Ok((i, Hour { hour: h, minute: m.map(|(m, _)| m) }))
}

/// The most dates one list expression holds ([`When::AllOf`], [`When::AnyOf`]):
/// a longer list in a text reads as several expressions. The bound keeps
/// [`find_all`] linear in its text whatever the text holds (a list that never
/// ends with its month would otherwise be read again from each of its days).
pub const MAX_LIST: usize = 40;

/// A list joined by `, ` and a final `sep` (`et`, `ou`): either full dates, or
/// days sharing the month (and year) written after the last one; at most
/// [`MAX_LIST`] dates.
fn date_list<'a>(
    sep: &'static str,
) -> impl Parser<&'a str, Output = Vec<DayMonth>, Error = nom::error::Error<&'a str>> {
    move |i: &'a str| {
        let sep_p = |i: &'a str| -> IResult<&'a str, ()> {
            value((), alt((recognize((space0, char(','), space0)), recognize((space1, tag(sep), space1))))).parse(i)
        };
        // Full dates.
        if let Ok((rest, (first, more))) = (date, many_m_n(0, MAX_LIST - 1, preceded(sep_p, date))).parse(i)
            && !more.is_empty()
        {
            let mut v = vec![first];
            v.extend(more);
            return Ok((rest, v));
        }
        // Days, then the month of the last.
        let (rest, (days, last)) = (many_m_n(0, MAX_LIST - 1, terminated(day_word, sep_p)), word_date).parse(i)?;
        if days.is_empty() {
            return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Many1)));
        }
        let mut v = Vec::with_capacity(days.len() + 1);
        for d in days {
            match DayMonth::new(d, last.month, last.year, Style::Words) {
                Some(dm) => v.push(dm),
                None => return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify))),
            }
        }
        v.push(last);
        Ok((rest, v))
    }
}

fn kw<'a>(words: &'static str) -> impl Parser<&'a str, Output = &'a str, Error = nom::error::Error<&'a str>> {
    terminated(tag_no_case(words), space1)
}

/// One expression, at the start of `i`.
pub fn when(i: &str) -> IResult<&str, When> {
    alt((
        preceded(
            (kw("dans la journée du"),),
            alt((date_list("ou").map(|dates| When::AnyOf { dates }), date.map(|d| When::AnyOf { dates: vec![d] }))),
        ),
        preceded(kw("la semaine du"), date).map(|date| When::WeekOf { date }),
        preceded(alt((kw("depuis le"), kw("depuis"))), date).map(|date| When::Since { date }),
        preceded(kw("à partir du"), date).map(|date| When::From { date }),
        preceded(kw("du"), (date, preceded((space1, tag_no_case("au"), space1), date)))
            .map(|(from, to)| When::Range { from, to }),
        preceded(alt((kw("sur la période du"), kw("les"), kw("du"))), date_list("et"))
            .map(|dates| When::AllOf { dates }),
        preceded(kw("du"), (date, opt(preceded((space1, tag("à"), space1), hour)))).map(|(date, at)| match at {
            Some(at) => When::DayAt { date, at },
            None => When::Day { date },
        }),
        preceded(kw("le"), (date, opt(preceded((space1, tag("à"), space1), hour)))).map(|(date, at)| match at {
            Some(at) => When::DayAt { date, at },
            None => When::Day { date },
        }),
        preceded(kw("à"), hour).map(|at| When::Time { at }),
        date_list("et").map(|dates| When::AllOf { dates }),
        date.map(|date| When::Day { date }),
    ))
    .parse(i)
}

/// Parses a whole expression (surrounding spaces allowed).
pub fn parse_when(s: &str) -> Result<When, DateError> {
    all_consuming(preceded(space0, terminated(when, space0)))
        .parse(s)
        .map(|(_, w)| w)
        .map_err(|_| DateError(s.to_owned()))
}

/// Whether an expression can start here: every form of [`when`] starts with a
/// digit or one of `d`, `l`, `s`, `à` (either case). Skipping other places
/// before trying the grammar changes nothing but time.
fn may_start(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_digit() => true,
        Some(b'd' | b'D' | b'l' | b'L' | b's' | b'S') => true,
        Some(0xC3) => s.starts_with('à') || s.starts_with('À'),
        _ => false,
    }
}

/// An expression found in a text, with its byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// The expression.
    pub when: When,
}

/// Every date expression in a text, left to right, longest first at each word.
/// Line breaks and runs of spaces count as one space.
pub fn find_all(text: &str) -> Vec<Found> {
    find_all_from(text, may_start)
}

fn find_all_from(text: &str, may_start: fn(&str) -> bool) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let at_word = i == 0 || !text[..i].chars().next_back().is_some_and(char::is_alphanumeric);
        if at_word
            && may_start(&text[i..])
            && let Ok((rest, w)) = when(&text[i..])
        {
            let end = text.len() - rest.len();
            // A match must end at a word boundary.
            if !rest.chars().next().is_some_and(char::is_alphanumeric) {
                out.push(Found { start: i, end, when: w });
                i = end;
                continue;
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_form_of_the_notice() {
        let notice = d(2020, 12, 11);
        let cases: [(&str, Vec<NaiveDate>); 9] = [
            ("le 10/12", vec![d(2020, 12, 10)]),
            ("depuis le 3/12/2020", vec![d(2020, 12, 3)]),
            ("du 07/12/2020", vec![d(2020, 12, 7)]),
            ("à partir du 3 décembre 2020", vec![d(2020, 12, 3)]),
            ("les 1er et 2 décembre 2020", vec![d(2020, 12, 1), d(2020, 12, 2)]),
            ("sur la période du 1er et 2 décembre 2020", vec![d(2020, 12, 1), d(2020, 12, 2)]),
            ("dans la journée du 12 ou 13 décembre", vec![d(2020, 12, 12), d(2020, 12, 13)]),
            ("la semaine du 14/12", (14..=20).map(|n| d(2020, 12, n)).collect()),
            ("les 3, 4, 5, 7, 8, 9 et 10 décembre", [3, 4, 5, 7, 8, 9, 10].map(|n| d(2020, 12, n)).to_vec()),
        ];
        for (text, days) in cases {
            let w = parse_when(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(w.days(notice), days, "{text}");
        }
        assert_eq!(parse_when("le 11/12/2020 à 20h").unwrap().to_string(), "le 11/12/2020 à 20h");
        assert_eq!(parse_when("à 20h").unwrap(), When::Time { at: Hour { hour: 20, minute: None } });
        assert!(parse_when("le 31/02").is_err());
        assert!(parse_when("à 25h").is_err());
    }

    #[test]
    fn year_closest_to_the_notice() {
        let dm = DayMonth::new(28, 12, None, Style::Numeric).unwrap();
        assert_eq!(dm.resolve(d(2021, 1, 3)), Some(d(2020, 12, 28)));
        let dm = DayMonth::new(2, 1, None, Style::Numeric).unwrap();
        assert_eq!(dm.resolve(d(2020, 12, 30)), Some(d(2021, 1, 2)));
    }

    proptest::proptest! {
        /// The quick test of where an expression may start never hides one.
        #[test]
        fn skipping_places_changes_nothing(words in proptest::collection::vec(proptest::sample::select(vec![
            "le", "Le", "les", "du", "Du", "au", "à", "À", "depuis", "Dans la journée du", "la semaine du", "sur la période du",
            "3", "10/12", "1er", "décembre", "2020", "20h", "et", "ou", ",", "x", "é", "  ", "\n", "l’", "s",
        ]), 0..24)) {
            let text = words.join(" ");
            proptest::prop_assert_eq!(find_all(&text), find_all_from(&text, |_| true));
        }
    }

    #[test]
    fn found_in_running_text() {
        let t = "des messages « alertes sanitaires » envoyés le 10/12, qui a comme conséquence";
        let f = find_all(t);
        assert_eq!(f.len(), 1);
        assert_eq!(&t[f[0].start..f[0].end], "le 10/12");
    }
}
