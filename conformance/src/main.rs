//! `pipelab-conformance listings DIR`: writes every code listing the app can show, one file
//! each, and `DIR/manifest.json` naming each file's page, dialect, pitfalls and a link to a
//! state that shows it. The Python tests in `conformance/tests/` run them on real engines.
//! Enumerated from `pipelab_core::registry`, the one list of pages.
//!
//! `pipelab-conformance contracts QUERY [--next CONTRACT] [--extra RECORDS]`: the /contracts
//! run a link opens, as JSON (see [`contracts_run`]), for `conformance/tests/test_contracts.py`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use pipelab_core::registry::{Listing, PAGES};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd, dir] if cmd == "listings" => write_listings(Path::new(dir)),
        [cmd, rest @ ..] if cmd == "contracts" => {
            return match contracts_run(rest) {
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
        _ => Err(
            "usage: pipelab-conformance listings DIR | contracts QUERY [--next CONTRACT] [--extra RECORDS]"
                .to_string(),
        ),
    };
    match result {
        Ok(n) => {
            println!("conformance: wrote {n} listings");
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
