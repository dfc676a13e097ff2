/**
 * The two datasets bench/teachers.ts compares the teachers on, read from shared/datasets:
 * Banking77 (its official train/test files; 15 % of the training file, stratified, is the
 * validation split) and the SMS Spam Collection (the pipeline's stratified 70/15/15 split).
 */
import { join, resolve } from 'node:path';

import { column } from '../core/data/frame';
import { readCsv } from '../core/data/read';
import { stratifiedSplit } from '../core/data/split';

const DATASETS = resolve(__dirname, '..', '../shared/datasets');
export const DATASET_NAMES = ['banking77', 'sms'];

/** A dataset with its three splits as row indices into `texts`. */
export interface Dataset {
  readonly name: string;
  readonly texts: string[];
  readonly labels: number[];
  readonly classes: string[];
  readonly train: number[];
  readonly validation: number[];
  readonly test: number[];
  readonly testSource: string;
}

/** The dataset `name` (one of {@link DATASET_NAMES}), its stratified splits drawn with `seed` (the bench's is 42). */
export async function loadDataset(name: string, seed: number): Promise<Dataset> {
  if (name === 'banking77') return banking77(seed);
  if (name === 'sms') return smsSpam(seed);
  throw new Error(`unknown dataset ${name}: banking77 or sms`);
}

async function textsAndLabels(path: string, text: string, label: string) {
  const { frame } = await readCsv(path);
  return { texts: column(frame, text).map((t) => String(t ?? '')), labels: column(frame, label).map(String) };
}

/** Official train/test files; validation is 15 % of the training file, stratified. */
async function banking77(seed: number): Promise<Dataset> {
  const train = await textsAndLabels(join(DATASETS, 'banking77', 'train.csv'), 'text', 'category');
  const test = await textsAndLabels(join(DATASETS, 'banking77', 'test.csv'), 'text', 'category');
  const classes = [...new Set(train.labels)].sort();
  // test: 0 still gives every class one row there; those rows join validation.
  const split = stratifiedSplit(train.labels, { validation: 0.15, test: 0, seed });
  const n = train.texts.length;
  return {
    name: 'banking77',
    texts: [...train.texts, ...test.texts],
    labels: [...train.labels, ...test.labels].map((l) => classes.indexOf(l)),
    classes,
    train: indicesWhere(split, (s) => s === 'train'),
    validation: indicesWhere(split, (s) => s !== 'train'),
    test: test.texts.map((_, i) => n + i),
    testSource: 'official test.csv (3,080 rows)',
  };
}

/** One file; the pipeline's default split (validation 0.15, test 0.15, seed 42). */
async function smsSpam(seed: number): Promise<Dataset> {
  const data = await textsAndLabels(join(DATASETS, 'sms_spam', 'sms_spam.csv'), 'text', 'label');
  const classes = [...new Set(data.labels)].sort();
  const split = stratifiedSplit(data.labels, { validation: 0.15, test: 0.15, seed });
  return {
    name: 'sms_spam',
    texts: data.texts,
    labels: data.labels.map((l) => classes.indexOf(l)),
    classes,
    train: indicesWhere(split, (s) => s === 'train'),
    validation: indicesWhere(split, (s) => s === 'validation'),
    test: indicesWhere(split, (s) => s === 'test'),
    testSource: 'stratified 15 % of sms_spam.csv, seed 42',
  };
}

function indicesWhere<T>(values: readonly T[], keep: (v: T) => boolean): number[] {
  return values.flatMap((v, i) => (keep(v) ? [i] : []));
}
