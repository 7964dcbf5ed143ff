//! Criterion benchmarks: workload throughput, sharding steps, and seeking in a
//! 1,000,000-step run (the number the seek bar's responsiveness depends on).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pipelab_core::patterns::sharding::{Sharding, ShardingParams};
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
    for scheme in ["modn", "ring"] {
        g.bench_with_input(
            BenchmarkId::new("10k steps", scheme),
            scheme,
            |b, scheme| {
                let p = ShardingParams {
                    scheme: if scheme == "ring" {
                        pipelab_core::patterns::sharding::Scheme::Ring
                    } else {
                        pipelab_core::patterns::sharding::Scheme::ModN
                    },
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

criterion_group!(benches, workload, sharding_steps, seek_million);
criterion_main!(benches);
