/** The body and answer of `POST /models/:name/predict`, and the warnings a raw record earns. */
import { z } from 'zod';

import type { RawRecord, StudentBundle } from '../../core/bundle';
import { UNKNOWN_CATEGORY } from '../../core/data/standardize';

const ALIAS = /^[a-z][a-z0-9_-]{0,62}$/;

/** A raw record as in the training CSV: column name → string, number or null (missing). */
const recordSchema = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

/** Body of `POST /models/:name/predict`. The batch limit is the API's setting, checked by the service. */
export const predictSchema = z
  .object({
    records: z.array(recordSchema).min(1).describe('Raw records, as rows of the training CSV (column → value).'),
    alias: z
      .string()
      .regex(ALIAS, 'a lower-case alias such as production')
      .optional()
      .describe('Serve the version this alias names. Default production (when no version is given).'),
    version: z.number().int().positive().optional().describe('Serve this version instead of an alias.'),
  })
  .refine((body) => body.alias === undefined || body.version === undefined, {
    message: 'give alias or version, not both',
    path: ['version'],
  });
/** A validated {@link predictSchema} body. */
export type PredictRequest = z.output<typeof predictSchema>;

/** One decided record: the class under the stored decision rule, and the calibrated probabilities. */
export interface Prediction {
  readonly label: string;
  readonly probabilities: Readonly<Record<string, number>>;
}

/** Something about a record that prediction handled but the caller should know. */
export interface RecordWarning {
  /** 0-based index of the record in the request. */
  readonly record: number;
  readonly column: string;
  readonly message: string;
}

/** Answer of `POST /models/:name/predict`. */
export interface PredictResponse {
  readonly modelName: string;
  readonly version: number;
  readonly predictions: readonly Prediction[];
  readonly warnings: readonly RecordWarning[];
}

/** The columns a bundle's transform reads, in order, with what each accepts; built once per bundle. */
interface WarningPlan {
  readonly columns: readonly { readonly name: string; readonly numeric: boolean; readonly known?: Set<string> }[];
}

const plans = new WeakMap<StudentBundle, WarningPlan>();

function warningPlan(bundle: StudentBundle): WarningPlan {
  let plan = plans.get(bundle);
  if (!plan) {
    const { text, fitted } = bundle.transform;
    plan = {
      columns: [
        ...(text ? [{ name: text, numeric: false }] : []),
        ...fitted.numeric.map((t) => ({ name: t.name, numeric: true })),
        ...fitted.categorical.map((t) => ({
          name: t.name,
          numeric: false,
          known: new Set([...t.categories, ...t.rare]),
        })),
      ],
    };
    plans.set(bundle, plan);
  }
  return plan;
}

/**
 * The warnings of a batch, record by record in the order the transform reads columns (text,
 * numeric, categorical): a column the record lacks, a numeric value that is not a number (both read
 * as missing), and a category never seen in training (mapped to the unknown bucket).
 */
export function recordWarnings(bundle: StudentBundle, records: readonly RawRecord[]): RecordWarning[] {
  const { columns } = warningPlan(bundle);
  return records.flatMap((record, index) =>
    columns.flatMap((column) => {
      const message = cellWarning(record[column.name], column.numeric, column.known);
      return message ? [{ record: index, column: column.name, message }] : [];
    }),
  );
}

function cellWarning(value: RawRecord[string] | undefined, numeric: boolean, categories?: Set<string>): string | null {
  if (value === undefined) return 'column absent: read as a missing value';
  if (value === null || value === '') return null;
  if (numeric && !Number.isFinite(Number(value))) return `value '${value}' is not a number: read as a missing value`;
  if (categories && !categories.has(String(value))) {
    return `category '${value}' was not seen in training: mapped to ${UNKNOWN_CATEGORY}`;
  }
  return null;
}
