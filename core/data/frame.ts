/**
 * A small column-major table: the unit every data step reads and writes.
 * Numeric columns hold `number | null`, string columns `string | null`; `null` is missing.
 */
export type Cell = string | number | null;

/** Logical type of a column, inferred over the whole column. */
export type ColumnType = 'string' | 'number';

/** A column-major frame. All columns have `rowCount` cells. */
export interface Frame {
  readonly columns: readonly string[];
  readonly types: Readonly<Record<string, ColumnType>>;
  readonly values: Readonly<Record<string, readonly Cell[]>>;
  readonly rowCount: number;
}

/** Builds a frame, checking that every column has the same length. */
export function makeFrame(
  columns: readonly string[],
  types: Readonly<Record<string, ColumnType>>,
  values: Readonly<Record<string, readonly Cell[]>>,
): Frame {
  const rowCount = columns.length === 0 ? 0 : (values[columns[0]!]?.length ?? 0);
  for (const name of columns) {
    const column = values[name];
    if (!column || column.length !== rowCount) {
      throw new Error(`column ${name} has ${column?.length ?? 0} cells, expected ${rowCount}`);
    }
    if (!types[name]) throw new Error(`column ${name} has no type`);
  }
  return { columns, types, values, rowCount };
}

/** The cells of one column; throws when the column does not exist. */
export function column(frame: Frame, name: string): readonly Cell[] {
  const cells = frame.values[name];
  if (!cells) throw new Error(`no column ${name}; columns are ${frame.columns.join(', ')}`);
  return cells;
}

/** A new frame holding only the rows at `indices`, in that order. */
export function takeRows(frame: Frame, indices: readonly number[]): Frame {
  const values: Record<string, Cell[]> = {};
  for (const name of frame.columns) {
    const cells = column(frame, name);
    values[name] = indices.map((i) => cells[i] ?? null);
  }
  return makeFrame(frame.columns, frame.types, values);
}

/** A new frame with `name` added (or replaced). */
export function withColumn(frame: Frame, name: string, type: ColumnType, cells: readonly Cell[]): Frame {
  const columns = frame.columns.includes(name) ? frame.columns : [...frame.columns, name];
  return makeFrame(columns, { ...frame.types, [name]: type }, { ...frame.values, [name]: cells });
}
