//! Criterion benchmarks: workload throughput, sharding steps, routing lookups per scheme,
//! seeking in a 1,000,000-step run (the number the seek bar's responsiveness depends on),
//! the Kappa processor's events per second over a 1,000,000-event log, and event sourcing's
//! commands per second and events folded per second with and without snapshots, and CQRS's
//! projection throughput, partition routing and inserts per second, and cache operations
//! and requests per second.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pipelab_core::hash::key_hash;
use pipelab_core::patterns::sharding::{Router, Scheme, Sharding, ShardingParams};
use pipelab_core::sim::{Fault, FaultAt, Scenario, Timeline};
use pipelab_core::workload::{Workload, WorkloadParams};
use std::hint::black_box;

fn workload(c: &mut Criterion) {
    let mut g = c.benchmark_group("workload");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("10k events", |b| {
        b.iter(|| {
            let mut w = Workload::new(WorkloadParams::default(), 42);
            for _ in 0..10_000 {
                black_box(w.next_event());
            }
        })
    });
    g.finish();
}

fn sharding_steps(c: &mut Criterion) {
    let mut g = c.benchmark_group("sharding");
    g.throughput(Throughput::Elements(10_000));
    for scheme in Scheme::ALL {
        g.bench_with_input(
            BenchmarkId::new("10k steps", scheme.as_str()),
            &scheme,
            |b, scheme| {
                let p = ShardingParams {
                    scheme: *scheme,
                    ..ShardingParams::default()
                };
                b.iter(|| {
                    let mut s = Sharding::new(&p, 42).expect("default params are valid");
                    for _ in 0..10_000 {
                        s.step();
                    }
                    black_box(s.view().keys_stored)
                })
            },
        );
    }
    g.finish();
}

/// Lookups per second of each scheme's router: 16 shards (100 vnodes each for the ring),
/// 10,000 precomputed key hashes per iteration.
fn routing(c: &mut Criterion) {
    let mut g = c.benchmark_group("routing 16 shards");
    g.throughput(Throughput::Elements(10_000));
    let hashes: Vec<u64> = (0..10_000u64).map(key_hash).collect();
    for scheme in Scheme::ALL {
        let router = Router::new(scheme, 16, 100);
        g.bench_with_input(
            BenchmarkId::new("10k lookups", scheme.as_str()),
            &router,
            |b, router| {
                b.iter(|| {
                    let mut sum = 0u64;
                    for h in &hashes {
                        sum += router.route(*h).map_or(0, |r| r.0 as u64);
                    }
                    black_box(sum)
                })
            },
        );
    }
    g.finish();
}

fn seek_million(c: &mut Criterion) {
    let p = ShardingParams {
        events: 1_000_000,
        ..ShardingParams::default()
    };
    let s = Sharding::new(&p, 42).expect("valid");
    let faults = vec![FaultAt {
        step: 500_000,
        fault: Fault::new("add-shard"),
    }];
    let mut tl = Timeline::new(s, faults);
    while !tl.build(1_000_000) {}
    let mut g = c.benchmark_group("timeline 1M steps");
    let mut target = 0u64;
    g.bench_function("seek to a random step", |b| {
        b.iter(|| {
            // A fixed pseudo-random walk over the run.
            target = (target
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407))
                % 1_000_001;
            tl.seek(target);
            black_box(tl.step())
        })
    });
    g.bench_function("step back at the end", |b| {
        tl.seek(1_000_000);
        b.iter(|| {
            if !tl.step_back() {
                tl.seek(1_000_000);
            }
            black_box(tl.step())
        })
    });
    g.finish();
}

/// Events per second through the Kappa processor: a 1,000,000-event log, 10-minute
/// tumbling windows (the log and its oracle are built once, outside the timing).
fn kappa_million(c: &mut Criterion) {
    use pipelab_core::patterns::kappa::{Kappa, KappaParams};
    let p = KappaParams {
        events: 1_000_000,
        ..KappaParams::default()
    };
    let base = Kappa::new(&p, 42).expect("valid");
    let mut g = c.benchmark_group("kappa");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function("1M events tumbling", |b| {
        b.iter(|| {
            let mut k = base.clone();
            for _ in 0..1_000_000 {
                k.step();
            }
            black_box(k.view().live.output.len())
        })
    });
    g.finish();
}

/// Events per second through Lambda (master log, batch fold, speed layer, serving error
/// kept against the oracle): a 1,000,000-event log, the default batch period.
fn lambda_million(c: &mut Criterion) {
    use pipelab_core::patterns::lambda::{Lambda, LambdaParams};
    let p = LambdaParams {
        events: 1_000_000,
        ..LambdaParams::default()
    };
    let base = Lambda::new(&p, 42).expect("valid");
    let mut g = c.benchmark_group("lambda");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function("1M events", |b| {
        b.iter(|| {
            let mut l = base.clone();
            for _ in 0..1_000_000 {
                l.step();
            }
            black_box(l.errors())
        })
    });
    // The speed layer alone: id filter, retention and per-window increments.
    let tape = base.log().tape().clone();
    g.bench_function("speed layer 1M events", |b| {
        use pipelab_core::patterns::lambda::layers::SpeedLayer;
        b.iter(|| {
            let mut s = SpeedLayer::default();
            for e in tape.iter() {
                black_box(s.add(e, 600_000, 7_200_000, p.rule()));
            }
            black_box(s.current.len())
        })
    });
    g.finish();
}

fn event_sourcing(c: &mut Criterion) {
    use pipelab_core::patterns::event_sourcing::{EsParams, EventSourcing};
    // Long orders (about 40 items) so an order's stream is worth snapshotting.
    let p = EsParams {
        commands: 1_000_000,
        items: 40,
        snapshot_every: 10,
        ..EsParams::default()
    };
    let base = EventSourcing::new(&p, 42).expect("valid");
    let mut g = c.benchmark_group("event sourcing");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function("1M commands (load, decide, append, snapshot)", |b| {
        b.iter(|| {
            let mut s = base.clone();
            for _ in 0..1_000_000 {
                s.step();
            }
            black_box(s.totals().appended)
        })
    });
    let mut full = base.clone();
    for _ in 0..1_000_000 {
        full.step();
    }
    let store = full.store();
    let orders = full.orders();
    // Rebuilding every order: events folded per second, and how many a load needs.
    for (name, snapshots) in [("with snapshots", true), ("without snapshots", false)] {
        let folded: u64 = (1..=orders)
            .map(|o| store.load(o, snapshots).read as u64)
            .sum();
        g.throughput(Throughput::Elements(folded));
        g.bench_function(
            format!("load every order {name} ({folded} events folded)"),
            |b| {
                b.iter(|| {
                    let mut n = 0u64;
                    for o in 1..=orders {
                        n += store.load(o, snapshots).state.version as u64;
                    }
                    black_box(n)
                })
            },
        );
    }
    g.finish();
}

fn cqrs(c: &mut Criterion) {
    use pipelab_core::patterns::cqrs::projection::{Model, Projector};
    use pipelab_core::patterns::cqrs::{Cqrs, CqrsParams};
    let p = CqrsParams {
        commands: 1_000_000,
        ..CqrsParams::default()
    };
    let base = Cqrs::new(&p, 42).expect("valid");
    let mut g = c.benchmark_group("cqrs");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function("1M commands (write, project, read back)", |b| {
        b.iter(|| {
            let mut s = base.clone();
            for _ in 0..1_000_000 {
                s.step();
            }
            black_box(s.reads().fresh)
        })
    });
    // Projection alone: events applied per second by a rebuild from position 0.
    let mut full = base.clone();
    for _ in 0..1_000_000 {
        full.step();
    }
    let events: Vec<_> = full.log().iter().copied().collect();
    g.throughput(Throughput::Elements(events.len() as u64));
    for model in [Model::ByUser, Model::RevenueByDay] {
        g.bench_function(
            format!("project {} events into {}", events.len(), model.name()),
            |b| {
                b.iter(|| {
                    let mut p = Projector::new(model);
                    for (pos, e) in events.iter().enumerate() {
                        p.receive(pos as u64, e, true);
                    }
                    black_box(p.money_total)
                })
            },
        );
    }
    g.finish();
}

fn etl_elt(c: &mut Criterion) {
    use arrow_array::{Int64Array, UInt32Array};
    use pipelab_core::patterns::etl_elt::extract::staged_extract;
    use pipelab_core::patterns::etl_elt::table::{sum_count, Group};
    use pipelab_core::patterns::etl_elt::transform::{transform, Rule};
    use pipelab_core::patterns::etl_elt::{EtlElt, EtlParams};
    const ROWS: u64 = 1_000_000;
    const USERS: u32 = 100_000;
    let p = EtlParams {
        rows: ROWS,
        runs: 1,
        chunk: 10_000,
        users: USERS,
        ..EtlParams::default()
    };
    let staged = staged_extract(42, p.shape(), 10_000);
    let staged_rows: u64 = staged.iter().map(|b| b.num_rows() as u64).sum();
    let mut g = c.benchmark_group("etl-elt");
    g.sample_size(10);
    g.throughput(Throughput::Elements(staged_rows));
    g.bench_function("ELT transform: 1M raw staged rows by customer", |b| {
        b.iter(|| {
            black_box(transform(
                staged.iter(),
                Group::User,
                Rule::AllOrders,
                USERS as usize + 1,
            ))
        })
    });
    // The typed group-by alone: user_id and amount in cents as Arrow columns.
    let users = UInt32Array::from_iter_values(
        (0..ROWS).map(|i| (i.wrapping_mul(2_654_435_761) % USERS as u64) as u32),
    );
    let cents = Int64Array::from_iter_values((0..ROWS).map(|i| (i % 25_000) as i64));
    g.throughput(Throughput::Elements(ROWS));
    g.bench_function(
        "group-by kernel: SUM, COUNT of 1M typed rows by customer",
        |b| b.iter(|| black_box(sum_count(&users, &cents, USERS as usize + 1))),
    );
    let night = EtlParams {
        rows: 100_000,
        runs: 1,
        ..EtlParams::default()
    };
    let base = EtlElt::new(&night, 42).expect("valid");
    let steps = base.total_steps();
    g.throughput(Throughput::Elements(steps));
    g.bench_function(
        "one night of 100k rows stepped (all three paths, oracle)",
        |b| {
            b.iter(|| {
                let mut s = base.clone();
                for _ in 0..steps {
                    s.step();
                }
                black_box(s.records().len())
            })
        },
    );
    g.finish();
}

fn batch_writes(c: &mut Criterion) {
    use pipelab_core::patterns::batch_writes::{BatchParams, BatchWrites};
    let p = BatchParams {
        rows: 1_000_000,
        bad: 0.001,
        ..BatchParams::default()
    };
    let base = BatchWrites::new(&p, 42).expect("valid");
    let mut g = c.benchmark_group("batch-writes");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function(
        "1M rows in batches of 50 (bisecting bad rows, the oracle judging)",
        |b| {
            b.iter(|| {
                let mut s = base.clone();
                for _ in 0..1_000_000 {
                    s.step();
                }
                black_box(s.table().distinct)
            })
        },
    );
    g.finish();
}

fn lakehouse(c: &mut Criterion) {
    use pipelab_core::patterns::lakehouse::files::SilverRow;
    use pipelab_core::patterns::lakehouse::jobs::{plan_gold, plan_silver, GoldMode};
    use pipelab_core::patterns::lakehouse::source::Feed;
    use pipelab_core::patterns::lakehouse::table::{Change, Content, Lake, Layer, Op, Stamp};
    use pipelab_core::patterns::lakehouse::{LakeParams, Lakehouse};
    const ROWS: u64 = 100_000;
    const USERS: u32 = 1_000;
    // Bronze: 100k raw rows (5% bad, 5% resent) in 100 files, committed.
    let feed = Feed {
        seed: 42,
        users: USERS,
        per_day: 10_000,
        bad: 0.05,
        dup: 0.05,
        ..Feed::default()
    };
    let mut lake = Lake::default();
    for chunk in 0..100 {
        let rows: Vec<_> = (chunk * 1_000..(chunk + 1) * 1_000)
            .map(|i| feed.row(i))
            .collect();
        let built =
            pipelab_core::patterns::lakehouse::files::bronze_batch(&rows, 1).expect("built");
        // As the page writes them: the stats kept, the rows read back from the feed.
        let mut file = Lake::new_file(Layer::Bronze, None, 1, built);
        file.content = Content::Landed {
            start: chunk * 1_000,
            end: (chunk + 1) * 1_000,
        };
        let change = Change {
            add: vec![file],
            ..Change::default()
        };
        let v = lake.table(Layer::Bronze).version();
        lake.commit(Layer::Bronze, v, change, Stamp::new(Op::Append, 0))
            .expect("no rival");
    }
    let bronze = lake.table(Layer::Bronze).files_at(100);
    let mut g = c.benchmark_group("lakehouse");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS));
    g.bench_function(
        "silver build: MERGE 100k raw rows (read bronze, parse, validate, dedupe, write files)",
        |b| b.iter(|| black_box(plan_silver(&lake, &feed, &bronze, 0, None).inserted.len())),
    );
    let plan = plan_silver(&lake, &feed, &bronze, 0, None);
    let inserted: Vec<SilverRow> = plan.inserted.clone();
    let mut per_user = vec![(0u64, 0i64); USERS as usize];
    for r in &inserted {
        per_user[r.user_id as usize].0 += 1;
        per_user[r.user_id as usize].1 += r.amount_cents;
    }
    let mut with_silver = lake.clone();
    with_silver
        .commit(Layer::Silver, 0, plan.change, Stamp::new(Op::Merge, 1))
        .expect("first commit");
    g.throughput(Throughput::Elements(inserted.len() as u64));
    g.bench_function(
        "gold build: MERGE the silver rows' per-user totals (1,000 users)",
        |b| {
            b.iter(|| {
                black_box(
                    plan_gold(&with_silver, 0, GoldMode::Merge, &inserted, &per_user).is_some(),
                )
            })
        },
    );
    let p = LakeParams {
        rows: ROWS,
        users: USERS,
        file_rows: 100,
        every: 10,
        per_day: 5_000,
        ..LakeParams::default()
    };
    let base = Lakehouse::new(&p, 42).expect("valid");
    g.throughput(Throughput::Elements(ROWS));
    g.bench_function(
        "100k rows stepped (bronze files, 100 runs of silver + compaction + gold, oracle)",
        |b| {
            b.iter(|| {
                let mut s = base.clone();
                for _ in 0..ROWS {
                    s.step();
                }
                black_box(s.silver_totals())
            })
        },
    );
    g.finish();
}

/// Partition routing per second (the router alone, over 10,000 precomputed orders: hash by
/// user into 16 partitions, range by date over 24 monthly partitions) and whole inserts per
/// second (feed + route + store) of 10,000 steps.
fn partitioning(c: &mut Criterion) {
    use pipelab_core::patterns::partitioning::feed::Feed;
    use pipelab_core::patterns::partitioning::layout::Layout;
    use pipelab_core::patterns::partitioning::params::{Interval, Scheme as PartScheme};
    use pipelab_core::patterns::partitioning::{PartParams, Partitioning};
    let mut g = c.benchmark_group("partitioning");
    g.throughput(Throughput::Elements(10_000));
    let feed = Feed::new(42, 10_000, 1_000, 1.0, 730);
    let orders: Vec<_> = (0..10_000).map(|i| feed.order(i)).collect();
    for (name, layout) in [
        ("route hash 16", Layout::hash(16)),
        (
            "route range 24 months",
            Layout::range(730, Interval::Month, false, false),
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut acc = 0usize;
                for o in &orders {
                    acc = acc.wrapping_add(layout.route(o.user, o.day).unwrap_or(usize::MAX));
                }
                black_box(acc)
            })
        });
    }
    for scheme in [PartScheme::Hash, PartScheme::Range] {
        let p = PartParams {
            scheme,
            rows: 10_000,
            ..PartParams::default()
        };
        g.bench_function(format!("10k inserts {}", scheme.as_str()), |b| {
            b.iter(|| {
                let mut s = Partitioning::new(&p, 42).expect("valid");
                for _ in 0..10_000 {
                    s.step();
                }
                black_box(s.inserted())
            })
        });
    }
    g.finish();
}

/// Records validated per second: the validator alone on 10,000 produced records (a fifth
/// broken, every kind of defect), and whole steps (produce + validate + dead-letter).
fn contracts(c: &mut Criterion) {
    use pipelab_core::patterns::contracts::producer::{Defect, Producer};
    use pipelab_core::patterns::contracts::validate::validate;
    use pipelab_core::patterns::contracts::{Contract, ContractParams, Contracts};
    let mut g = c.benchmark_group("contracts");
    let contract = Contract::default();
    let p = Producer {
        seed: 42,
        invalid: 0.2,
        defects: Defect::ALL.to_vec(),
        gap_us: 20_000,
        drifts: Vec::new(),
    };
    let records: Vec<_> = (0..10_000)
        .map(|i| (p.record(i), p.arrival_ms(i)))
        .collect();
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("validate 10k records", |b| {
        b.iter(|| {
            let mut broken = 0usize;
            for (r, now) in &records {
                broken += validate(&contract, r, *now, false).len();
            }
            black_box(broken)
        })
    });
    let params = ContractParams {
        records: 10_000,
        ..ContractParams::default()
    };
    g.bench_function("10k records through the page's run", |b| {
        b.iter(|| {
            let mut s = Contracts::new(&params, 42).expect("valid");
            for _ in 0..10_000 {
                s.step();
            }
            black_box(s.accepted())
        })
    });
    g.finish();
}

/// Change events applied per second: the sink's guarded MERGE alone over a shuffled,
/// duplicated delivery, and whole steps of the pipeline (source, connector, sink, polls).
fn cdc(c: &mut Criterion) {
    use pipelab_core::patterns::cdc::feed::{Feed, Mix};
    use pipelab_core::patterns::cdc::merge::{Guard, Target};
    use pipelab_core::patterns::cdc::{Cdc, CdcParams};
    let mut g = c.benchmark_group("cdc");
    let feed = Feed::generate(
        42,
        Mix {
            rows: 1_000,
            changes: 100_000,
            updates: 0.5,
            deletes: 0.1,
            rate: 100,
        },
    );
    // Every event once, plus every 10th again later (a redelivery).
    let mut order: Vec<u32> = (0..feed.len() as u32).collect();
    order.extend((0..feed.len() as u32).step_by(10));
    let ids: Vec<u32> = order
        .iter()
        .map(|r| feed.records()[*r as usize].id)
        .collect();
    g.throughput(Throughput::Elements(order.len() as u64));
    g.bench_function("guarded MERGE of 111k change events", |b| {
        b.iter(|| {
            let mut t = Target::new();
            for (r, id) in order.iter().zip(&ids) {
                t.apply(&feed, *r, Some(*id), Guard::Lsn);
            }
            black_box(t.live())
        })
    });
    g.throughput(Throughput::Elements(10_000));
    let p = CdcParams {
        changes: 10_000,
        ..CdcParams::default()
    };
    g.bench_function("10k changes through the pipeline", |b| {
        b.iter(|| {
            let mut s = Cdc::new(&p, 42).expect("valid");
            for _ in 0..10_000 {
                s.step();
            }
            black_box(s.stats().applied)
        })
    });
    g.finish();
}

/// Cache operations per second: the LRU alone (a Zipf-like key stream of gets, a put after
/// each miss; 1,000 entries with a TTL) and whole requests per second through the fleet.
fn caching(c: &mut Criterion) {
    use pipelab_core::patterns::caching::lru::{Lookup, Lru};
    use pipelab_core::patterns::caching::{CacheParams, Caching};
    let mut g = c.benchmark_group("caching");
    g.throughput(Throughput::Elements(100_000));
    let keys: Vec<u32> = (0..100_000u64)
        .map(|i| (key_hash(i) % 4_000) as u32 / (1 + (key_hash(i ^ 7) % 4) as u32))
        .collect();
    g.bench_function("lru get/put 1000 entries", |b| {
        b.iter(|| {
            let mut lru = Lru::new(1_000, 5_000);
            let mut hits = 0u64;
            for (t, k) in keys.iter().enumerate() {
                match lru.get(*k, t as u32) {
                    Lookup::Hit { .. } => hits += 1,
                    _ => {
                        lru.put(*k, 1, t as u32);
                    }
                }
            }
            black_box(hits)
        })
    });
    g.throughput(Throughput::Elements(10_000));
    for coalesce in [false, true] {
        let p = CacheParams {
            requests: 10_000,
            coalesce,
            ..CacheParams::default()
        };
        g.bench_function(
            format!("10k requests{}", if coalesce { " coalesced" } else { "" }),
            |b| {
                b.iter(|| {
                    let mut s = Caching::new(&p, 42).expect("valid");
                    for _ in 0..10_000 {
                        s.step();
                    }
                    black_box(s.stats().stale)
                })
            },
        );
    }
    g.finish();
}

criterion_group!(
    benches,
    contracts,
    cdc,
    caching,
    partitioning,
    batch_writes,
    lakehouse,
    cqrs,
    etl_elt,
    event_sourcing,
    workload,
    sharding_steps,
    routing,
    seek_million,
    kappa_million,
    lambda_million
);
criterion_main!(benches);
