/** The pure data core: reading, cleaning, deduplication, splitting, scaling and feature selection. */
export * from './errors';
export * from './frame';
export * from './read';
export * from './clean';
export * from './dedupe';
export * from './split';
export * from './standardize';
export * from './select';
export * from './text';
export * from './profile';
