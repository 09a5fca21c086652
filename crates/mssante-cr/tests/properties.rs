//! Property tests: accounting, kept BALs, idempotence, arrival order, report
//! round trips.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mssante_bal::{Code, Format, Issue, Position, Severity};
use mssante_cr::deposit::{Deposit, DepositPolicy, check_deposit};
use mssante_cr::directory::key_of;
use mssante_cr::integrate::{IntegrationPolicy, RunContext, integrate};
use mssante_cr::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// One line of a feed: valid BALs on a small set of addresses (so lines repeat
/// addresses and match BALs held before), and every kind of bad line.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let valid = (0..12u8, 0..3u8, any::<bool>()).prop_map(|(n, s, lr)| {
        let service = ["", "Cardiologie", "Accueil"][s as usize];
        let lr = if lr { "O" } else { "N" };
        format!("PER|u{n}@ch-x.mssante.fr|8|10000000009||||{service}|||O|{lr}|1").into_bytes()
    });
    let org = (0..12u8).prop_map(|n| format!("ORG|u{n}@ch-x.mssante.fr||||1|1990000002|S||Resp||N|").into_bytes());
    let bad = prop_oneof![
        (0..12u8).prop_map(|n| format!("PER|u{n}@ch-x.mssante.fr|8|123||||||||N|").into_bytes()),
        (0..12u8).prop_map(|n| format!("PER|u{n}@ch-x.mssante.fr|8").into_bytes()),
        Just(b"PER||8|10000000009||||||||N|".to_vec()),
        Just(b"PER|u1@ch-x.mssante.fr\xff|8|10000000009||||||||N|".to_vec()),
        (0..12u8).prop_map(|n| format!("PER|U{n}@CH-X.mssante.fr|8|10000000009||||||||X|").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..30),
    ];
    prop_oneof![6 => valid, 2 => org, 3 => bad]
}

fn feed(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Format::Feed.header().into_bytes();
    for l in lines {
        out.push(b'\n');
        out.extend(l.iter().filter(|b| **b != b'\n'));
    }
    out.push(b'\n');
    out
}

fn data_lines(bytes: &[u8]) -> u64 {
    let n = bytes.iter().filter(|b| **b == b'\n').count() as u64 + u64::from(!bytes.ends_with(b"\n"));
    n - 1
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, 3, 10, 0, 0).unwrap()
}

fn deposit_of(content: &[u8]) -> DepositReport {
    let d = Deposit { file_name: "BALMSS_OPE-1_20201203090000.txt", content, operator: "OPE-1", at: at() };
    check_deposit(&d, &DepositPolicy { allow_no_records: true, ..DepositPolicy::default() }, |_| None)
}

fn ctx(policy: &IntegrationPolicy) -> RunContext<'_> {
    RunContext { run_at: at(), closed_through: NaiveDate::from_ymd_opt(2020, 12, 3).unwrap(), ownership: None, policy }
}

fn apply(bals: &mut OperatorBals, content: &[u8]) -> IntegrationReport {
    integrate(bals, content, &deposit_of(content), &ctx(&IntegrationPolicy::default())).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn outcomes_account_for_every_line_and_every_bal(first in prop::collection::vec(line(), 0..25), second in prop::collection::vec(line(), 0..25)) {
        let mut bals = OperatorBals::new();
        apply(&mut bals, &feed(&first));
        let before = bals.clone();
        let content = feed(&second);
        let r = apply(&mut bals, &content);
        let t = r.totals();
        prop_assert!(t.adds_up());
        prop_assert_eq!(t.lines, data_lines(&content));
        prop_assert_eq!(t.before, before.len() as u64);
        prop_assert_eq!(t.after, bals.len() as u64);
        // Each BAL held before has exactly one outcome that speaks for it.
        let mut spoken = Vec::new();
        for o in &r.outcomes {
            let for_previous = match o.outcome {
                Outcome::Updated | Outcome::Unchanged => true,
                Outcome::Deleted | Outcome::Kept => true,
                Outcome::Rejected => o.kept_previous,
                Outcome::Created => false,
            };
            if for_previous {
                spoken.push(key_of(&o.address));
            }
        }
        let held: Vec<String> = before.sorted().iter().map(|(k, _)| k.to_string()).collect();
        spoken.sort();
        prop_assert_eq!(spoken, held);
        // A rejected line never deletes the BAL it describes.
        for o in r.outcomes.iter().filter(|o| o.outcome == Outcome::Rejected) {
            let k = key_of(&o.address);
            if let Some(old) = before.get(&k) {
                prop_assert!(bals.get(&k).is_some(), "{} deleted by a rejected line", k);
                if o.kept_previous {
                    prop_assert_eq!(bals.get(&k), Some(old));
                }
            }
        }
        // Line outcomes are in line order, deletions sorted by address after them.
        let lines: Vec<u64> = r.outcomes.iter().filter_map(|o| o.line).collect();
        prop_assert!(lines.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn integrating_the_same_file_twice_changes_nothing(first in prop::collection::vec(line(), 0..25), second in prop::collection::vec(line(), 0..25)) {
        let mut bals = OperatorBals::new();
        apply(&mut bals, &feed(&first));
        let content = feed(&second);
        apply(&mut bals, &content);
        let state = bals.clone();
        let again = apply(&mut bals, &content).totals();
        prop_assert_eq!(&bals, &state);
        prop_assert_eq!((again.created, again.updated, again.deleted), (0, 0, 0));
    }

    #[test]
    fn arrival_order_within_a_date_does_not_matter(
        files in prop::collection::vec((0..3usize, 0..4i64, prop::collection::vec(line(), 1..10)), 1..6),
        seed in any::<u64>(),
    ) {
        // Deposits of one business date: (operator, minute, lines).
        let deps: Vec<(String, DateTime<Utc>, Vec<u8>, String)> = files
            .iter()
            .enumerate()
            .map(|(i, (op, minute, lines))| {
                let op = format!("OPE-{op}");
                let at = at() + Duration::minutes(*minute);
                let mut content = feed(lines);
                content.extend(format!("PER|seq{i}@ch-x.mssante.fr|8|10000000009||||||||N|\n").bytes());
                let name = mssante_bal::feed::FeedFileName::new(&op, at).unwrap().to_string();
                (op, at, content, name)
            })
            .collect();
        let run = |order: &[usize]| {
            let mut it = Integrator::new(MemoryStore::new());
            for &i in order {
                let (op, at, content, name) = &deps[i];
                it.deposit(&Deposit { file_name: name, content, operator: op, at: *at }).unwrap();
            }
            let s = it.run(Utc.with_ymd_and_hms(2020, 12, 3, 20, 0, 0).unwrap()).unwrap();
            let reports: Vec<String> =
                s.integrated.iter().map(|f| it.store().integration_report(f.seq).unwrap().unwrap().to_pipe()).collect();
            let dirs: Vec<Vec<u8>> = (0..3).map(|o| it.store().load_operator(&format!("OPE-{o}")).unwrap().to_feed()).collect();
            (reports, dirs)
        };
        let forward: Vec<usize> = (0..deps.len()).collect();
        let mut shuffled = forward.clone();
        // A deterministic permutation from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(run(&forward), run(&shuffled));
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9 .@_-]{0,12}", any::<String>(), Just("a|b#c\\p\nd\re".to_owned()),]
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (-9_000_000_000i64..4_000_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..40_000).prop_map(|d| NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Duration::days(d))
}

fn issue(line: u64) -> impl Strategy<Value = Issue> {
    issue_of(line, Code::ALL)
}

fn issue_of<C: mssante_bal::StableCode + std::fmt::Debug>(
    line: u64,
    all: &'static [C],
) -> impl Strategy<Value = Issue<C>> {
    (
        prop::sample::select(all.to_vec()),
        any::<bool>(),
        any::<u32>(),
        any::<u32>(),
        prop::option::of("[A-Za-z é]{1,20}"),
        text(),
    )
        .prop_map(move |(code, err, record, byte, column, message)| Issue {
            code,
            severity: if err { Severity::Error } else { Severity::Warning },
            position: Position { line, record: u64::from(record), byte: u64::from(byte) },
            column,
            message,
        })
}

fn deposit_report() -> impl Strategy<Value = DepositReport> {
    (
        text(),
        text(),
        time(),
        date(),
        prop::option::of(time()),
        any::<u64>(),
        "[0-9a-f]{64}",
        any::<bool>(),
        any::<u64>(),
        prop::collection::vec(
            any::<u32>().prop_flat_map(|l| issue_of(u64::from(l), mssante_cr::DepositCode::ALL)),
            0..4,
        ),
    )
        .prop_map(
            |(file_name, operator, deposited_at, business_date, generated_at, size, sha256, ok, records, reasons)| {
                DepositReport {
                    file_name,
                    operator,
                    deposited_at,
                    business_date,
                    generated_at,
                    size,
                    sha256,
                    outcome: if ok { DepositOutcome::Accepted } else { DepositOutcome::Rejected },
                    records,
                    reasons,
                }
            },
        )
}

fn outcome(line: Option<u64>) -> impl Strategy<Value = BalOutcome> {
    let issues = match line {
        Some(l) => prop::collection::vec(issue(l), 0..3).boxed(),
        None => Just(Vec::new()).boxed(),
    };
    let kinds: Vec<Outcome> = match line {
        Some(_) => vec![Outcome::Created, Outcome::Updated, Outcome::Unchanged, Outcome::Rejected],
        None => vec![Outcome::Deleted, Outcome::Kept],
    };
    (text(), prop::sample::select(kinds), any::<bool>(), prop::collection::vec((text(), text(), text()), 0..3), issues)
        .prop_map(move |(address, outcome, kept, changes, issues)| BalOutcome {
            line,
            address,
            outcome,
            kept_previous: kept && outcome == Outcome::Rejected,
            changes: if outcome == Outcome::Updated && line.is_some() {
                changes.into_iter().map(|(column, before, after)| FieldChange { column, before, after }).collect()
            } else {
                Vec::new()
            },
            issues,
        })
}

fn integration_report() -> impl Strategy<Value = IntegrationReport> {
    let outcomes = (prop::collection::btree_set(2u64..10_000, 0..8), 0..4usize).prop_flat_map(|(lines, absent)| {
        let mut v: Vec<BoxedStrategy<BalOutcome>> = lines.into_iter().map(|l| outcome(Some(l)).boxed()).collect();
        v.extend((0..absent).map(|_| outcome(None).boxed()));
        v
    });
    (time(), date(), text(), text(), time(), date(), "[0-9a-f]{64}", any::<bool>(), outcomes).prop_map(
        |(
            run_at,
            closed_through,
            file_name,
            operator,
            deposited_at,
            business_date,
            sha256,
            domains_checked,
            outcomes,
        )| {
            IntegrationReport {
                run_at,
                closed_through,
                file_name,
                operator,
                deposited_at,
                business_date,
                sha256,
                domains_checked,
                outcomes,
            }
        },
    )
}

proptest! {
    #[test]
    fn deposit_report_round_trips(r in deposit_report()) {
        prop_assert_eq!(&DepositReport::from_pipe(&r.to_pipe()).unwrap(), &r);
        let json = serde_json::to_string(&r).unwrap();
        prop_assert_eq!(&serde_json::from_str::<DepositReport>(&json).unwrap(), &r);
    }

    /// The head of any rendered report, read alone (up to `#BAL`), carries the
    /// report's header fields, totals and counts by code.
    #[test]
    fn a_report_head_reads_back_alone(r in integration_report()) {
        let pipe = r.to_pipe();
        let head = mssante_cr::report::IntegrationSummary::read_pipe(pipe.as_bytes()).unwrap();
        prop_assert_eq!(head.totals, r.totals());
        prop_assert_eq!(head.issue_counts, r.issue_counts());
        prop_assert_eq!(head.report, IntegrationReport { outcomes: Vec::new(), ..r });
    }

    #[test]
    fn integration_report_round_trips(r in integration_report()) {
        let pipe = r.to_pipe();
        let back = IntegrationReport::from_pipe(&pipe).unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.to_pipe(), pipe);
        let json = serde_json::to_string(&r).unwrap();
        prop_assert_eq!(&serde_json::from_str::<IntegrationReport>(&json).unwrap(), &r);
    }

    /// The run writes reports as they are produced (rows in temporary files):
    /// the same bytes, totals, counts and BALs as the report built in memory.
    #[test]
    fn streamed_reports_are_the_reports_built_in_memory(
        first in prop::collection::vec(line(), 0..25),
        second in prop::collection::vec(line(), 0..25),
    ) {
        let policy = IntegrationPolicy::default();
        let mut whole = OperatorBals::new();
        apply(&mut whole, &feed(&first));
        let mut streamed = whole.clone();
        let content = feed(&second);
        let r = apply(&mut whole, &content);
        let s = mssante_cr::integrate::integrate_streaming(&mut streamed, &content, &deposit_of(&content), &ctx(&policy))
            .unwrap();
        let mut bytes = Vec::new();
        IntegrationOutput::write_pipe(&s, &mut bytes).unwrap();
        prop_assert_eq!(String::from_utf8(bytes).unwrap(), r.to_pipe());
        prop_assert_eq!(IntegrationOutput::totals(&s), r.totals());
        prop_assert_eq!(IntegrationOutput::issue_counts(&s), r.issue_counts());
        prop_assert_eq!(streamed, whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_add_up(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut content = Format::Feed.header().into_bytes();
        content.push(b'\n');
        content.extend(&bytes);
        let mut bals = OperatorBals::new();
        apply(&mut bals, &feed(&[b"PER|u1@ch-x.mssante.fr|8|10000000009||||||||N|".to_vec()]));
        let r = apply(&mut bals, &content);
        let t = r.totals();
        prop_assert!(t.adds_up());
        prop_assert_eq!(t.lines, data_lines(&content));
        prop_assert_eq!(t.before, 1);
        let _ = BTreeSet::<u8>::new();
    }
}
