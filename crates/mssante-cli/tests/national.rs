//! Checks at national scale, as an operator runs them: every issue streamed as
//! NDJSON while the summary counts them, the ZIP as ANS publishes it, CSV
//! quoting named, and limits that cap instead of failing.

mod common;

use common::{data, run};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn sample() -> PathBuf {
    data("Extraction_Correspondance_MSSante_exemple.txt")
}

/// The bundled sample with a systematic quirk (an unknown `Catégorie
/// profession` on every PER line), one quoted field and one bad line.
fn quirky(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(sample()).unwrap();
    let mut lines: Vec<String> = text.lines().map(|l| l.replace("|C|Civil|", "|Z|Nouvelle catégorie|")).collect();
    let mut quoted: Vec<String> = lines[2].split('|').map(str::to_owned).collect();
    quoted[18] = "\"CABINET \"\"LES TILLEULS\"\"\"".into();
    lines[2] = quoted.join("|");
    lines.push("PER|not an address|8".into());
    let f = dir.join("quirky.txt");
    std::fs::write(&f, lines.join("\n") + "\n").unwrap();
    f
}

/// A ZIP's entries: name and content.
type Entries<'a> = Vec<(&'a str, &'a [u8])>;

fn zip_of(dir: &Path, zip_name: &str, entries: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(zip_name);
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, content) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(content).unwrap();
    }
    z.finish().unwrap();
    path
}

#[test]
fn every_issue_streams_as_ndjson_and_the_counts_are_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let f = quirky(dir.path());
    let nd = dir.path().join("issues.ndjson");
    for threads in ["1", "2"] {
        let v = json(&run(&[
            "extraction",
            "check",
            f.to_str().unwrap(),
            "--json",
            "--threads",
            threads,
            "--examples",
            "3",
            "--issues-ndjson",
            nd.to_str().unwrap(),
        ]));
        let lines: Vec<Value> = std::fs::read_to_string(&nd)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
            .collect();
        let counts = v["issue_counts"].as_array().unwrap();
        let total: u64 = counts.iter().map(|c| c["count"].as_u64().unwrap()).sum();
        assert_eq!(total, lines.len() as u64);
        assert_eq!(v["errors"].as_u64().unwrap() + v["warnings"].as_u64().unwrap(), total);
        for c in counts {
            let n = lines
                .iter()
                .filter(|l| l["code"] == c["code"] && l["severity"] == c["severity"] && l["column"] == c["column"])
                .count();
            assert_eq!(c["count"].as_u64().unwrap(), n as u64, "{c}");
        }
        // The quirk: one warning per PER line, three examples kept.
        let w233 = counts.iter().find(|c| c["code"] == "W233").unwrap();
        assert!(w233["count"].as_u64().unwrap() > 1000, "{w233}");
        assert_eq!(w233["column"], "Catégorie profession");
        assert_eq!(v["examples"].as_array().unwrap().iter().filter(|e| e["code"] == "W233").count(), 3);
        // Each NDJSON line has the position and the code.
        for key in ["line", "byte", "record", "code", "severity", "message"] {
            assert!(lines.iter().all(|l| !l[key].is_null()), "{key}");
        }
        let lines_seen: Vec<u64> = lines.iter().map(|l| l["line"].as_u64().unwrap()).collect();
        assert!(lines_seen.windows(2).all(|w| w[0] <= w[1]), "file order");
    }
    // `-`: the issues on stdout, the summary on stderr.
    let out = run(&["extraction", "check", f.to_str().unwrap(), "--issues-ndjson", "-"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()));
    assert!(String::from_utf8_lossy(&out.stderr).contains("anomalies par code"));
    // Both on stdout: refused.
    let out = run(&["extraction", "check", f.to_str().unwrap(), "--issues-ndjson", "-", "--json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_csv_quoted_field_draws_w237_naming_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&run(&["extraction", "check", quirky(dir.path()).to_str().unwrap(), "--json"]));
    let w237: Vec<&Value> = v["examples"].as_array().unwrap().iter().filter(|e| e["code"] == "W237").collect();
    assert_eq!(w237.len(), 1);
    assert_eq!(w237[0]["line"], 3);
    assert_eq!(w237[0]["column"], "Raison Sociale structure BAL");
    assert_eq!(w237[0]["severity"], "warning");
}

#[test]
fn the_published_zip_gives_the_summary_of_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(sample()).unwrap();
    let entry = "Extraction_Correspondance_MSSante_202608260820.txt";
    let z = zip_of(dir.path(), "Extraction_Correspondance_MSSante_202608260820.zip", &[(entry, &text)]);
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, &text).unwrap();
    let mut a = json(&run(&["extraction", "check", z.to_str().unwrap(), "--json"]));
    let mut b = json(&run(&["extraction", "check", plain.to_str().unwrap(), "--json"]));
    assert_eq!(a["zip_entry"], entry);
    assert_eq!(a["snapshot"], "2026-08-26T08:20:00");
    assert_eq!(b["snapshot"], Value::Null, "a name without a time has none");
    for v in [&mut a, &mut b] {
        let o = v.as_object_mut().unwrap();
        for k in ["file", "zip_entry", "snapshot"] {
            o.remove(k);
        }
    }
    assert_eq!(a, b);
    let human = run(&["extraction", "check", z.to_str().unwrap()]);
    let text_out = String::from_utf8(human.stdout).unwrap();
    assert!(text_out.contains("archive ZIP") && text_out.contains("26/08/2026 08:20"), "{text_out}");
}

#[test]
fn a_zip_that_is_not_the_published_one_is_refused_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(sample()).unwrap();
    let cases: [(&str, Entries<'_>, &[&str], &str); 3] = [
        ("two.zip", vec![("a.txt", &text), ("b.txt", &text)], &[], "F010"),
        ("none.zip", vec![], &[], "F010"),
        ("big.zip", vec![("a.txt", &text)], &["--max-zip-entry", "1000"], "F011"),
    ];
    for (name, entries, extra, code) in cases {
        let z = zip_of(dir.path(), name, &entries);
        let mut args = vec!["extraction", "check", z.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(code), "{name}: {err}");
    }
    // A damaged ZIP: its start only.
    let z = zip_of(dir.path(), "whole.zip", &[("a.txt", &text)]);
    let cut = dir.path().join("cut.zip");
    std::fs::write(&cut, &std::fs::read(&z).unwrap()[..200]).unwrap();
    let out = run(&["extraction", "check", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("F009"));
}

#[test]
fn sizes_beyond_reason_are_capped_with_a_notice() {
    let out =
        run(&["extraction", "check", sample().to_str().unwrap(), "--threads", "100000", "--examples", "99999999"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--threads 100000 : ramené à"), "{err}");
    assert!(err.contains("--examples 99999999 : ramené à 10000"), "{err}");
    let out = run(&["extraction", "check", sample().to_str().unwrap(), "--max-line-len", "18446744073709551615"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_diff_of_zips_is_the_diff_of_their_texts() {
    let dir = tempfile::tempdir().unwrap();
    let old = std::fs::read_to_string(sample()).unwrap();
    let mut lines: Vec<&str> = old.lines().collect();
    lines.remove(10);
    lines.remove(20);
    let changed = lines[30].replace("|O|", "|N|");
    lines[30] = &changed;
    let added = lines[5].replace('@', "+nouvelle@");
    lines.push(&added);
    let new = lines.join("\n") + "\n";
    let (old_txt, new_txt) = (dir.path().join("old.txt"), dir.path().join("new.txt"));
    std::fs::write(&old_txt, &old).unwrap();
    std::fs::write(&new_txt, &new).unwrap();
    let old_zip =
        zip_of(dir.path(), "old.zip", &[("Extraction_Correspondance_MSSante_202608250820.txt", old.as_bytes())]);
    let new_zip =
        zip_of(dir.path(), "new.zip", &[("Extraction_Correspondance_MSSante_202608260820.txt", new.as_bytes())]);
    let texts = json(&run(&["extraction", "diff", old_txt.to_str().unwrap(), new_txt.to_str().unwrap(), "--json"]));
    assert_eq!(
        (texts["added"].as_u64(), texts["removed"].as_u64(), texts["changed"].as_u64()),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(texts["changes"].as_array().unwrap().len(), 4);
    let zips = json(&run(&["extraction", "diff", old_zip.to_str().unwrap(), new_zip.to_str().unwrap(), "--json"]));
    assert_eq!(zips, texts);
    let mixed = json(&run(&["extraction", "diff", old_zip.to_str().unwrap(), new_txt.to_str().unwrap(), "--json"]));
    assert_eq!(mixed, texts);
    // The old file is read twice: not from stdin.
    let out = run(&["extraction", "diff", "-", new_txt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn feed_check_counts_and_streams_its_issues_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("feed.txt");
    let nd = dir.path().join("feed.ndjson");
    let out =
        run(&["generate", "feed", "--records", "3000", "--errors-per-million", "100000", "-o", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&run(&[
        "feed",
        "check",
        f.to_str().unwrap(),
        "--json",
        "--examples",
        "1",
        "--issues-ndjson",
        nd.to_str().unwrap(),
    ]));
    let lines = std::fs::read_to_string(&nd).unwrap().lines().count() as u64;
    assert!(lines > 0);
    let counts = v["issue_counts"].as_array().unwrap();
    assert_eq!(counts.iter().map(|c| c["count"].as_u64().unwrap()).sum::<u64>(), lines);
    assert_eq!(
        v["examples"].as_array().unwrap().len(),
        counts.iter().map(|c| c["code"].as_str().unwrap()).collect::<std::collections::BTreeSet<_>>().len()
    );
    assert!(v["records_rejected"].as_u64().unwrap() > 0);
}

#[test]
fn a_pipe_is_read_as_a_stream_and_a_zip_in_a_pipe_is_refused() {
    use std::process::Stdio;
    let through_pipe = |content: Vec<u8>, args: &[&str]| {
        let mut child = common::bin()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&content);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    };
    let text = std::fs::read(sample()).unwrap();
    // `/dev/stdin` is a pipe here: not a regular file, read once as it comes.
    let out = through_pipe(text.clone(), &["extraction", "check", "/dev/stdin", "--json"]);
    assert_eq!(json(&out)["records_total"], 2000);
    let dir = tempfile::tempdir().unwrap();
    let z = std::fs::read(zip_of(dir.path(), "a.zip", &[("a.txt", &text)])).unwrap();
    let out = through_pipe(z, &["extraction", "check", "/dev/stdin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ZIP"));
    let plain = dir.path().join("new.txt");
    std::fs::write(&plain, &text).unwrap();
    let out = through_pipe(text, &["extraction", "diff", "/dev/stdin", plain.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "the old file is read twice");
}
