/**
 * Imported first by bench/run.ts: the benchmarks build their own template database, so a
 * benchmark never drops the one an `npm test` running at the same time copies from.
 */
process.env.TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/switchboard_bench_test";
