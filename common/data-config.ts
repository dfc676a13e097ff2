/**
 * The data sections of the run configuration (reading, cleaning, dedupe, standardize, selection,
 * drift): their schemas, with every default declared here, and the cross-field checks that reject
 * a data configuration that cannot work. `config.ts` assembles them into the run configuration.
 */
import { z } from 'zod';

export const csvSchema = z
  .object({
    /** File format: 'csv' (any delimiter), 'parquet' or 'jsonl'. Default: detected (magic bytes, then name). */
    format: z.enum(['csv', 'parquet', 'jsonl']).optional(),
    /** Field delimiter of delimited text. Default: sniffed. */
    delimiter: z.string().min(1).max(1).optional(),
    /** Whether the first record holds column names; overrides the sniffer. Default: sniffed. */
    header: z.boolean().optional(),
    /** Column names of a header-less file. */
    columnNames: z.array(z.string().min(1)).optional(),
    /** 'utf-8' (default) or 'latin-1'. */
    encoding: z.string().optional(),
    /** Decimal separator of numbers, '.' or ','. Default '.'. */
    decimal: z.enum(['.', ',']).optional(),
    /** Thousands separator removed from numbers (only where it groups digits by three). Default none. */
    thousands: z.enum([',', '.', ' ', "'", '_']).optional(),
  })
  .default({});

export const cleaningSchema = z
  .object({
    /**
     * Rows with a missing feature value: 'keep' them (default; standardize imputes numbers and gives
     * categories an unknown bucket), 'drop' them, or 'flag' them with a 0/1 `<column>__missing` column
     * per feature that has missing values (then kept).
     */
    missing: z.enum(['keep', 'drop', 'flag']).default('keep'),
    /**
     * How standardize fills a missing number, fitted on the training split only (imputation happens
     * after the split so that no statistic of held-out rows leaks into training). Default 'mean'.
     */
    impute: z.enum(['mean', 'median', 'mostFrequent']).default('mean'),
    /** Replace e-mail addresses, phone numbers and Luhn-valid card numbers in text columns. Default false. */
    redactPii: z.boolean().default(false),
  })
  .default({ missing: 'keep', impute: 'mean', redactPii: false });

export const dedupeSchema = z
  .object({
    /** Third pass: near-duplicate texts by MinHash/LSH over word shingles. Default false. */
    nearDuplicates: z.boolean().default(false),
    /** Jaccard similarity of word-shingle sets at or above which two texts are duplicates. Default 0.8. */
    threshold: z.number().gt(0).max(1).default(0.8),
    /** Words per shingle. Default 3. */
    shingleSize: z.number().int().min(1).max(10).default(3),
    /** MinHash functions per signature. Default 128. */
    numHashes: z.number().int().min(16).max(1024).default(128),
    /** Duplicate groups with different labels: 'majority' (default), 'drop' every row, or 'keep' one per label. */
    conflictPolicy: z.enum(['majority', 'drop', 'keep']).default('majority'),
  })
  .default({ nearDuplicates: false, threshold: 0.8, shingleSize: 3, numHashes: 128, conflictPolicy: 'majority' });

export const standardizeSchema = z
  .object({
    /** Numeric scaling fitted on the training split: 'zscore' (default), 'robust' (median/IQR) or 'none'. */
    scaling: z.enum(['zscore', 'robust', 'none']).default('zscore'),
    /** Categories seen fewer times in training share one rare column. Default 2. */
    minCategoryCount: z.number().int().min(1).default(2),
    /** Label normalisation before the split: 'preserve' (default), 'lower' or 'upper' case; mapping recorded. */
    labelCase: z.enum(['preserve', 'lower', 'upper']).default('preserve'),
    /** Drop the rows of classes too small to stratify (a warning names them) instead of failing. Default false. */
    dropRareClasses: z.boolean().default(false),
  })
  .default({ scaling: 'zscore', minCategoryCount: 2, labelCase: 'preserve', dropRareClasses: false });

export const selectionSchema = z
  .object({
    /**
     * Scoring of tabular columns: ANOVA F, mutual information, or χ² (needs non-negative values, so only
     * with `standardize.scaling` 'none'). Default 'anova'.
     */
    tabularMethod: z.enum(['anova', 'mutualInfo', 'chi2']).default('anova'),
    /** How many scored columns are kept: the 'topK' (default), a 'percentile', or all above a 'threshold'. */
    mode: z.enum(['topK', 'percentile', 'threshold']).default('topK'),
    /** At most this many tabular columns are kept (mode 'topK'). Default 20. */
    maxTabularFeatures: z.number().int().positive().default(20),
    /** Percentage of scored columns kept, rounded up (mode 'percentile'). Default 50. */
    percentile: z.number().gt(0).max(100).default(50),
    /** Smallest score kept (mode 'threshold'). Default 0. */
    scoreThreshold: z.number().min(0).default(0),
    /** Columns whose training variance is at or below this are excluded before scoring. Default 0. */
    varianceThreshold: z.number().min(0).default(0),
    /** A column correlated above this (|Pearson r|) with a better-scored kept column is dropped. Default 1 (off). */
    maxCorrelation: z.number().gt(0).max(1).default(1),
    /** Largest word n-gram of the text vocabulary. Default 2 (unigrams and bigrams). */
    ngramMax: z.number().int().min(1).max(3).default(2),
    /** An n-gram must occur in at least this many training documents. Default 2. */
    minDocumentFrequency: z.number().int().positive().default(2),
    /** The vocabulary keeps the n-grams with the highest χ² score, at most this many. Default 3000. */
    maxVocabulary: z.number().int().positive().default(3000),
  })
  .default({
    tabularMethod: 'anova',
    mode: 'topK',
    maxTabularFeatures: 20,
    percentile: 50,
    scoreThreshold: 0,
    varianceThreshold: 0,
    maxCorrelation: 1,
    ngramMax: 2,
    minDocumentFrequency: 2,
    maxVocabulary: 3000,
  });

export const driftSchema = z
  .object({
    /**
     * What a change against the previous registered run of the same model name does: 'warn' (default;
     * listed in the clean step's report) or 'fail' (the run fails at clean with a DataDrift error).
     */
    policy: z.enum(['warn', 'fail']).default('warn'),
    /** Largest allowed rise of a column's missing fraction. Default 0.1. */
    maxMissingIncrease: z.number().min(0).default(0.1),
    /** Largest allowed change of a numeric mean, in baseline standard deviations. Default 0.5. */
    maxMeanShiftStd: z.number().min(0).default(0.5),
    /** Largest allowed change of a category's frequency. Default 0.2. */
    maxCategoryShift: z.number().min(0).max(1).default(0.2),
  })
  .default({ policy: 'warn', maxMissingIncrease: 0.1, maxMeanShiftStd: 0.5, maxCategoryShift: 0.2 });

/** The data fields {@link dataConfigProblem} checks across sections. */
export interface DataConfigFields {
  features?: string[];
  csv: z.output<typeof csvSchema>;
  standardize: z.output<typeof standardizeSchema>;
  selection: z.output<typeof selectionSchema>;
  /** Whether the caller set `selection.maxTabularFeatures` (the default 20 is a cap, not a demand). */
  kGiven: boolean;
}

/**
 * The first data setting that cannot work, as `[field, message]`, or undefined: χ² asked of scaled
 * values (z-scored or robust-scaled columns always have negative values), a top-k set larger than
 * the number of listed features, and number separators that collide with the delimiter.
 */
export function dataConfigProblem(config: DataConfigFields): [string, string] | undefined {
  const { selection, standardize, features, csv, kGiven } = config;
  if (selection.tabularMethod === 'chi2' && standardize.scaling !== 'none') {
    return [
      'selection.tabularMethod',
      `chi2 needs non-negative, unscaled values but standardize.scaling is '${standardize.scaling}'; ` +
        "set standardize.scaling to 'none' or use anova / mutualInfo",
    ];
  }
  if (kGiven && features && selection.mode === 'topK' && selection.maxTabularFeatures > features.length) {
    return [
      'selection.maxTabularFeatures',
      `${selection.maxTabularFeatures} is larger than the ${features.length} listed feature column(s)`,
    ];
  }
  const separators: string[] = [csv.decimal, csv.thousands].filter((s) => s !== undefined);
  if (csv.delimiter !== undefined && separators.includes(csv.delimiter)) {
    return ['csv.delimiter', `'${csv.delimiter}' is also the decimal or thousands separator`];
  }
  if (csv.decimal !== undefined && csv.decimal === csv.thousands) {
    return ['csv.thousands', `'${csv.thousands}' is also the decimal separator`];
  }
  return undefined;
}
