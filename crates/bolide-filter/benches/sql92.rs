//! Selector evaluation speed: checks per second of a typical expression against a message's
//! properties (looked up in the raw properties string, as the broker does).

use bolide_filter::{Properties, Selector};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// Raw RocketMQ properties (`name 0x01 value 0x02`), searched on every lookup.
struct Raw(&'static str);

impl Properties for Raw {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.split('\u{2}').find_map(|item| item.split_once('\u{1}').filter(|(n, _)| *n == name).map(|(_, v)| v))
    }
}

fn bench(c: &mut Criterion) {
    let selector = Selector::compile("a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')").expect("valid");
    let matching =
        Raw("UNIQ_KEY\u{1}7F0000011A2B18B4AAC2590E6B9B0000\u{2}WAIT\u{1}true\u{2}TAGS\u{1}A\u{2}a\u{1}2\u{2}");
    let other = Raw("UNIQ_KEY\u{1}7F0000011A2B18B4AAC2590E6B9B0000\u{2}WAIT\u{1}true\u{2}TAGS\u{1}C\u{2}a\u{1}7\u{2}");
    let mut group = c.benchmark_group("sql92");
    group.throughput(Throughput::Elements(1));
    group.bench_function("between_and_in/match", |b| b.iter(|| selector.matches(black_box(&matching))));
    group.bench_function("between_and_in/no_match", |b| b.iter(|| selector.matches(black_box(&other))));
    group.bench_function("compile", |b| {
        b.iter(|| Selector::compile(black_box("a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')")).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
