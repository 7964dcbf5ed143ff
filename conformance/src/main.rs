//! `pipelab-conformance listings DIR`: writes every code listing the app can show, one file
//! each, and `DIR/manifest.json` naming each file's page, dialect, pitfalls and a link to a
//! state that shows it. The Python tests in `conformance/tests/` run them on real engines.
//! Enumerated from `pipelab_core::registry`, the one list of pages.
//!
//! `pipelab-conformance partitioning QUERY`: the /partitioning run a link opens, to its last
//! step with no faults: the listing's DDL at step 0, every order inserted (in order) and
//! the rows each partition holds and the inserts refused at the end (see
//! [`partitioning_run`]), for `conformance/tests/test_partitioning.py`.
//!
//! `pipelab-conformance contracts QUERY [--next CONTRACT] [--extra RECORDS]`: the /contracts
//! run a link opens, as JSON (see [`contracts_run`]), for `conformance/tests/test_contracts.py`.
//!
//! `pipelab-conformance lakehouse QUERY`: the /lakehouse run a link opens — every commit of
//! the three tables with its files' rows, and every pipeline run — as JSON (see
//! [`lakehouse_run`]), for `conformance/tests/test_lakehouse.py`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use pipelab_core::registry::{Listing, PAGES};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let printed = match args.as_slice() {
        [cmd, dir] if cmd == "listings" => {
            write_listings(Path::new(dir)).map(|n| format!("conformance: wrote {n} listings"))
        }
        [cmd, query] if cmd == "lakehouse" => lakehouse_run(query),
        [cmd, query] if cmd == "partitioning" => partitioning_run(query),
        [cmd, rest @ ..] if cmd == "contracts" => contracts_run(rest),
        _ => Err(
            "usage: pipelab-conformance listings DIR | lakehouse QUERY | partitioning QUERY \
             | contracts QUERY [--next CONTRACT] [--extra RECORDS]"
                .to_string(),
        ),
    };
    match printed {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_listings(dir: &Path) -> Result<usize, String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io)?;
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut manifest = String::from("[\n");
    let mut n = 0;
    for page in &PAGES {
        let folder = page.route.replace('/', "__");
        std::fs::create_dir_all(dir.join(&folder)).map_err(io)?;
        for (i, l) in (page.listings)().into_iter().enumerate() {
            let ext = if l.language == "python" { "py" } else { "sql" };
            let file = format!("{folder}/{i:03}.{ext}");
            std::fs::write(dir.join(&file), format!("{}\n", l.text)).map_err(io)?;
            if n > 0 {
                manifest.push_str(",\n");
            }
            entry(&mut manifest, &file, page.dialect, &l);
            n += 1;
        }
    }
    manifest.push_str("\n]\n");
    std::fs::write(dir.join("manifest.json"), manifest).map_err(io)?;
    Ok(n)
}

fn entry(out: &mut String, file: &str, dialect: &str, l: &Listing) {
    let pitfalls: Vec<String> = l.pitfalls.iter().map(|p| json_str(p)).collect();
    let _ = write!(
        out,
        "  {{\"file\": {}, \"route\": {}, \"dialect\": {}, \"language\": {}, \"title\": {}, \"link\": {}, \"pitfalls\": [{}], \"note\": {}}}",
        json_str(file),
        json_str(l.route),
        json_str(dialect),
        json_str(l.language),
        json_str(l.title),
        json_str(&l.link),
        pitfalls.join(", "),
        l.note.map_or("null".to_string(), json_str),
    );
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The /contracts run the link `query` opens, as JSON: the listing the page shows; where
/// the pipeline stopped (the note's validator), if it did; every record that arrived up to
/// the link's step (its JSON as sent, its arrival in ms since 2024-01-01 and as text, the
/// page's verdict, every violation, and how many a model with after-validators would
/// report). `--extra` judges more records (`[{"arrived_ms": N, "record": {…}}, …]`) under
/// the same contract; `--next` checks another version's compatibility with it (both
/// verdicts with their witnesses, the advice, and that version's listing).
fn contracts_run(args: &[String]) -> Result<String, String> {
    use pipelab_core::json::{self, Value};
    use pipelab_core::link;
    use pipelab_core::patterns::contracts::code::code_view;
    use pipelab_core::patterns::contracts::compat;
    use pipelab_core::patterns::contracts::validate::{
        note_crash, plain_after_count, timestamp_text, validate, Kind, Violation,
    };
    use pipelab_core::patterns::contracts::{Contract, ContractParams, Contracts};
    use pipelab_core::sim::{Scenario, Timeline};

    let (query, mut next, mut extra) = (args.first().ok_or("contracts: no link")?, None, None);
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(format!("{flag}: no value"))?;
        match flag.as_str() {
            "--next" => next = Some(Contract::parse(value).map_err(|e| format!("--next: {e}"))?),
            "--extra" => extra = Some(json::parse(value).map_err(|e| format!("--extra: {e}"))?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let query = query
        .trim_start_matches("/contracts")
        .trim_start_matches('?');
    let d = link::decode::<ContractParams>(query, Contracts::fault_specs());
    if let Some(v) = d.unknown_version {
        return Err(format!("unknown link version {v}"));
    }
    if let Some(i) = d.ignored.first() {
        return Err(format!("the link's {} was ignored: {}", i.key, i.reason));
    }
    let state = d.state;
    let s = Contracts::new(&state.params, state.seed)
        .map_err(|e| format!("{:?}", e.first().map(|x| &x.message)))?;
    let mut t = Timeline::new(s, state.faults.clone());
    t.seek(state.step);
    let s = t.current();
    let str_ = |x: &str| Value::String(x.to_string());
    let num = |x: u64| Value::Number(x.to_string());
    let kind = |k: Kind| match k {
        Kind::Missing => "missing",
        Kind::Null => "null",
        Kind::Type => "type",
        Kind::BelowMin => "min",
        Kind::AboveMax => "max",
        Kind::NotInEnum => "enum",
        Kind::Unknown => "unknown",
        Kind::Future => "future",
        Kind::Before => "before",
        Kind::RequiredWhen => "required_when",
    };
    let violations = |vs: &[Violation]| {
        Value::Array(
            vs.iter()
                .map(|v| {
                    Value::Object(vec![
                        ("field".into(), str_(&v.field)),
                        ("kind".into(), str_(kind(v.kind))),
                        ("detail".into(), str_(&v.detail)),
                    ])
                })
                .collect(),
        )
    };
    let stopped = s.stopped();
    let mut records = Vec::new();
    for i in 0..s.validated() {
        let at = s.producer().arrival_ms(i);
        let (verdict, vs) = match stopped {
            Some((since, _)) if i == since => ("stopped", Vec::new()),
            Some((since, _)) if i > since => ("not validated", Vec::new()),
            _ => {
                let vs = s.check(i);
                (
                    if vs.is_empty() {
                        "accepted"
                    } else {
                        "dead letter"
                    },
                    vs,
                )
            }
        };
        records.push(Value::Object(vec![
            ("index".into(), num(i)),
            ("raw".into(), str_(&s.record(i).to_text())),
            ("arrived_ms".into(), Value::Number(at.to_string())),
            ("arrived".into(), str_(&timestamp_text(at))),
            ("verdict".into(), str_(verdict)),
            ("violations".into(), violations(&vs)),
            ("plain_after".into(), num(plain_after_count(&vs) as u64)),
        ]));
    }
    let contract = &s.params().contract;
    let mut extras = Vec::new();
    if let Some(Value::Array(items)) = &extra {
        for item in items {
            let record = item.get("record").ok_or("--extra: an item has no record")?;
            let at: i64 = match item.get("arrived_ms") {
                Some(Value::Number(n)) => n.parse().map_err(|_| "--extra: arrived_ms")?,
                _ => return Err("--extra: an item has no arrived_ms".into()),
            };
            let vs = validate(contract, record, at, s.params().wrong_field);
            let crash = s
                .params()
                .wrong_field
                .then(|| note_crash(contract, record))
                .flatten();
            extras.push(Value::Object(vec![
                ("raw".into(), str_(&record.to_text())),
                ("arrived_ms".into(), Value::Number(at.to_string())),
                ("violations".into(), violations(&vs)),
                ("plain_after".into(), num(plain_after_count(&vs) as u64)),
                ("crash".into(), crash.map_or(Value::Null, |e| str_(&e))),
            ]));
        }
    }
    let mut out = vec![
        ("listing".into(), str_(&code_view(s).lines.join("\n"))),
        (
            "stopped".into(),
            match stopped {
                Some((i, e)) => {
                    Value::Object(vec![("index".into(), num(i)), ("error".into(), str_(e))])
                }
                None => Value::Null,
            },
        ),
        ("records".into(), Value::Array(records)),
        ("extra".into(), Value::Array(extras)),
    ];
    if let Some(n) = next {
        let verdict = compat::check(contract, &n);
        let reasons = |rs: &[compat::Reason]| {
            Value::Array(
                rs.iter()
                    .map(|r| {
                        Value::Object(vec![
                            ("text".into(), str_(&r.text)),
                            ("witness".into(), str_(&r.witness.to_text())),
                        ])
                    })
                    .collect(),
            )
        };
        let params = ContractParams {
            contract: n,
            ..s.params().clone()
        };
        let listing = Contracts::new(&params, state.seed)
            .map(|x| code_view(&x).lines.join("\n"))
            .map_err(|_| "--next: the page refuses that contract")?;
        out.push((
            "compat".into(),
            Value::Object(vec![
                ("backward".into(), reasons(&verdict.backward)),
                ("forward".into(), reasons(&verdict.forward)),
                ("advice".into(), str_(verdict.advice())),
                ("now_ms".into(), Value::Number(compat::NOW_MS.to_string())),
                ("listing".into(), str_(&listing)),
            ]),
        ));
    }
    Ok(Value::Object(out).to_text())
}

/// The /lakehouse run the link `query` opens, as JSON: the listing at the link's step; the
/// parameters the replay needs; per table every commit (version, Delta operation, writer,
/// the files it added with their rows, the paths it removed, its `_delta_log` text); and
/// every pipeline run (the bronze versions it read, the day a newest-day job keeps, the
/// silver version it started from, the second writer's commit, the conflict, the silver
/// commit, how many orders it inserted and matched, the compaction). Faults at a step are
/// applied after that step, as the page's timeline does.
fn lakehouse_run(query: &str) -> Result<String, String> {
    use pipelab_core::calendar::day_text;
    use pipelab_core::json::Value;
    use pipelab_core::link;
    use pipelab_core::patterns::lakehouse::code::code_view;
    use pipelab_core::patterns::lakehouse::files::{
        bronze_file, bronze_rows, gold_rows, SilverCols,
    };
    use pipelab_core::patterns::lakehouse::params::ReadMode;
    use pipelab_core::patterns::lakehouse::scenario::{Last, RunReport};
    use pipelab_core::patterns::lakehouse::table::{Conflict, DataFile, Layer};
    use pipelab_core::patterns::lakehouse::view::commit_json;
    use pipelab_core::patterns::lakehouse::{LakeParams, Lakehouse};
    use pipelab_core::sim::Scenario;

    let query = query
        .trim_start_matches("/lakehouse")
        .trim_start_matches('?');
    let d = link::decode::<LakeParams>(query, Lakehouse::fault_specs());
    if let Some(v) = d.unknown_version {
        return Err(format!("unknown link version {v}"));
    }
    if let Some(i) = d.ignored.first() {
        return Err(format!("the link's {} was ignored: {}", i.key, i.reason));
    }
    let state = d.state;
    let mut s = Lakehouse::new(&state.params, state.seed)
        .map_err(|e| format!("{:?}", e.first().map(|x| &x.message)))?;
    let str_ = |x: &str| Value::String(x.to_string());
    let num = |x: i64| Value::Number(x.to_string());
    let opt = |x: Option<Value>| x.unwrap_or(Value::Null);
    let obj = |fields: Vec<(&str, Value)>| {
        Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    };
    let mut runs = Vec::new();
    let mut record = |s: &Lakehouse, before: u32| {
        let r: &RunReport = match s.last() {
            Last::Arrived { run: Some(r), .. } | Last::Rerun(r) => r,
            _ => return,
        };
        let today = match s.params().read {
            ReadMode::Snapshots => None,
            ReadMode::NewestDay => Some(s.feed().arrival_day(s.steps().saturating_sub(1))),
        };
        let conflict = r.conflict.map(|c| {
            let (kind, version, what) = match c {
                Conflict::PartitionChanged { version, partition } => {
                    ("partition", version, str_(&day_text(partition)))
                }
                Conflict::FileGone { version, file } => ("file", version, num(file as i64)),
            };
            obj(vec![
                ("kind", str_(kind)),
                ("exception", str_(c.exception())),
                ("version", num(version as i64)),
                ("what", what),
            ])
        });
        runs.push(obj(vec![
            ("number", num(r.number as i64)),
            ("step", num(s.steps() as i64)),
            ("rerun", Value::Bool(r.rerun)),
            ("bronze_from", num(r.bronze_from as i64 + 1)),
            ("bronze_to", num(r.bronze_to as i64)),
            ("today", opt(today.map(|d| str_(&day_text(d))))),
            ("silver_before", num(before as i64)),
            ("rival_version", opt(r.rival_version.map(|v| num(v as i64)))),
            ("conflict", opt(conflict)),
            (
                "silver_version",
                opt(r.silver_version.map(|v| num(v as i64))),
            ),
            ("inserted", num(r.plan.inserted as i64)),
            ("matched", num(r.plan.matched as i64)),
            ("rows_read", num(r.plan.rows_read as i64)),
            (
                "compaction",
                opt(r.compaction.map(|(removed, added, v)| {
                    obj(vec![
                        ("removed", num(removed as i64)),
                        ("added", num(added as i64)),
                        ("version", num(v as i64)),
                    ])
                })),
            ),
            (
                "gold",
                opt(r.gold.map(|(v, op)| {
                    obj(vec![
                        ("version", num(v as i64)),
                        ("operation", str_(op.text())),
                    ])
                })),
            ),
        ]));
    };
    let faults = state.faults.clone();
    let silver_now = |s: &Lakehouse| s.lake().table(Layer::Silver).version();
    let apply_at = |s: &mut Lakehouse, step: u64, record: &mut dyn FnMut(&Lakehouse, u32)| {
        for f in faults.iter().filter(|f| f.step == step) {
            let before = silver_now(s);
            if s.apply(&f.fault).is_ok() {
                record(s, before);
            }
        }
    };
    apply_at(&mut s, 0, &mut record);
    while s.steps() < state.step.min(s.total_steps()) {
        let before = silver_now(&s);
        s.step();
        record(&s, before);
        let at = s.steps();
        apply_at(&mut s, at, &mut record);
    }
    let lake = s.lake();
    let feed = s.feed();
    let rows_of = |f: &DataFile| -> Value {
        let cell_u = |x: Option<u64>| opt(x.map(|v| num(v as i64)));
        let cell_s = |x: Option<&str>| opt(x.map(str_));
        let rows: Vec<Value> = match f.layer {
            Layer::Bronze => bronze_file(f, feed)
                .map(|b| {
                    bronze_rows(&b)
                        .into_iter()
                        .map(|r| {
                            Value::Array(vec![
                                num(r.offset as i64),
                                num(r.order_id as i64),
                                cell_u(r.user_id.map(u64::from)),
                                str_(&day_text(r.day)),
                                cell_s(r.amount),
                                num(r.ingested_ms),
                                cell_s(r.currency),
                            ])
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Layer::Silver => f
                .stored()
                .and_then(SilverCols::of)
                .map(|c| {
                    (0..c.len())
                        .filter_map(|i| c.row(i))
                        .map(|r| {
                            Value::Array(vec![
                                num(r.order_id as i64),
                                num(r.user_id as i64),
                                str_(&day_text(r.day)),
                                num(r.amount_cents),
                                num(r.ingested_ms),
                                cell_s(r.currency),
                            ])
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Layer::Gold => f
                .stored()
                .map(gold_rows)
                .unwrap_or_default()
                .into_iter()
                .map(|g| {
                    Value::Array(vec![
                        num(g.user_id as i64),
                        num(g.orders as i64),
                        num(g.spent_cents),
                    ])
                })
                .collect(),
        };
        Value::Array(rows)
    };
    let mut tables = Vec::new();
    for layer in Layer::ALL {
        let t = lake.table(layer);
        let mut commits = vec![obj(vec![
            ("version", num(0)),
            ("operation", str_("CREATE TABLE")),
            ("log", str_(&commit_json(lake, layer, 0))),
        ])];
        for v in 1..=t.version() {
            let Some(c) = t.commit(v) else { continue };
            let added: Vec<Value> = t
                .added_by(v)
                .into_iter()
                .filter_map(|f| lake.file(f))
                .map(|f| {
                    obj(vec![
                        ("path", str_(&f.rel_path())),
                        ("partition", opt(f.partition.map(|p| str_(&day_text(p))))),
                        ("schema", num(f.schema as i64)),
                        ("rows", rows_of(f)),
                    ])
                })
                .collect();
            let removed: Vec<Value> = t
                .removed_by(v)
                .into_iter()
                .filter_map(|f| lake.file(f))
                .map(|f| str_(&f.rel_path()))
                .collect();
            commits.push(obj(vec![
                ("version", num(v as i64)),
                ("operation", str_(c.op.delta_name())),
                ("op", str_(c.op.text())),
                ("at_ms", num(c.at_ms)),
                ("writer", num(c.writer as i64)),
                ("retries", num(c.retries as i64)),
                ("schema", num(c.schema as i64)),
                ("rows_added", num(c.rows_added as i64)),
                ("rows_removed", num(c.rows_removed as i64)),
                ("added", Value::Array(added)),
                ("removed", Value::Array(removed)),
                ("log", str_(&commit_json(lake, layer, v))),
            ]));
        }
        tables.push((layer.name().to_string(), Value::Array(commits)));
    }
    let p = s.params();
    let out = obj(vec![
        ("listing", str_(&code_view(&s).lines.join("\n"))),
        ("step", num(s.steps() as i64)),
        (
            "params",
            obj(vec![
                ("users", num(p.users as i64)),
                ("per_day", num(p.per_day as i64)),
                ("file_rows", num(p.file_rows as i64)),
                ("every", num(p.every as i64)),
                ("compact", num(p.compact as i64)),
                ("target", num(p.target_rows as i64)),
            ]),
        ),
        ("tables", Value::Object(tables)),
        ("runs", Value::Array(runs)),
        ("conflicts", num(s.conflicts() as i64)),
    ]);
    Ok(out.to_text())
}

/// The /partitioning run `query` opens, played to its end: `{"listing": the code panel at
/// step 0, "orders": [[order_id, user_id, "amount", "YYYY-MM-DD"], …] in insert order,
/// "partitions": {name: rows}, "refused": n}`. Faults in the link are refused: the replay
/// inserts into the step-0 table.
fn partitioning_run(query: &str) -> Result<String, String> {
    use pipelab_core::calendar::day_text;
    use pipelab_core::link;
    use pipelab_core::patterns::partitioning::code::code_view;
    use pipelab_core::patterns::partitioning::query::Query;
    use pipelab_core::patterns::partitioning::Partitioning;
    use pipelab_core::sim::Scenario;

    let d = link::decode::<<Partitioning as Scenario>::Params>(query, Partitioning::fault_specs());
    if !d.ignored.is_empty() || !d.state.faults.is_empty() {
        return Err(format!(
            "partitioning: the link must decode cleanly, without faults: {query}"
        ));
    }
    let mut s = Partitioning::new(&d.state.params, d.state.seed)
        .map_err(|e| format!("partitioning: {e:?}"))?;
    let listing = code_view(&s, &Query::default()).lines.join("\n");
    let mut orders = Vec::new();
    for i in 0..s.total_steps() {
        let o = s.feed().order(i);
        orders.push(format!(
            "[{}, {}, \"{}.{:02}\", \"{}\"]",
            o.order_id(),
            o.user,
            o.amount_cents / 100,
            o.amount_cents % 100,
            day_text(o.day)
        ));
        s.step();
    }
    let parts: Vec<String> = s
        .layout()
        .parts()
        .iter()
        .zip(s.stored_counts())
        .map(|(p, n)| format!("{}: {n}", json_str(&p.name)))
        .collect();
    Ok(format!(
        "{{\"listing\": {}, \"orders\": [{}], \"partitions\": {{{}}}, \"refused\": {}}}",
        json_str(&listing),
        orders.join(", "),
        parts.join(", "),
        s.rejected().len()
    ))
}
