//! One incident across notices: identity, merged timeline, checked lifecycle.

use chrono::{Duration, NaiveDate};
use mssante_incident::lifecycle::State;
use mssante_incident::model::{Block, Incident, Label, Notice, Section};
use mssante_incident::parse::parse_notice;
use mssante_incident::timeline::Timeline;
use proptest::prelude::*;
use std::path::Path;

fn notice(name: &str) -> Notice {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    parse_notice(&std::fs::read_to_string(path).unwrap(), None).unwrap()
}

fn first() -> Notice {
    notice("incidents-mssante-2020-12.txt")
}

fn follow_up() -> Notice {
    notice("incidents-mssante-2020-12-14.txt")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 12, d).unwrap()
}

#[test]
fn the_mailiz_incident_has_one_id_in_its_new_and_closed_notices() {
    let (a, b) = (first(), follow_up());
    assert_eq!(b.date, day(14), "inferred from the follow-up's latest dated phrase");
    let new = &a.incidents[1];
    let closed = &b.incidents[0];
    assert_eq!((new.label(), closed.label()), (Label::New, Label::Closed));
    assert_eq!(new.id(), closed.id());
    assert_eq!(new.id().as_str(), "2020-12-10-erreurs-lors-de-l-emission-de-messages-a-l-operateur-mailiz");
    assert_ne!(a.incidents[0].id(), new.id());
}

#[test]
fn the_two_notices_merge_into_two_incidents_in_any_order() {
    let t = Timeline::merge(&[first(), follow_up()]);
    assert_eq!(t, Timeline::merge(&[follow_up(), first()]));
    assert!(t.anomalies().is_empty(), "{:?}", t.anomalies());
    assert_eq!(t.incidents().len(), 2);
    let mailiz = &t.incidents()[1];
    let states: Vec<State> = mailiz.updates().iter().map(|u| u.state).collect();
    assert_eq!(states, [State::OnHold, State::Closed]);
    assert_eq!(mailiz.updates().iter().map(|u| u.number).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(mailiz.updates()[1].notice, day(14));
    let steps: Vec<State> = mailiz.lifecycle().steps().iter().map(|s| s.state).collect();
    assert_eq!(
        steps,
        [State::Declared, State::Identified, State::OnHold, State::Resolved, State::Closed],
        "on hold (waiting on Mailiz), then resolved on the 13th, closed on the 14th"
    );
    assert_eq!(mailiz.started_at().date_naive(), day(10));
    assert_eq!(mailiz.resolved_at().unwrap().date_naive(), day(13));
    assert_eq!(mailiz.mentions(), 2);
    assert_eq!(mailiz.latest().label(), Label::Closed);
}

#[test]
fn a_notice_that_repeats_a_state_is_not_a_new_update() {
    let t = Timeline::merge(&[first(), first()]);
    for i in t.incidents() {
        assert_eq!(i.updates().len(), 1, "{}", i.id());
        assert_eq!(i.mentions(), 2);
    }
}

fn simple(label: Label, notice_day: NaiveDate, resolved: bool) -> Notice {
    let mut blocks =
        vec![Block::Paragraph("Les opérateurs MSSanté ne peuvent plus déposer depuis le 1/12/2020.".into())];
    if resolved {
        blocks.push(Block::Paragraph(format!("Le dépôt est résolu depuis le {}.", notice_day.format("%-d/%-m/%Y"))));
    }
    let i = Incident::new(
        label,
        "Dépôt des fichiers",
        "dépôt impossible",
        vec![Section { title: "Description".into(), blocks }],
        notice_day,
    );
    Notice::new("Incidents MSSanté", notice_day, vec![], vec![i], "ANS")
}

#[test]
fn an_incident_told_again_after_its_closing_is_reopened() {
    let t = Timeline::merge(&[
        simple(Label::New, day(2), false),
        simple(Label::Closed, day(3), true),
        simple(Label::New, day(5), false),
    ]);
    assert!(t.anomalies().is_empty(), "{:?}", t.anomalies());
    assert_eq!(t.incidents().len(), 1, "same subject, same start");
    let i = &t.incidents()[0];
    let steps: Vec<State> = i.lifecycle().steps().iter().map(|s| s.state).collect();
    assert_eq!(
        steps,
        [State::Declared, State::Investigating, State::Resolved, State::Closed, State::Reopened, State::Investigating]
    );
    assert_eq!(
        i.updates().iter().map(|u| u.state).collect::<Vec<_>>(),
        [State::Investigating, State::Closed, State::Investigating]
    );
    assert_eq!(i.resolved_at(), None, "open again");
}

#[test]
fn a_step_the_lifecycle_refuses_is_reported_not_dropped_silently() {
    // An incident cancelled (as JSON may say), then told as closed.
    let cancelled = simple(Label::New, day(2), false);
    let json =
        serde_json::to_string(&cancelled).unwrap().replace("\"state\":\"investigating\"", "\"state\":\"cancelled\"");
    let cancelled: Notice = serde_json::from_str(&json).unwrap();
    let t = Timeline::merge(&[cancelled, simple(Label::Closed, day(3), true)]);
    assert_eq!(t.incidents()[0].lifecycle().state(), State::Cancelled);
    // Both steps the closing notice tells (resolved, closed) are refused, each reported.
    assert_eq!(t.anomalies().len(), 2, "{:?}", t.anomalies());
    for a in t.anomalies() {
        assert!(a.error.starts_with("N821 transition Cancelled"), "{}", a.error);
        assert_eq!(a.notice, day(3));
    }
    assert_eq!(t.incidents()[0].updates().len(), 1, "no change of state, no update");
}

proptest! {
    /// Whatever the sequence of notices about one incident, the merged
    /// lifecycle is a legal history in time order, updates are numbered from
    /// 1 in time order and never repeat a state.
    #[test]
    fn merged_histories_are_always_legal(seq in prop::collection::vec((prop::sample::select(Label::ALL.to_vec()), 0i64..20, any::<bool>()), 1..8)) {
        let notices: Vec<Notice> = seq
            .iter()
            .map(|(label, offset, resolved)| simple(*label, day(2) + Duration::days(*offset), *resolved || *label == Label::Closed))
            .collect();
        let t = Timeline::merge(&notices);
        prop_assert_eq!(t.incidents().len(), 1);
        let i = &t.incidents()[0];
        prop_assert_eq!(i.mentions(), notices.len());
        let steps = i.lifecycle().steps();
        prop_assert_eq!(steps[0].state, State::Declared);
        prop_assert!(steps.windows(2).all(|w| w[0].state.can_go_to(w[1].state) && w[0].at <= w[1].at));
        let u = i.updates();
        prop_assert!(u.iter().enumerate().all(|(k, x)| x.number == k + 1));
        prop_assert!(u.windows(2).all(|w| w[0].state != w[1].state && w[0].at <= w[1].at));
        prop_assert_eq!(u[u.len() - 1].state, i.lifecycle().state());
        prop_assert!(t.anomalies().is_empty(), "{:?}", t.anomalies());
    }
}
