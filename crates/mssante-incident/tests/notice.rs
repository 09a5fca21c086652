//! The December 2020 notice of the ANS, as a golden test, and property tests:
//! model → render → parse = model; the lifecycle never accepts an illegal
//! transition; date expressions print and parse back.

use chrono::{Duration, FixedOffset, NaiveDate, TimeZone};
use mssante_incident::date::{DayMonth, Hour, Style, When, parse_when};
use mssante_incident::lifecycle::{Lifecycle, State};
use mssante_incident::model::{Audience, Block, CauseKind, Certainty, Incident, Label, Notice, Role, Section, Service};
use mssante_incident::parse::parse_notice;
use mssante_incident::priority::PriorityMatrix;
use proptest::prelude::*;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

fn real() -> Notice {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/incidents-mssante-2020-12.txt"))
            .unwrap();
    parse_notice(&text, None).unwrap()
}

#[test]
fn the_real_notice_parses_into_two_incidents() {
    let n = real();
    assert_eq!(n.title, "Incidents MSSanté");
    assert_eq!(n.date, d(12, 11), "inferred: the latest date written with its year");
    assert_eq!(n.audiences, [Audience::Operators, Audience::GradesLeads]);
    assert_eq!(n.sender, "Votre service client Agence du Numérique en Santé");
    assert_eq!(n.incidents.len(), 2);

    // (a) closed: the BAL feed.
    let a = &n.incidents[0];
    assert_eq!(a.label(), Label::Closed);
    assert_eq!(a.title(), "Traitement de l’alimentation des BAL MSSanté");
    assert_eq!(a.heading(), "échec de l’alimentation des BAL MSSanté depuis le 3/12/2020");
    assert_eq!(
        a.sections().iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
        ["Origine de l’incident", "Résolution"]
    );
    assert_eq!(a.sections()[1].blocks.iter().filter(|b| matches!(b, Block::Bullet(_))).count(), 3);
    let f = a.facts();
    assert!(f.services.contains(&Service::BalFeed) && f.services.contains(&Service::Reports));
    let start: Vec<_> = f.dates.iter().filter(|x| x.role == Role::ImpactStart).flat_map(|x| x.days.clone()).collect();
    assert_eq!(start.first(), Some(&d(12, 3)), "since 3/12/2020");
    assert_eq!(f.causes.len(), 1);
    assert_eq!(f.causes[0].kind, CauseKind::Upstream { service: Service::AnnuaireGeneralFeed });
    assert_eq!(f.causes[0].days, [d(12, 1), d(12, 2)]);
    assert_eq!(f.causes[0].certainty, Certainty::Confirmed);
    let resolved: Vec<_> = f.dates.iter().filter(|x| x.role == Role::Resolved).flat_map(|x| x.days.clone()).collect();
    assert_eq!(resolved, [d(12, 11)]);
    let b = f.backlog.as_ref().unwrap();
    assert_eq!(b.integrated, [3, 4, 5, 7, 8, 9, 10].map(|n| d(12, n)), "a set of dates: no 6 December");
    assert_eq!(b.pending, [d(12, 11)]);
    assert_eq!(b.run.unwrap().to_rfc3339(), "2020-12-11T20:00:00+01:00");
    assert!(b.reports_available);
    assert_eq!(f.lifecycle.state(), State::Closed);
    assert_eq!(f.lifecycle.entered(State::Resolved).unwrap().date_naive(), d(12, 11));
    assert_eq!(f.lifecycle.steps()[0].at.date_naive(), d(12, 3));
    let reference: Vec<_> = f.dates.iter().filter(|x| x.role == Role::Reference).flat_map(|x| x.days.clone()).collect();
    assert_eq!(reference, [d(12, 7)], "the earlier communication of 07/12/2020");

    // (b) new: connection errors when sending to Mailiz.
    let b = &n.incidents[1];
    assert_eq!(b.label(), Label::New);
    assert_eq!(b.title(), "Erreurs lors de l’émission de messages à l’opérateur Mailiz");
    let f = b.facts();
    assert_eq!(f.services, [Service::Messaging { operator: "Mailiz".into() }]);
    assert_eq!(f.parties[0].sending_to.as_deref(), Some("Mailiz"), "directional impact: senders → Mailiz domains");
    assert_eq!(f.causes[0].kind, CauseKind::ExternalLoad { what: "alertes sanitaires".into() });
    assert_eq!(f.causes[0].via_operator.as_deref(), Some("Mailiz"));
    assert_eq!(f.causes[0].days, [d(12, 10)]);
    let eta = f.actions.iter().find(|x| x.role == Role::Eta).unwrap();
    assert_eq!(eta.days, [d(12, 12), d(12, 13)], "12 or 13 December: one of two days");
    assert!(matches!(eta.when, When::AnyOf { .. }));
    let fix = f.actions.iter().find(|x| x.role == Role::FixPlanned).unwrap();
    assert!(matches!(fix.when, When::WeekOf { .. }));
    assert_eq!(fix.days.first(), Some(&d(12, 14)));
    assert_eq!(fix.days.len(), 7);
    assert_eq!(f.lifecycle.state(), State::OnHold, "waiting on a peer operator");
    // Priorities through the default matrix: the open incident outranks the closed one.
    let m = PriorityMatrix::default();
    assert!(b.priority(&m) < a.priority(&m));
    // Every resolved date is in 2020.
    for i in &n.incidents {
        for x in &i.facts().dates {
            assert!(x.days.iter().all(|day| day.format("%Y").to_string() == "2020"), "{x:?}");
        }
    }
}

#[test]
fn render_parse_render_is_stable_on_the_real_notice() {
    let n = real();
    let text = n.to_text().unwrap();
    let again = parse_notice(&text, None).unwrap();
    assert_eq!(again, n);
    assert_eq!(again.to_text().unwrap(), text);
    let md = n.to_markdown();
    assert!(md.starts_with("# Incidents MSSanté\n"));
    assert!(md.contains("## Incident clos : échec de l’alimentation des BAL MSSanté depuis le 3/12/2020"));
    assert!(md.contains("- Les fichiers contenant les BAL MSSanté du 11 décembre"));
}

#[test]
fn json_round_trips_and_rejects_an_illegal_history() {
    let n = real();
    let json = serde_json::to_string(&n).unwrap();
    assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), n);
    let bad = json.replacen("\"state\":\"resolved\"", "\"state\":\"monitoring\"", 1).replacen(
        "\"state\":\"closed\"",
        "\"state\":\"declared\"",
        1,
    );
    assert!(serde_json::from_str::<Notice>(&bad).is_err());
}

// ---- properties ----

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zé]{1,8}", 1..6).prop_map(|w| w.join(" "))
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        (words(), prop::option::of(date_phrase())).prop_map(|(w, dp)| Block::Paragraph(match dp {
            Some(p) => format!("{w} {p} fin"),
            None => w,
        })),
        words().prop_map(Block::Bullet),
    ]
}

fn date_phrase() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "depuis le 3/12/2020",
        "le 10/12",
        "la semaine du 14/12",
        "dans la journée du 12 ou 13 décembre",
        "les 3, 4 et 5 décembre",
    ])
    .prop_map(str::to_owned)
}

fn section() -> impl Strategy<Value = Section> {
    ("[A-Z][a-zé]{2,12}( [a-zé]{2,8})?", prop::collection::vec(block(), 0..4))
        .prop_map(|(title, blocks)| Section { title, blocks })
}

fn notice() -> impl Strategy<Value = Notice> {
    let incident =
        (prop::sample::select(Label::ALL.to_vec()), words(), words(), prop::collection::vec(section(), 0..4));
    (
        "[A-Z][a-zé]{2,10}( [A-Za-zé]{2,10})?",
        0i64..2000,
        prop::collection::vec(
            prop_oneof![
                Just(Audience::Operators),
                Just(Audience::GradesLeads),
                "[a-z]{3,10}".prop_map(Audience::Other)
            ],
            0..3,
        ),
        prop::collection::vec(incident, 1..4),
        "[A-Z][a-zé]{2,10}( [A-Za-zé]{2,10}){0,3}",
    )
        .prop_map(|(title, day, audiences, incidents, sender)| {
            let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(day);
            let incidents = incidents
                .into_iter()
                .map(|(label, t, h, sections)| Incident::new(label, t, h, sections, date))
                .collect();
            Notice::new(title, date, audiences, incidents, sender)
        })
}

fn day_month() -> impl Strategy<Value = DayMonth> {
    (1u32..=28, 1u32..=12, prop::option::of(1990i32..2100), any::<bool>(), any::<bool>()).prop_map(
        |(day, month, year, words, pad)| {
            let style = if words { Style::Words } else { Style::Numeric };
            let padded = !words && pad && (day < 10 || month < 10);
            DayMonth { day, month, year, style, padded }
        },
    )
}

fn when() -> impl Strategy<Value = When> {
    let hour = (0u32..24, prop::option::of(0u32..60)).prop_map(|(hour, minute)| Hour { hour, minute });
    prop_oneof![
        day_month().prop_map(|date| When::Day { date }),
        (day_month(), hour.clone()).prop_map(|(date, at)| When::DayAt { date, at }),
        hour.prop_map(|at| When::Time { at }),
        prop::collection::vec(day_month(), 2..5).prop_map(|dates| When::AllOf { dates }),
        prop::collection::vec(day_month(), 1..4).prop_map(|dates| When::AnyOf { dates }),
        (day_month(), day_month()).prop_map(|(from, to)| When::Range { from, to }),
        day_month().prop_map(|date| When::WeekOf { date }),
        day_month().prop_map(|date| When::Since { date }),
        day_month().prop_map(|date| When::From { date }),
    ]
}

proptest! {
    #[test]
    fn model_render_parse_is_identity(n in notice()) {
        let text = n.to_text().unwrap();
        let back = parse_notice(&text, Some(n.date)).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &n, "{}", text);
    }

    #[test]
    fn date_display_parse_is_identity(w in when()) {
        let s = w.to_string();
        prop_assert_eq!(parse_when(&s).map_err(|e| TestCaseError::fail(e.to_string()))?, w, "{}", s);
    }

    #[test]
    fn no_illegal_transition_is_ever_accepted(steps in prop::collection::vec((prop::sample::select(State::ALL.to_vec()), -3i64..10), 0..20)) {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let mut t = tz.with_ymd_and_hms(2020, 12, 1, 0, 0, 0).unwrap();
        let mut l = Lifecycle::new(t);
        for (to, minutes) in steps {
            let at = t + Duration::minutes(minutes);
            let from = l.state();
            let legal = from.can_go_to(to) && at >= t;
            prop_assert_eq!(l.transition(to, at).is_ok(), legal);
            if legal {
                t = at;
                prop_assert_eq!(l.state(), to);
            } else {
                prop_assert_eq!(l.state(), from);
            }
        }
        // The history is valid by construction and survives JSON.
        let json = serde_json::to_string(&l).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Lifecycle>(&json).unwrap(), &l);
        prop_assert!(l.steps().windows(2).all(|w| w[0].state.can_go_to(w[1].state) && w[0].at <= w[1].at));
    }
}
