//! Inputs found by fuzzing (fuzz/seeds/incident_*), minimised, each with its cause.

use chrono::NaiveDate;
use mssante_incident::date::parse_when;
use mssante_incident::parse::parse_notice;

fn round_trip(text: &str) {
    let date = NaiveDate::from_ymd_opt(2020, 12, 11).unwrap();
    let n = parse_notice(text, Some(date)).unwrap();
    let rendered = n.to_text();
    assert_eq!(parse_notice(&rendered, Some(date)).unwrap(), n, "{rendered}");
}

/// A bullet `•` alone on its line, continued on the next: the continuation was
/// appended after a space, giving a bullet text that starts with a space.
#[test]
fn empty_bullet_continued_on_the_next_line() {
    round_trip("Incidents :\n\nNouvel incident : x\n\nCauses :\n•\nsuite du texte\n");
}

/// The run detection sliced the lower-cased clause (`’` folded to `'`, two
/// bytes shorter) at an offset of the original clause: a panic inside `é`.
#[test]
fn run_detection_uses_offsets_of_the_original_text() {
    round_trip(
        "Incidents :\n\nIncident clos : x\n\nRésolution :\nl’é l’é l’é l’é les fichiers du 11 décembre seront intégrés lors de l’alimentation du 11/12/2020 à 20h.\n",
    );
}

/// Text right after a heading (no section title), then a paragraph ending
/// with ` :` after a blank line: rendered as an untitled section with ` :` as
/// its title, or as a new section title, the text changed on the way back.
#[test]
fn untitled_first_section_and_paragraphs_that_end_like_titles() {
    round_trip(
        "Incidents :\n\nIncident clos : x\n\nMadame, Monsieur,\n\nfin de phrase :\n\nTitre :\nun\n\ndeux mots :\n",
    );
}

/// A year written with fewer than four digits (`0020`) was printed `20`,
/// which does not parse as a year.
#[test]
fn years_print_with_four_digits() {
    let w = parse_when("le 11/06/0020").unwrap();
    assert_eq!(w.to_string(), "le 11/06/0020");
    assert_eq!(parse_when(&w.to_string()).unwrap(), w);
}
