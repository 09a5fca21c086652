//! Rendering safety: a notice whose texts hold line breaks or the layout's
//! own markers either renders to a text that reads back the same, or is
//! refused with `N806` and the place of the text.

use chrono::NaiveDate;
use mssante_incident::IncidentCode;
use mssante_incident::model::{Audience, Block, Incident, Label, Notice, Section};
use mssante_incident::parse::parse_notice;
use proptest::prelude::*;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 12, 11).unwrap()
}

fn with_sections(title: &str, sections: Vec<Section>) -> Notice {
    Notice::new(
        "Incidents MSSanté",
        day(),
        vec![Audience::Operators],
        vec![Incident::new(Label::New, title, "panne", sections, day())],
        "ANS",
    )
}

fn section(title: &str, blocks: Vec<Block>) -> Section {
    Section { title: title.into(), blocks }
}

#[test]
fn line_breaks_in_an_incident_read_as_the_layout_reads_them() {
    let n = with_sections(
        "Panne\nsur deux lignes",
        vec![section(
            "Des\r\ncauses",
            vec![Block::Paragraph(" un\n\n deux ".into()), Block::Bullet("a\u{2028}b".into())],
        )],
    );
    let i = &n.incidents[0];
    assert_eq!(i.title(), "Panne sur deux lignes");
    assert_eq!(i.sections()[0].title, "Des causes");
    assert_eq!(i.sections()[0].blocks, [Block::Paragraph("un deux".into()), Block::Bullet("a b".into())]);
    let text = n.to_text().unwrap();
    assert_eq!(parse_notice(&text, Some(day())).unwrap(), n);
    // The same through JSON: a line break in the JSON is made one line.
    let json = serde_json::to_string(&n).unwrap().replace("Panne sur deux lignes", "Panne\\nsur deux lignes");
    let back: Notice = serde_json::from_str(&json).unwrap();
    assert_eq!(back.incidents[0].title(), "Panne sur deux lignes");
}

#[test]
fn markers_that_would_read_as_something_else_are_refused_with_their_place() {
    let refused = |n: Notice, place: &str| {
        let e = n.to_text().unwrap_err();
        assert_eq!(e.code, IncidentCode::Unrenderable, "{e}");
        assert_eq!(e.place, place, "{e}");
        assert!(e.to_string().starts_with("N806 "), "{e}");
    };
    let two = |b: Block| vec![section("Description", vec![Block::Bullet("a".into()), b])];
    refused(
        with_sections("x", two(Block::Paragraph("Incident clos : une autre".into()))),
        "incident 1, section 1, block 2",
    );
    refused(
        with_sections("x", two(Block::Paragraph("Nous vous prions de patienter".into()))),
        "incident 1, section 1, block 2",
    );
    refused(with_sections("x", two(Block::Paragraph("• pas une puce".into()))), "incident 1, section 1, block 2");
    refused(with_sections("x", two(Block::Paragraph(String::new()))), "incident 1, section 1, block 2");
    refused(with_sections("x", vec![section("Incident clos", vec![])]), "incident 1, section 1");
    refused(with_sections("x", vec![section(&"t".repeat(79), vec![])]), "incident 1, section 1");
    refused(
        with_sections("x", vec![section("A", vec![]), section("", vec![Block::Paragraph("y".into())])]),
        "incident 1, section 2",
    );
    let mut n = with_sections("x", vec![]);
    n.title = "Incidents\nMSSanté".into();
    refused(n, "title");
    let mut n = with_sections("x", vec![]);
    n.sender = "Cordialement,".into();
    refused(n, "sender");
    let mut n = with_sections("x", vec![]);
    n.audiences = vec![Audience::Other("a ou b".into())];
    refused(n, "audiences");
    let mut n = with_sections("x", vec![]);
    n.incidents.clear();
    refused(n, "incidents");
    // What the layout can hold is kept: a 78-character title, a paragraph
    // ending with ' :' after a bullet, a title that starts like a heading.
    let ok = with_sections(
        "Incident clos : dans un titre",
        vec![section(&"t".repeat(78), vec![Block::Bullet("a".into()), Block::Paragraph("fin de phrase :".into())])],
    );
    assert_eq!(parse_notice(&ok.to_text().unwrap(), Some(day())).unwrap(), ok);
}

/// Pieces of the layout itself, to build hostile texts from.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "Incident clos :",
        "Nouvel incident :",
        "Incident en cours",
        " :",
        ":",
        "•",
        "• ",
        "\n",
        "\r\n",
        "\r",
        "\u{2028}",
        "Madame, Monsieur,",
        "Vous recevez",
        "en tant qu’",
        " ou ",
        "(clos)",
        "(nouveau)",
        "Nous vous prions de",
        "Cordialement,",
        "\u{feff}",
        " ",
        "  ",
        "x",
        "mot",
        "é",
        "le 3/12/2020",
        "depuis le 10/12",
        ".",
        "\t",
    ]);
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![hostile_text().prop_map(Block::Paragraph), hostile_text().prop_map(Block::Bullet)]
}

fn hostile_notice() -> impl Strategy<Value = Notice> {
    let sec =
        (hostile_text(), prop::collection::vec(block(), 0..4)).prop_map(|(title, blocks)| Section { title, blocks });
    let inc =
        (prop::sample::select(Label::ALL.to_vec()), hostile_text(), hostile_text(), prop::collection::vec(sec, 0..3));
    (
        hostile_text(),
        prop::collection::vec(
            prop_oneof![
                Just(Audience::Operators),
                Just(Audience::GradesLeads),
                hostile_text().prop_map(Audience::Other)
            ],
            0..3,
        ),
        prop::collection::vec(inc, 1..3),
        hostile_text(),
    )
        .prop_map(|(title, audiences, incidents, sender)| {
            let incidents = incidents.into_iter().map(|(l, t, h, s)| Incident::new(l, t, h, s, day())).collect();
            Notice::new(title, day(), audiences, incidents, sender)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    /// Any notice, however hostile its texts: refused with N806, or read back the same.
    #[test]
    fn rendered_or_refused_never_misread(n in hostile_notice()) {
        match n.to_text() {
            Ok(text) => {
                let back = parse_notice(&text, Some(day())).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert_eq!(back, n, "{}", text);
            }
            Err(e) => prop_assert_eq!(e.code, IncidentCode::Unrenderable),
        }
    }
}

/// Found by the property above: a paragraph ending with ` :` was cut after its
/// first word even when the second line then started with `•`, which reads
/// as a bullet (« ou » / « •Incident clos : »). The cut now skips such places.
#[test]
fn the_cut_of_a_title_like_paragraph_never_starts_a_bullet() {
    let n = with_sections("x", vec![section("", vec![Block::Paragraph("ou •Incident clos :".into())])]);
    assert_eq!(parse_notice(&n.to_text().unwrap(), Some(day())).unwrap(), n);
}

/// Found by the property above: an audience ending with « ou » merged with the
/// separator that follows it (« … : ou ou opérateur MSSanté » splits after the
/// first « ou »). The audience sentence is now read back before it is written.
#[test]
fn audiences_that_would_split_otherwise_are_refused() {
    let mut n = with_sections("x", vec![]);
    n.audiences = vec![Audience::Other("Incident clos : ou".into()), Audience::Operators];
    let e = n.to_text().unwrap_err();
    assert_eq!((e.code, e.place.as_str()), (IncidentCode::Unrenderable, "audiences"));
}
