//! The December 2020 case: the BAL feed fails from 3 December, files keep
//! arriving (none on Sunday the 6th), the treatment is restored on the 11th:
//! one catch-up run integrates 3, 4, 5, 7, 8, 9 and 10 December in date order,
//! the 20:00 run integrates the 11th.

mod common;

use common::{World, data_lines, date, paris};
use mssante_bal::feed::FeedFileName;
use mssante_cr::deposit::Deposit;
use mssante_cr::store::{FsStore, Store};
use mssante_cr::{IntegratedFile, Integrator, MemoryStore, Outcome};
use std::collections::BTreeMap;

const DAYS: [u32; 8] = [3, 4, 5, 7, 8, 9, 10, 11];

struct Dep {
    name: String,
    content: String,
    operator: String,
    at: chrono::DateTime<chrono::Utc>,
}

fn deposits(world: &World) -> Vec<Dep> {
    let mut v = Vec::new();
    for day in DAYS {
        for (op, id) in world.operators.iter().enumerate() {
            // Files arrive between 17:00 and 18:00 in Paris.
            let at = paris(2020, 12, day, 17, 10 * op as u32);
            let name = FeedFileName::new(id, at - chrono::Duration::minutes(5)).unwrap().to_string();
            v.push(Dep { name, content: world.feed(op, day, 60), operator: id.clone(), at });
        }
    }
    v
}

fn deposit_all<S: Store>(it: &mut Integrator<S>, deps: &[Dep]) {
    for d in deps {
        let (_, r) = it
            .deposit(&Deposit { file_name: &d.name, content: d.content.as_bytes(), operator: &d.operator, at: d.at })
            .unwrap();
        assert!(r.is_accepted(), "{:?}", r.reasons);
    }
}

/// The CR d'intégration of each file a run integrated, in `|` form, from the store.
fn pipes<S: Store>(it: &Integrator<S>, files: &[IntegratedFile]) -> Vec<String> {
    files.iter().map(|f| it.store().integration_report(f.seq).unwrap().unwrap().to_pipe()).collect()
}

#[test]
fn december_2020_catch_up() {
    let world = World::new(2020, 60, 3);
    let deps = deposits(&world);
    let dir = tempfile::tempdir().unwrap();
    let mut it = Integrator::new(FsStore::open_or_create(dir.path()).unwrap()).with_ownership(world.ownership());
    deposit_all(&mut it, &deps);

    // The catch-up run on the 11th, in the morning: business dates up to the 10th.
    let catch_up = paris(2020, 12, 11, 11, 0);
    let run = it.run(catch_up).unwrap();
    assert_eq!(run.closed_through, date(2020, 12, 10));
    let want: Vec<_> = [3, 4, 5, 7, 8, 9, 10].map(|d| date(2020, 12, d)).to_vec();
    assert_eq!(run.dates(), want, "the backlog is a set of dates, integrated in order");
    assert_eq!(run.integrated.len(), 7 * world.operators.len());
    assert_eq!(run.pending.len(), world.operators.len(), "the files of the 11th wait for 20:00");
    assert!(run.pending.iter().all(|(_, d)| *d == date(2020, 12, 11)));

    // Every report accounts for every line and every BAL held before.
    let mut held: BTreeMap<String, u64> = BTreeMap::new();
    for f in &run.integrated {
        let seq = &f.seq;
        let r = it.store().integration_report(f.seq).unwrap().unwrap();
        let t = r.totals();
        assert_eq!(t, f.totals, "the summary carries the report's totals");
        assert_eq!(f.issue_counts, r.issue_counts());
        let dep = &deps[(*seq - 1) as usize];
        assert_eq!(t.lines, data_lines(&dep.content));
        assert_eq!(t.before, held.get(&r.operator).copied().unwrap_or(0), "{}", r.file_name);
        assert!(t.adds_up());
        assert_eq!(t.rejected, 0, "{:?}", r.outcomes.iter().find(|o| o.outcome == Outcome::Rejected));
        assert!(r.domains_checked);
        held.insert(r.operator.clone(), t.after);
        // The report on disk is byte for byte the report rendered.
        let on_disk = std::fs::read_to_string(it.store().integration_report_path(*seq).unwrap()).unwrap();
        assert_eq!(on_disk, r.to_pipe());
    }
    // The first day creates everything, later days update and delete some.
    let first = &run.integrated[0].totals;
    assert_eq!(first.created, first.lines);
    let later = &run.integrated[run.integrated.len() - 1].totals;
    assert!(later.updated > 0 && later.deleted > 0 && later.created > 0, "{later:?}");

    // Idempotent: the same run again integrates nothing.
    let again = it.run(catch_up).unwrap();
    assert!(again.integrated.is_empty());

    // The 20:00 run integrates the 11th.
    let evening = it.run(paris(2020, 12, 11, 20, 0)).unwrap();
    assert_eq!(evening.dates(), [date(2020, 12, 11)]);
    assert!(evening.pending.is_empty());

    // The directory now holds exactly the last files.
    for (op, id) in world.operators.iter().enumerate() {
        let bals = it.store().load_operator(id).unwrap();
        assert_eq!(bals.len() as u64, data_lines(&world.feed(op, 11, 60)));
    }

    // Replaying the same deposits, recorded in another order, in a fresh
    // state, gives byte-identical reports.
    let mut replay = Integrator::new(MemoryStore::new()).with_ownership(world.ownership());
    let mut reversed: Vec<&Dep> = deps.iter().collect();
    reversed.reverse();
    for d in reversed {
        replay
            .deposit(&Deposit { file_name: &d.name, content: d.content.as_bytes(), operator: &d.operator, at: d.at })
            .unwrap();
    }
    let r1 = replay.run(catch_up).unwrap();
    let r2 = replay.run(paris(2020, 12, 11, 20, 0)).unwrap();
    assert_eq!(pipes(&replay, &r1.integrated), pipes(&it, &run.integrated));
    assert_eq!(pipes(&replay, &r2.integrated), pipes(&it, &evening.integrated));
    let files: Vec<String> = (1..=deps.len() as u64)
        .map(|s| std::fs::read_to_string(it.store().integration_report_path(s).unwrap()).unwrap())
        .collect();
    let mut from_disk = files.clone();
    from_disk.sort();
    let mut expected = pipes(&it, &run.integrated);
    expected.extend(pipes(&it, &evening.integrated));
    expected.sort();
    assert_eq!(from_disk, expected);
}

#[test]
fn daily_runs_and_catch_up_reach_the_same_directory() {
    let world = World::new(7, 40, 2);
    let deps = deposits(&world);
    let mut daily = Integrator::new(MemoryStore::new());
    let mut late = Integrator::new(MemoryStore::new());
    for day in DAYS {
        for d in deps.iter().filter(|d| d.at.format("%d").to_string() == format!("{day:02}")) {
            let dep = Deposit { file_name: &d.name, content: d.content.as_bytes(), operator: &d.operator, at: d.at };
            daily.deposit(&dep).unwrap();
            late.deposit(&dep).unwrap();
        }
        daily.run(paris(2020, 12, day, 20, 0)).unwrap();
    }
    late.run(paris(2020, 12, 11, 20, 0)).unwrap();
    for id in &world.operators {
        assert_eq!(daily.store().load_operator(id).unwrap(), late.store().load_operator(id).unwrap());
    }
}

#[test]
fn duplicate_and_foreign_files_are_refused_at_deposit() {
    let world = World::new(3, 20, 2);
    let mut it = Integrator::new(MemoryStore::new());
    let content = world.feed(0, 3, 20);
    let at = paris(2020, 12, 3, 17, 0);
    let name = FeedFileName::new(&world.operators[0], at).unwrap().to_string();
    let dep = Deposit { file_name: &name, content: content.as_bytes(), operator: &world.operators[0], at };
    assert!(it.deposit(&dep).unwrap().1.is_accepted());
    let (_, again) = it.deposit(&dep).unwrap();
    assert_eq!(again.reasons.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), ["D407"]);
    let (_, foreign) = it.deposit(&Deposit { operator: &world.operators[1], content: b"x", ..dep }).unwrap();
    assert_eq!(foreign.reasons[0].code.as_str(), "D402");
    // Only the accepted file is integrated.
    assert_eq!(it.run(paris(2020, 12, 3, 20, 0)).unwrap().integrated.len(), 1);
}
