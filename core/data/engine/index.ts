/**
 * The out-of-core data engine: the clean, dedupe, split-and-standardize and feature-scoring steps
 * as SQL over Parquet files in DuckDB, with a memory limit and a spill folder, giving the same rows,
 * statistics and selections as the in-memory core (core/data) on any input.
 */
export * from './session';
export * from './clean';
export * from './dedupe';
export * from './split';
export * from './standardize';
export * from './select';
