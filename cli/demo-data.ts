/**
 * Finds the SMS Spam Collection for `distillery demo`: `DISTILLERY_DATASETS/sms_spam/`, else
 * `../shared/datasets/sms_spam/` beside the project, else a download of the original UCI archive,
 * whose `SMSSpamCollection` must match the SHA-256 below before it is used
 * (`DISTILLERY_SMS_SPAM_URL` points the download at a mirror of the same archive).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { unzipSync } from 'fflate';

import { DataNotFoundError, IntegrityError } from '../common/errors';
import { sha256 } from '../core/util/hash';
import { PROJECT_ROOT } from './runtime';

/** Public source of the SMS Spam Collection (Almeida and Gómez Hidalgo), UCI repository. */
export const SMS_SPAM_URL = 'https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip';
/** SHA-256 of the original tab-separated `SMSSpamCollection` file (5,574 rows). */
export const SMS_SPAM_SHA256 = '7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d';

/** How to read the demo file: the CSV with a header, or the original header-less TSV. */
export interface DemoData {
  readonly path: string;
  readonly headerless: boolean;
}

/** Folders searched for `sms_spam/sms_spam.csv`: `DISTILLERY_DATASETS`, then `../shared/datasets`. */
export function demoDataFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.DISTILLERY_DATASETS, resolve(PROJECT_ROOT, '..', 'shared', 'datasets')].filter((f): f is string => !!f);
}

/** Locates (or downloads and verifies) the demo data. */
export async function findDemoData(
  home: string,
  env: NodeJS.ProcessEnv = process.env,
  folders: readonly string[] = demoDataFolders(env),
): Promise<DemoData> {
  for (const folder of folders) {
    const csv = join(folder, 'sms_spam', 'sms_spam.csv');
    if (existsSync(csv)) return { path: csv, headerless: false };
  }
  return {
    path: await download(join(home, 'datasets'), env.DISTILLERY_SMS_SPAM_URL ?? SMS_SPAM_URL),
    headerless: true,
  };
}

async function download(folder: string, url: string): Promise<string> {
  const target = join(folder, 'SMSSpamCollection');
  if (existsSync(target) && sha256(await readFile(target)) === SMS_SPAM_SHA256) return target;
  const response = await fetch(url);
  if (!response.ok) throw new DataNotFoundError(url, `HTTP ${response.status}`);
  const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
  const bytes = files['SMSSpamCollection'];
  if (!bytes) throw new DataNotFoundError(url, 'the archive holds no SMSSpamCollection file');
  const actual = sha256(bytes);
  if (actual !== SMS_SPAM_SHA256) throw new IntegrityError(url, SMS_SPAM_SHA256, actual);
  await mkdir(folder, { recursive: true });
  await writeFile(target, bytes);
  return target;
}
