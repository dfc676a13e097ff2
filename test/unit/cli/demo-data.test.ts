/**
 * Where the demo finds the SMS Spam Collection: the shared datasets folder, or a download of the
 * published archive whose file must match its SHA-256 (served here from loopback).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { zipSync } from 'fflate';

import { demoDataFolders, findDemoData, SMS_SPAM_SHA256 } from '../../../cli/demo-data';
import { sha256 } from '../../../core/util/hash';
import { DATASETS } from '../../support/sms-subset';

const ORIGINAL = readFileSync(join(DATASETS, 'sms_spam', 'SMSSpamCollection'));

/** Serves `body` at every path on a loopback port. */
async function serve(body: Uint8Array): Promise<{ url: string; server: Server }> {
  const server = createServer((_, response) => response.end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms.zip`, server };
}

describe('findDemoData', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'distillery-demo-data-'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('uses the CSV in the datasets folder when there is one', async () => {
    const found = await findDemoData(home, { DISTILLERY_DATASETS: DATASETS });

    expect(demoDataFolders({ DISTILLERY_DATASETS: '/data' })[0]).toBe('/data');

    expect(found).toEqual({ path: join(DATASETS, 'sms_spam', 'sms_spam.csv'), headerless: false });
  });

  it('downloads the archive, checks the SHA-256 of SMSSpamCollection and keeps it', async () => {
    const { url, server } = await serve(
      zipSync({ SMSSpamCollection: new Uint8Array(ORIGINAL), readme: new Uint8Array(1) }),
    );
    try {
      const found = await findDemoData(home, { DISTILLERY_SMS_SPAM_URL: url }, []);

      expect(found).toEqual({ path: join(home, 'datasets', 'SMSSpamCollection'), headerless: true });
      expect(sha256(await readFile(found.path))).toBe(SMS_SPAM_SHA256);
    } finally {
      server.close();
    }
  });

  it('refuses a download whose file does not match the published SHA-256', async () => {
    const tampered = Buffer.concat([ORIGINAL, Buffer.from('spam\tWIN NOW\n')]);
    const { url, server } = await serve(zipSync({ SMSSpamCollection: new Uint8Array(tampered) }));
    try {
      const pending = findDemoData(home, { DISTILLERY_SMS_SPAM_URL: url }, []);

      await expect(pending).rejects.toMatchObject({ type: 'IntegrityError', details: { expected: SMS_SPAM_SHA256 } });
    } finally {
      server.close();
    }
  });
});
