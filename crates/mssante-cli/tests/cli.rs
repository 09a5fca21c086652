//! The `mssante` command as a user runs it: real files, real process, exit codes
//! and the JSON contract.

mod common;

use common::{data, run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn json(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout");
    assert_eq!(text.trim_end().lines().count(), 1, "exactly one JSON line: {text}");
    serde_json::from_str(&text).expect("one JSON object")
}

const HEADER: &str = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION structure BAL|L3COMPLEMENTDISTRIBUTION structure BAL|L4NUMEROVOIE structure BAL|L4COMPLEMENTNUMEROVOIE structure BAL|NL4TYPEVOIE structure BAL|L4LIBELLEVOIE structure BAL|L5LIEUDITMENTION structure BAL|L6LIGNEACHEMINEMENT structure BAL|Code postal structure BAL|Département structure BAL|Pays structure BAL";

/// The synthetic sample of `extraction-file.md` §7, plus bad lines.
fn sample_with_errors() -> String {
    [
        HEADER,
        "PER|prenom.nom@exemple.mssante.fr|8|10000000009|810000000009|||||NOMTEST|Prenomtest|C|Civil|10|Médecin|SM54|Médecine générale|O|||||||||||||",
        "PER|prenom2.nom2@ch-exemple.mssante.fr|8|10999999997|810999999997|1|1990000002|Service de cardiologie|DR|NOMDEUX|Prenomdeux|C|Civil|10|Médecin|||O|CENTRE HOSPITALIER EXEMPLE||Bâtiment A||3||R|DE LA PAIX||00000 VILLE-EXEMPLE|00000|00|FRANCE",
        "ORG|secretariat@ch-exemple.mssante.fr||||1|1990000002|Secrétariat de cardiologie||||||||||N|CENTRE HOSPITALIER EXEMPLE||||12||AV|DES TESTS||00000 VILLE-EXEMPLE|00000|00|FRANCE",
        "PER|Prenom.Nom@EXEMPLE.mssante.fr|8|10000000008|810000000008|||||NOMTEST|Prenomtest|C|Civil|10|Médecin|SM54|Médecine générale|O|||||||||||||",
        "PER|pas une adresse|8|10000000009|810000000009|||||X|Y|C|Civil|10|Médecin|||O|||||||||||||",
        "ORG|sans-structure@ch-exemple.mssante.fr||||||Accueil||||||||||N|||||||||||||",
        "PER|trop@peu.mssante.fr|8",
        "",
    ]
    .join("\n")
}

#[test]
fn extraction_check_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("Extraction_Correspondance_MSSante_202612010300.txt");
    std::fs::write(&f, sample_with_errors()).unwrap();
    for threads in ["1", "2"] {
        let out = run(&["extraction", "check", f.to_str().unwrap(), "--json", "--threads", threads]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_eq!(v["physical_lines"], 8);
        assert_eq!(v["records_total"], 7);
        assert_eq!(v["records_valid"], 4);
        assert_eq!(v["records_rejected"], 3);
        assert_eq!(v["by_type"]["PER"], 3);
        assert_eq!(v["by_type"]["ORG"], 1);
        // prenom.nom@exemple and Prenom.Nom@EXEMPLE are one address.
        assert_eq!(v["distinct_addresses"], 3);
        assert_eq!(v["errors"], 3);
        assert_eq!(v["warnings"], 1);
        assert_eq!(v["snapshot"], "2026-12-01T03:00:00", "the time in the published name");
        // Every code counted by severity and column.
        let counts = v["issue_counts"].as_array().unwrap();
        let row =
            |code: &str| counts.iter().find(|c| c["code"] == code).unwrap_or_else(|| panic!("{code}: {counts:?}"));
        assert_eq!(row("E203")["count"], 1);
        assert_eq!(row("E203")["severity"], "error");
        assert_eq!(row("E203")["column"], "Adresse BAL");
        assert_eq!(row("W211")["severity"], "warning");
        assert_eq!(row("W211")["column"], "Identifiant PP");
        assert_eq!(counts.iter().map(|c| c["count"].as_u64().unwrap()).sum::<u64>(), 4);
        // The examples, in file order.
        let examples = v["examples"].as_array().unwrap();
        let lines: Vec<u64> = examples.iter().map(|e| e["line"].as_u64().unwrap()).collect();
        assert_eq!(lines, [5, 6, 7, 8]);
        let codes: Vec<&str> = examples.iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["W211", "E203", "E221", "E101"]);
        assert_eq!(examples[1]["column"], "Adresse BAL");
        assert!(examples.iter().all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())));
    }
}

#[test]
fn strict_mode_rejects_check_digit_failures() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.txt");
    std::fs::write(&f, sample_with_errors()).unwrap();
    let v = json(&run(&["extraction", "check", f.to_str().unwrap(), "--json", "--strict"]));
    assert_eq!(v["records_rejected"], 4);
    assert_eq!(v["warnings"], 0);
}

#[test]
fn bundled_sample_is_valid_and_exit_zero() {
    let out = run(&[
        "extraction",
        "check",
        data("Extraction_Correspondance_MSSante_exemple.txt").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["records_total"], 2000);
    assert_eq!(v["records_valid"], 2000);
    assert_eq!(v["errors"], 0);
    assert!(v["issue_counts"].as_array().unwrap().is_empty());
    let human = run(&["extraction", "check", data("Extraction_Correspondance_MSSante_exemple.txt").to_str().unwrap()]);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("valides") && text.contains("2 000"), "{text}");
}

#[test]
fn unusable_files_exit_two_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let out = run(&["extraction", "check", empty.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no header"));
    // With --json, the failure is one JSON object on stdout too.
    let e = &json(&out)["error"];
    assert_eq!(e["code"], "F002");
    assert_eq!(e["file"], empty.to_str().unwrap());
    let missing = dir.path().join("missing.txt");
    std::fs::write(&missing, "Type de BAL|Couleur\nPER|bleu\n").unwrap();
    let out = run(&["extraction", "check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Adresse BAL"));
    let out = run(&["extraction", "check", dir.path().join("absent.txt").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn feed_check_reads_the_file_name() {
    let out = run(&["feed", "check", data("BALMSS_OPE-99710817004951_20201211173001.txt").to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["records_total"], 200);
    assert_eq!(v["file_name"]["valid"], true);
    assert_eq!(v["file_name"]["operator"], "OPE-99710817004951");
    assert_eq!(v["file_name"]["generated_at"], "2020-12-11T17:30:01+00:00");
}

#[test]
fn diff_counts_per_domain() {
    let out = run(&[
        "extraction",
        "diff",
        data("Extraction_Correspondance_MSSante_exemple.txt").to_str().unwrap(),
        data("Extraction_Correspondance_MSSante_exemple_J3.txt").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let (a, r, c, u) = (
        v["added"].as_u64().unwrap(),
        v["removed"].as_u64().unwrap(),
        v["changed"].as_u64().unwrap(),
        v["unchanged"].as_u64().unwrap(),
    );
    assert!(a > 0 && r > 0 && c > 0);
    assert_eq!(r + c + u, 2000);
    let per_domain: u64 = v["by_domain"].as_object().unwrap().values().map(|d| d["added"].as_u64().unwrap()).sum();
    assert_eq!(per_domain, a);
    let changed = v["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "changed").unwrap();
    assert_eq!(changed["fields"], serde_json::json!(["Service de rattachement"]));
}

#[test]
fn generate_is_deterministic() {
    let a = run(&["generate", "extraction", "--records", "50", "--seed", "9"]);
    let b = run(&["generate", "extraction", "--records", "50", "--seed", "9"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout.iter().filter(|c| **c == b'\n').count(), 51);
    let lb = run(&["generate", "liste-blanche", "--records", "50"]);
    assert!(String::from_utf8(lb.stdout).unwrap().contains("<ListeBlancheMSSante"));
}

#[test]
fn liste_blanche_check() {
    let out = run(&[
        "liste-blanche",
        "check",
        data("listeblanchemssante-exemple.xml").to_str().unwrap(),
        "--json",
        "--domain",
        "MEDECIN.mssante.fr",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["entries_rejected"], 0);
    assert_eq!(v["operators_of"].as_array().unwrap().len(), 2);
}

/// A feed file of `lines` records for operator OPE-1 generated at `stamp`.
fn feed_file(dir: &Path, stamp: &str, addresses: &[&str]) -> PathBuf {
    let header = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Description|Responsable|Dématérialisation|Liste rouge|Rang";
    let mut text = format!("{header}\n");
    for a in addresses {
        text.push_str(&format!("PER|{a}|8|10000000009|810000000009||||||O|N|1\n"));
    }
    let p = dir.join(format!("BALMSS_OPE-1_{stamp}.txt"));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn deposit_run_and_show_reports() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    let day3 = feed_file(dir.path(), "20201203160000", &["a@ch-x.mssante.fr", "b@ch-x.mssante.fr"]);
    let day4 = feed_file(dir.path(), "20201204160000", &["a@ch-x.mssante.fr", "c@ch-x.mssante.fr", "bad"]);
    for (f, at) in [(&day3, "2020-12-03T17:00"), (&day4, "2020-12-04T17:00")] {
        let out = run(&["deposit", f.to_str().unwrap(), "--operator", "OPE-1", "--state", s, "--at", at, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(json(&out)["outcome"], "accepted");
    }
    // The same file again is a duplicate; another operator's name is refused.
    let out = run(&[
        "deposit",
        day3.to_str().unwrap(),
        "--operator",
        "OPE-1",
        "--state",
        s,
        "--at",
        "2020-12-04T18:00",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["reasons"][0]["code"], "D407");
    let out = run(&["deposit", day4.to_str().unwrap(), "--operator", "OPE-2", "--state", s, "--json"]);
    assert_eq!(json(&out)["reasons"][0]["code"], "D402");

    // A catch-up run on the 5th in the morning integrates the 3rd then the 4th.
    let out = run(&["run", "--state", s, "--at", "2020-12-05T09:00", "--json"]);
    assert_eq!(out.status.code(), Some(1), "a line is rejected: {}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["closed_through"], "2020-12-04");
    let files = v["integrated"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["business_date"], "2020-12-03");
    assert_eq!(files[1]["totals"]["created"], 1);
    assert_eq!(files[1]["totals"]["deleted"], 1);
    assert_eq!(files[1]["totals"]["rejected"], 1);
    assert_eq!(files[1]["totals"]["unchanged"], 1);
    let report = files[1]["report_file"].as_str().unwrap().to_owned();
    // Nothing twice.
    let again = json(&run(&["run", "--state", s, "--at", "2020-12-05T09:00", "--json"]));
    assert_eq!(again["integrated"].as_array().unwrap().len(), 0);

    let out = run(&["cr", "show", &report, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["totals"]["lines"], 3);
    assert_eq!(v["report"]["outcomes"][2]["issues"][0]["code"], "E203");
    let text = String::from_utf8(run(&["cr", "show", &report]).stdout).unwrap();
    assert!(text.contains("Compte rendu d'intégration") && text.contains("supprimée b@ch-x.mssante.fr"), "{text}");
    let bogus = dir.path().join("bogus.txt");
    std::fs::write(&bogus, "#CR-INTEGRATION v1\n#INTEGRATION\nLancement\nhier\n").unwrap();
    let out = run(&["cr", "show", bogus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 4"));
}

#[test]
fn reconcile_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let feed = feed_file(dir.path(), "20201203160000", &["a@ch-x.mssante.fr", "b@ch-x.mssante.fr"]);
    let ext = dir.path().join("ext.txt");
    let pad = "|".repeat(26);
    std::fs::write(&ext, format!("{HEADER}\nPER|a@ch-x.mssante.fr|8|10000000009|810000000009{pad}\nPER|z@ch-x.mssante.fr|8|10000000009|810000000009{pad}\n")).unwrap();
    let out = run(&["reconcile", feed.to_str().unwrap(), ext.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["operator"], "OPE-1");
    let r = &v["reconciliation"];
    assert_eq!((r["missing"].as_u64(), r["unexpected"].as_u64(), r["differing"].as_u64()), (Some(1), Some(1), Some(1)));
    assert_eq!(r["discrepancies"].as_array().unwrap().len(), 3);
}

#[test]
fn incident_parse_json_contract_and_render_formats() {
    let notice = data("incidents-mssante-2020-12.txt");
    let out = run(&["incident", "parse", notice.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let incidents = v["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 2);
    assert_eq!(incidents[0]["label"], "closed");
    assert_eq!(incidents[1]["label"], "new");
    assert_eq!(incidents[0]["sections"][0]["title"], "Origine de l’incident");
    // Dates in ISO 8601.
    let backlog = &incidents[0]["facts"]["backlog"];
    assert_eq!(backlog["integrated"][0], "2020-12-03");
    assert_eq!(backlog["run"], "2020-12-11T20:00:00+01:00");
    assert_eq!(incidents[1]["facts"]["actions"][0]["days"], serde_json::json!(["2020-12-12", "2020-12-13"]));

    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("notice.json");
    std::fs::write(&j, &out.stdout).unwrap();
    let text = run(&["incident", "render", j.to_str().unwrap()]);
    let original = std::fs::read_to_string(&notice).unwrap();
    let rendered = String::from_utf8(text.stdout).unwrap();
    // The rendered text parses back to the same JSON.
    let t = dir.path().join("rendered.txt");
    std::fs::write(&t, &rendered).unwrap();
    let again = json(&run(&["incident", "parse", t.to_str().unwrap(), "--json"]));
    assert_eq!(again, v);
    assert!(original.starts_with(rendered.lines().next().unwrap()));
    let sp: Value =
        serde_json::from_slice(&run(&["incident", "render", j.to_str().unwrap(), "--format", "statuspage"]).stdout)
            .unwrap();
    assert_eq!(sp["page"]["id"], "mssante");
    assert_eq!(sp["incidents"][0]["status"], "resolved");
    assert_eq!(sp["incidents"][1]["status"], "identified", "on hold, waiting on Mailiz: the cause is known");
    let atom = String::from_utf8(run(&["incident", "render", j.to_str().unwrap(), "--format", "atom"]).stdout).unwrap();
    assert!(atom.contains("xml:lang=\"fr\"") && atom.matches("<entry>").count() == 2, "{atom}");
    let ical = String::from_utf8(run(&["incident", "render", j.to_str().unwrap(), "--format", "ical"]).stdout).unwrap();
    assert_eq!(ical.matches("BEGIN:VEVENT").count(), 5, "two incidents; run, return to normal, fix");
    assert!(ical.contains("DTSTART;TZID=Europe/Paris:20201211T200000"), "the 20:00 run at its time");
    assert!(ical.lines().all(|l| l.len() <= 76));
    // Not a notice.
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "bonjour\n").unwrap();
    assert_eq!(run(&["incident", "parse", bad.to_str().unwrap()]).status.code(), Some(2));
}

#[test]
fn incident_timeline_merges_the_notices_that_tell_one_incident() {
    let (a, b) = (data("incidents-mssante-2020-12.txt"), data("incidents-mssante-2020-12-14.txt"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let base = "https://statut.operateur-exemple.fr";
    let out = run(&["incident", "timeline", b, a, "--format", "statuspage", "--base-url", base]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sp: Value = serde_json::from_slice(&out.stdout).unwrap();
    let incidents = sp["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 2, "the Mailiz incident once");
    let mailiz = &incidents[0];
    assert_eq!(mailiz["status"], "resolved");
    assert_eq!(mailiz["started_at"], "2020-12-10T00:00:00+01:00");
    assert_eq!(mailiz["resolved_at"], "2020-12-13T00:00:00+01:00");
    let updates = mailiz["incident_updates"].as_array().unwrap();
    assert_eq!(updates.iter().map(|u| u["status"].as_str().unwrap()).collect::<Vec<_>>(), ["resolved", "identified"]);
    assert!(updates.iter().all(|u| u["incident_id"] == mailiz["id"]));
    assert_eq!(mailiz["shortlink"], format!("{base}/incidents/{}", mailiz["id"].as_str().unwrap()));
    // The same in the other order, and as text.
    assert_eq!(run(&["incident", "timeline", a, b, "--format", "statuspage", "--base-url", base]).stdout, out.stdout);
    let text = String::from_utf8(run(&["incident", "timeline", a, b]).stdout).unwrap();
    assert!(text.starts_with("2 incident(s)\n"), "{text}");
    assert!(text.contains("2. avis du 14/12/2020 (clos) : Closed"), "{text}");
    // A base URL that is not one, and stdin twice, are refused.
    assert_eq!(run(&["incident", "timeline", a, "--base-url", "javascript:alert(1)"]).status.code(), Some(2));
    assert_eq!(run(&["incident", "timeline", "-", "-"]).status.code(), Some(2));
}

#[test]
fn a_stalled_feed_signal_becomes_a_draft_incident() {
    use mssante_cr::signal::{Observation, StallDetector};
    let d = |n| chrono::NaiveDate::from_ymd_opt(2020, 12, n).unwrap();
    let history: Vec<Observation> = (2..=8)
        .map(|n| Observation {
            date: d(n),
            operator: "OPE-1".into(),
            published: Some(if n < 3 { 1 } else { 2 }),
            deposited: Some(format!("h{n}")),
        })
        .collect();
    let signals = StallDetector { days: 3 }.detect(&history);
    assert_eq!(signals.len(), 1);
    // Across the crate boundary through JSON only.
    let json = serde_json::to_string(&signals[0]).unwrap();
    let s: mssante_incident::bridge::Signal = serde_json::from_str(&json).unwrap();
    let i = mssante_incident::bridge::draft_incident(&s);
    let f = i.facts();
    assert!(f.services.contains(&mssante_incident::model::Service::BalFeed));
    assert_eq!(f.backlog.as_ref().unwrap().pending, signals[0].business_dates);
    assert_eq!(f.lifecycle.steps()[0].at.date_naive(), d(3));
    // The draft renders in a notice that parses back.
    let notice = mssante_incident::Notice::new(
        "Incidents MSSanté",
        d(8),
        vec![mssante_incident::model::Audience::Operators],
        vec![i],
        "Service exploitation",
    );
    let back = mssante_incident::parse::parse_notice(&notice.to_text().unwrap(), Some(d(8))).unwrap();
    assert_eq!(back, notice);
}

#[test]
fn mail_plan_and_simulate() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("recipients.txt");
    std::fs::write(
        &r,
        "a@medecin.mssante.fr\nb@pharmacien.mssante.fr\n\na@MEDECIN.mssante.fr\nx@inconnu.fr\npas une adresse\n",
    )
    .unwrap();
    let lb = data("listeblanchemssante-exemple.xml");
    let out =
        run(&["mail", "plan", "--recipients", r.to_str().unwrap(), "--liste-blanche", lb.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "some refused");
    let v = json(&out);
    assert_eq!(v["recipients"], 5);
    let t = v["transactions"].as_array().unwrap();
    assert_eq!(t.len(), 1, "two domains of one operator: one transaction");
    assert_eq!(t[0]["recipients"].as_array().unwrap().len(), 2);
    assert_eq!(t[0]["mtas"].as_array().unwrap().len(), 2);
    assert_eq!(t[0]["slot"], serde_json::json!({"lane": "clinical", "connection": 0, "start_ms": 0}));
    let reasons: Vec<&str> = v["refused"].as_array().unwrap().iter().map(|x| x["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 3);
    assert!(reasons.contains(&"duplicate") && reasons.contains(&"domain not in the liste blanche"));
    let codes: Vec<&str> = v["refused"].as_array().unwrap().iter().map(|x| x["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["R504", "R502", "R501"]);
    let lines: Vec<u64> = v["refused"].as_array().unwrap().iter().map(|x| x["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 5, 6], "line numbers in the file, the blank line counted");

    // A budget of u32::MAX used to reserve room for that many messages per
    // second (a 103 GB allocation): it is only ever as large as the queue.
    let out = run(&["mail", "simulate", "--budget", "4294967295", "--alerts", "1000", "--clinical", "10", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["with_lanes"]["alerts"]["delivered"], 1000);

    let out = run(&["mail", "simulate", "--alerts", "5000", "--clinical", "100", "--window", "300", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["with_lanes"]["clinical"]["delivered"], 100);
    assert!(v["with_lanes"]["clinical"]["p90"].as_u64() < v["without_lanes"]["clinical"]["p90"].as_u64());
}

#[test]
fn mail_notice_writes_a_reproducible_message_and_its_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let notice = data("incidents-mssante-2020-12.txt");
    let parsed = run(&["incident", "parse", notice.to_str().unwrap(), "--json"]);
    assert_eq!(parsed.status.code(), Some(0));
    let notice_json = dir.path().join("notice.json");
    std::fs::write(&notice_json, &parsed.stdout).unwrap();
    let eml = dir.path().join("notice.eml");
    let args = |out: &Path| -> Vec<String> {
        [
            "mail",
            "notice",
            notice_json.to_str().unwrap(),
            "--to",
            "a@medecin.mssante.fr,b@pharmacien.mssante.fr",
            "--bcc",
            "archive@medecin.mssante.fr",
            "--nil",
            "NIL-EXEMPLE-0001",
            "--message-id",
            "notice-2020-12-11@operateur-exemple.mssante.fr",
            "--date",
            "2020-12-11T19:00:00+01:00",
            "-o",
            out.to_str().unwrap(),
            "--json",
        ]
        .map(String::from)
        .to_vec()
    };
    let a: Vec<String> = args(&eml);
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["envelope"][0], "MAIL FROM:<supervision@operateur-exemple.mssante.fr>");
    assert_eq!(v["envelope"][3], "RCPT TO:<archive@medecin.mssante.fr>");
    let bytes = std::fs::read(&eml).unwrap();
    assert_eq!(v["bytes"], bytes.len());
    let m = mail_parser::MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(m.subject(), Some("[MSSanté] Incidents MSSanté du 11/12/2020"));
    assert_eq!(m.message_id(), Some("notice-2020-12-11@operateur-exemple.mssante.fr"));
    assert_eq!(m.date().unwrap().to_rfc3339(), "2020-12-11T18:00:00Z");
    assert_eq!(m.header_raw("X-MSS-NIL").map(str::trim), Some("NIL-EXEMPLE-0001"));
    assert!(m.header("Bcc").is_none() && !String::from_utf8_lossy(&bytes).contains("archive@"));
    let body = m.body_text(0).unwrap();
    assert!(body.contains("Incident clos") && body.contains("Mailiz"), "{body}");
    // The body is the notice: it parses back to the same notice.
    let back = mssante_incident::parse::parse_notice(&body.replace("\r\n", "\n"), None).unwrap();
    let original: mssante_incident::Notice = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(back, original);
    // Same inputs, same bytes; the text form of the notice gives the same message.
    let again = dir.path().join("again.eml");
    let mut b = args(&again);
    b[2] = notice.to_str().unwrap().to_owned();
    assert_eq!(run(&b.iter().map(String::as_str).collect::<Vec<_>>()).status.code(), Some(0));
    assert_eq!(std::fs::read(&again).unwrap(), bytes);

    // With the liste blanche, a recipient outside the trust space is refused.
    let lb = data("listeblanchemssante-exemple.xml");
    let out = run(&[
        "mail",
        "notice",
        notice_json.to_str().unwrap(),
        "--to",
        "x@inconnu.mssante.fr",
        "--liste-blanche",
        lb.to_str().unwrap(),
        "-o",
        dir.path().join("x.eml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("R502"));
    // An injected display name is an error, never rewritten.
    let out = run(&[
        "mail",
        "notice",
        notice_json.to_str().unwrap(),
        "--to",
        "a@medecin.mssante.fr",
        "--from-name",
        "Supervision\r\nBcc: z@evil.fr",
        "-o",
        dir.path().join("y.eml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("control character"));
    assert!(!dir.path().join("y.eml").exists());
}
