//! What the home page lists: every pattern, compare view and the quiz, and whether each
//! is built yet (unbuilt cards say so and are not links; their routes show not-found).

/// One card on the home page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Card {
    /// `card-<id>` hook; the route is `/<route>`.
    pub id: &'static str,
    pub route: &'static str,
    pub title: &'static str,
    pub blurb: &'static str,
    pub built: bool,
}

pub const PATTERNS: &[Card] = &[
    Card { id: "etl-elt", route: "etl-elt", title: "ETL vs ELT", blurb: "Transform before the load, or load raw rows and transform inside the warehouse — and what a rule change costs each.", built: true },
    Card { id: "batch-writes", route: "batch-writes", title: "Batch writes", blurb: "Row-at-a-time vs batches vs bulk copy under a round-trip cost model; bad rows bisected, resends made harmless.", built: true },
    Card { id: "lambda", route: "lambda", title: "Lambda", blurb: "A batch layer for accuracy, a speed layer for freshness, merged at a cut-off.", built: true },
    Card { id: "kappa", route: "kappa", title: "Kappa", blurb: "One log, one stream processor: event-time windows, watermarks, late data, replaying a new version.", built: true },
    Card { id: "lakehouse", route: "lakehouse", title: "Lakehouse", blurb: "Bronze, silver, gold as Arrow files behind snapshots: optimistic commits, time travel, compaction, pruning.", built: true },
    Card { id: "event-sourcing", route: "event-sourcing", title: "Event sourcing", blurb: "State as the fold of an append-only log: refused commands, version conflicts, snapshots and upcasting.", built: true },
    Card { id: "cqrs", route: "cqrs", title: "CQRS", blurb: "A write model and lagging read models: stale reads, waiting for a version or a token, rebuilds and duplicates.", built: true },
    Card { id: "partitioning", route: "partitioning", title: "Partitioning", blurb: "One orders table split by hash of the user or by quarter: pruned queries, hot partitions, rows moved, the note's missing day.", built: true },
    Card { id: "sharding", route: "sharding", title: "Sharding", blurb: "Mod-N, a hash ring, rendezvous and jump hashing: route orders by user, add a shard, count the keys that move.", built: true },
    Card { id: "caching", route: "caching", title: "Multi-level caching", blurb: "L1 per instance, a shared L2, a slow database: hit rates, stale reads, stampedes, and the TTL trade-off.", built: true },
    Card { id: "cdc", route: "cdc", title: "Change data capture", blurb: "A WAL streamed as Debezium change events, merged idempotently by LSN — and the deletes polling never sees.", built: true },
    Card { id: "contracts", route: "contracts", title: "Data contracts", blurb: "Validate records against a contract you edit, dead-letter the rest with every reason, and check new versions for compatibility.", built: true },
];

pub const COMPARES: &[Card] = &[
    Card {
        id: "compare-etl-vs-elt",
        route: "compare/etl-vs-elt",
        title: "ETL vs ELT",
        blurb: "The same extract through both: the same answer, until the rule changes.",
        built: true,
    },
    Card {
        id: "compare-lambda-vs-kappa",
        route: "compare/lambda-vs-kappa",
        title: "Lambda vs Kappa",
        blurb: "Staleness, accuracy and work on one stream.",
        built: true,
    },
    Card {
        id: "compare-modn-vs-ring",
        route: "compare/modn-vs-ring",
        title: "Mod-N vs ring",
        blurb: "Keys moved by the same added shard.",
        built: true,
    },
    Card {
        id: "compare-hash-vs-range",
        route: "compare/hash-vs-range",
        title: "Hash vs range",
        blurb: "The same orders and queries: rows read, rows returned, rows moved.",
        built: true,
    },
    Card {
        id: "compare-invalidate-vs-write-through",
        route: "compare/invalidate-vs-write-through",
        title: "Invalidate vs write-through",
        blurb: "The same requests and writes: stale reads, database reads, latency.",
        built: true,
    },
];

pub const QUIZ: Card = Card {
    id: "quiz",
    route: "quiz",
    title: "Quiz and interview mode",
    blurb: "Questions graded against live simulations, with a timed mode.",
    built: true,
};
